"""A client's signed notes as a PDF: built only from their ``NotesExport``, so it holds
exactly what their chart shows and nothing of other group members."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from shared.schemas.notes import AddendumRead, MemberNote, NotesExport
from shared.schemas.progress_notes import SECTIONS, ProgressAddendumRead, ProgressNoteRead

FONTS = Path(__file__).with_name("fonts")
FAMILY = "DejaVu"
# Printed on every page: the notice 42 CFR §2.32 requires with a disclosure of SUD records.
NOTICE = (
    "This record is protected by federal confidentiality rules (42 CFR part 2) and may "
    "contain substance use disorder information. Further disclosure is prohibited unless "
    "expressly permitted by the written consent of the person to whom it pertains or by "
    "42 CFR part 2."
)


class _Document(FPDF):
    def __init__(self, export: NotesExport, timezone: ZoneInfo) -> None:
        super().__init__(format="Letter")
        self.export, self.timezone = export, timezone
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=28)
        self.set_title(f"Clinical notes: {export.patient_name}")
        self.set_creator("Behavioral-health EMR")

    def header(self) -> None:
        e = self.export
        self.set_font(FAMILY, "B", 11)
        self.cell(0, 6, f"{e.patient_name} · {e.mrn} · born {e.birth_date:%d %b %Y}")
        self.ln(6)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 5, f"Signed clinical notes · printed {self._when(e.exported_at)}")
        self.ln(8)

    def footer(self) -> None:
        self.set_y(-24)
        self.set_font(FAMILY, "", 6.5)
        self.multi_cell(0, 3, NOTICE)
        self.cell(0, 4, f"Page {self.page_no()}/{{nb}}", align="R")

    def _when(self, value: datetime | None) -> str:
        assert value is not None
        return value.astimezone(self.timezone).strftime("%a %d %b %Y %H:%M %Z")

    def title_line(self, text: str) -> None:
        self.set_font(FAMILY, "B", 12)
        self.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def meta(self, text: str) -> None:
        self.set_font(FAMILY, "", 8.5)
        self.multi_cell(0, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def section(self, heading: str, text: str) -> None:
        if not text.strip():
            return
        self.set_font(FAMILY, "B", 10)
        self.cell(0, 6, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, "", 10)
        self.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def addenda(self, items: list[AddendumRead] | list[ProgressAddendumRead]) -> None:
        for addendum in items:
            self.section(
                f"Addendum · {self._when(addendum.created_at)} · reason: {addendum.reason}",
                addendum.text,
            )

    def rule(self) -> None:
        self.ln(2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)


def _group(doc: _Document, note: MemberNote) -> None:
    doc.title_line(f"Group note · {note.group_name} · {doc._when(note.starts_at)}")
    signed = f"Signed by {note.signed_by_name} · {doc._when(note.signed_at)}"
    doc.meta(f"{signed} · SHA-256 {note.content_hash}")
    doc.section("Topic", note.topic)
    doc.section("Interventions", note.interventions)
    doc.section("Group process", note.group_process)
    entry = note.entry
    facts = [
        ("Attendance", entry.attendance or ""),
        ("Participation", entry.participation),
        ("Affect / mood", entry.affect),
        ("Risk screen", entry.risk),
    ]
    doc.section("Member entry", " · ".join(f"{k}: {v}" for k, v in facts if v))
    doc.section("Behaviour", entry.behaviour)
    doc.section("Individual narrative", entry.narrative)
    doc.addenda(note.addenda)


def _progress(doc: _Document, note: ProgressNoteRead) -> None:
    doc.title_line(f"Progress note ({note.format.value.upper()}) · {doc._when(note.service_start)}")
    signed = f"Signed by {note.signed_by_name} · {doc._when(note.signed_at)}"
    doc.meta(
        f"{signed} · SHA-256 {note.content_hash}" + (" · late entry" if note.late_entry else "")
    )
    for key, heading, _ in SECTIONS[note.format]:
        doc.section(heading, note.sections.get(key, ""))
    doc.addenda(note.addenda)


def render(export: NotesExport, timezone: str) -> bytes:
    doc = _Document(export, ZoneInfo(timezone))
    doc.add_page()
    notes: list[tuple[datetime, MemberNote | ProgressNoteRead]] = [
        (n.starts_at, n) for n in export.group_notes
    ] + [(n.service_start, n) for n in export.progress_notes]
    if not notes:
        doc.meta("No signed notes.")
    for _, note in sorted(notes, key=lambda pair: pair[0], reverse=True):
        if isinstance(note, MemberNote):
            _group(doc, note)
        else:
            _progress(doc, note)
        doc.rule()
    return bytes(doc.output())
