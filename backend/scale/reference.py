"""The small tables the statements read, filled from Python before they run: plan
templates and their objectives, instrument bands, how each instrument's total is spread
over its items, and the wordings of progress-note sections."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from backend.measures.instruments import INSTRUMENTS
from backend.scale import plans
from backend.scale.vocabulary import MEDICATIONS, SECTIONS

# (instrument, items the total is spread over, answers appended after them, highest total,
# lowest starting total, range of starting totals). PHQ-9 item 9 (self-harm) stays at 0:
# a positive answer raises a safety alert, which generated data should not invent.
INSTRUMENT_USE: tuple[tuple[str, int, list[int], int, int, int], ...] = (
    ("phq9", 8, [0], 24, 8, 14),
    ("gad7", 7, [], 21, 6, 13),
)

TABLES = {
    "plan_template": (
        "t int, key text, content text, dx text[], dx_descriptions text[], med_names text[], "
        "med_strengths text[], med_forms text[]"
    ),
    "objective": "template int, suffix text, kind text, instrument text, baseline float8, "
    "target float8",
    "band": "instrument text, low int, high int, severity text",
    "instrument_use": "key text, name text, spread int, tail int[], cap int, low int, span int",
    "section_option": "format text, key text, options text[]",
}


def rows() -> dict[str, Sequence[tuple[object, ...]]]:
    templates = [
        (n, key, content, dx, descriptions, *map(list, zip(*MEDICATIONS[key], strict=True)))
        for n, key, content, dx, descriptions in plans.template_rows()
    ]
    bands = [
        (key, low, high, severity)
        for key, _, _, _, _, _ in INSTRUMENT_USE
        for low, high, severity in INSTRUMENTS[key].bands
    ]
    uses = [
        (key, INSTRUMENTS[key].name, spread, tail, cap, low, span)
        for key, spread, tail, cap, low, span in INSTRUMENT_USE
    ]
    sections = [
        (note_format, key, list(options))
        for note_format, parts in SECTIONS.items()
        for key, options in parts.items()
    ]
    return {
        "plan_template": templates,
        "objective": list(plans.objective_rows()),
        "band": bands,
        "instrument_use": uses,
        "section_option": sections,
    }


async def load(conn: asyncpg.Connection) -> None:
    for table, data in rows().items():
        await conn.execute(f"CREATE TEMP TABLE {table} ({TABLES[table]})")
        await conn.copy_records_to_table(table, records=data)
