"""CSV exports that a spreadsheet cannot execute.

A cell starting with ``= + - @`` (or a tab / carriage return) is read as a formula by
Excel and LibreOffice: a patient named ``=HYPERLINK(...)`` would run in the biller's
spreadsheet. Such cells are prefixed with an apostrophe (OWASP's advice); ``None`` is empty.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`cell`."""

    def __init__(self, buffer: TextIO) -> None:
        self._writer = csv.writer(buffer)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
