"""Two documents, each with the §2.32 notice on every page: the consent form (every
§2.31 element, as recorded) and a disclosure artifact (the requested parts of one
client's record, with the consent or exception that allowed it)."""

from __future__ import annotations

from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backend.consent.excerpt import Excerpt
from backend.notes.pdf import FAMILY, FONTS, NOTICE
from shared.schemas.consent import ConsentRead


class _Document(FPDF):
    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__(format="Letter")
        self.heading, self.subtitle = title, subtitle
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=28)
        self.set_title(title)
        self.set_creator("Behavioral-health EMR")
        self.add_page()

    def header(self) -> None:
        self.set_font(FAMILY, "B", 11)
        self.cell(0, 6, self.heading)
        self.ln(6)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 5, self.subtitle)
        self.ln(8)

    def footer(self) -> None:
        self.set_y(-24)
        self.set_font(FAMILY, "", 6.5)
        self.multi_cell(0, 3, NOTICE)
        self.cell(0, 4, f"Page {self.page_no()}/{{nb}}", align="R")

    def section(self, heading: str, lines: list[str]) -> None:
        self.set_font(FAMILY, "B", 10)
        self.cell(0, 6, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, "", 9.5)
        for line in lines:
            self.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def output_bytes(self) -> bytes:
        return bytes(self.output())


def consent_form(consent: ConsentRead, patient_name: str, mrn: str) -> bytes:
    doc = _Document(
        f"Consent to disclose SUD records (42 CFR Part 2) · {patient_name} · {mrn}",
        f"Consent {consent.id} · status {consent.status}",
    )
    recipients = [
        f"{r.name}"
        + (" (general designation)" if r.general_designation else "")
        + (f" · revoked {r.revoked_at:%d %b %Y}" if r.revoked_at else "")
        for r in consent.recipients
    ]
    expiry = [f"On {consent.expires_on:%d %b %Y}"] if consent.expires_on else []
    expiry += [f"Upon {consent.expires_event}"] if consent.expires_event else []
    elements = [
        ("Patient", [patient_name]),
        ("Who may disclose", [consent.discloser]),
        ("Recipients", recipients),
        (
            "Purposes",
            [", ".join(consent.purposes)]
            + ([consent.purpose_text] if consent.purpose_text else []),
        ),
        (
            "Information to be disclosed",
            [consent.information, f"Categories: {', '.join(consent.categories)}"],
        ),
        ("Expiration", expiry),
        ("Right to revoke", [consent.revocation_text]),
        ("Signature", [f"Signed by {consent.signed_by} on {consent.signed_on:%d %b %Y}"]),
        ("Summary", [consent.description]),
    ]
    for heading, lines in elements:
        doc.section(heading, lines)
    return doc.output_bytes()


def disclosure(
    excerpt: Excerpt, recipient: str, purpose: str, authority: str, printed_at: datetime
) -> bytes:
    doc = _Document(
        f"{excerpt.patient_name} · {excerpt.mrn} · born {excerpt.birth_date:%d %b %Y}",
        f"Disclosed to {recipient} for {purpose} · {printed_at:%a %d %b %Y %H:%M %Z}",
    )
    doc.section("Disclosed under", [authority])
    for section in excerpt.sections:
        doc.section(section.heading, section.lines)
    return doc.output_bytes()
