"""Reading an uploaded CSV file: one reader for every import (client templates, lab
results), so each refuses a malformed row the same way.

Rows are numbered as a spreadsheet shows them: the header is row 1. A row with more cells
than the header has columns is a problem naming the row and the first column beyond the
header (its cells cannot be given a meaning); a shorter row leaves the rest empty. Rows
with no text at all are skipped. Cells and header names come back stripped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CsvRow:
    number: int
    cells: dict[str, str]  # header name -> cell ("" where the row ends early)


@dataclass(frozen=True)
class CellProblem:
    row: int
    column: str
    message: str


@dataclass
class CsvTable:
    header: list[str]
    rows: list[CsvRow] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)


def read_table(text: str, name_column: Callable[[str], str] = str.strip) -> CsvTable:
    """The header (each name through ``name_column``), the rows and their problems."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    table = CsvTable([name_column(name) for name in next(reader, [])])
    width = len(table.header)
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > width:
            message = f"{len(cells)} cells, but the header names {width} columns"
            table.problems.append(CellProblem(number, f"column {width + 1}", message))
            continue
        values = dict.fromkeys(table.header, "") | {
            name: cell.strip() for name, cell in zip(table.header, cells, strict=False)
        }
        table.rows.append(CsvRow(number, values))
    return table
