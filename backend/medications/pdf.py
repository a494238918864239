"""A printable prescription (the honest path while no e-prescribing network is
connected)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backend.notes.pdf import FAMILY, FONTS
from shared.schemas.medications import PrescriptionRead


def render(
    rx: PrescriptionRead, patient: str, born: str, prescriber: str, clinic_zone: str
) -> bytes:
    doc = FPDF(format="Letter")
    doc.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    doc.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    doc.set_title(f"Prescription: {rx.drug_name}")
    doc.add_page()

    def line(text: str, size: float = 11, bold: bool = False) -> None:
        doc.set_font(FAMILY, "B" if bold else "", size)
        doc.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line("Prescription", 16, bold=True)
    line(f"Patient: {patient} · born {born}")
    signed = rx.signed_at.astimezone(ZoneInfo(clinic_zone)) if rx.signed_at else None
    line(f"Date: {signed:%d %b %Y}" if signed else "NOT SIGNED: not valid", bold=signed is None)
    doc.ln(4)
    line(f"Rx: {rx.drug_name} {rx.strength} {rx.dose_form}", 13, bold=True)
    line(f"Sig: {rx.sig}" + (f" for {rx.duration_days} days" if rx.duration_days else ""))
    line(f"Dispense: {rx.quantity:g} {rx.quantity_unit} · Refills: {rx.refills}")
    if rx.schedule:
        line(f"Controlled substance, schedule {rx.schedule}", bold=True)
    if rx.status == "discontinued":
        line(f"DISCONTINUED: {rx.discontinue_reason}", bold=True)
    doc.ln(10)
    line(f"Prescriber: {prescriber}")
    line("Signature: ______________________________")
    line("Not transmitted electronically.", 8)
    return bytes(doc.output())
