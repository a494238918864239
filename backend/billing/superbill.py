"""A superbill: the client's services in a period, with codes, units, diagnoses, fees,
payments and the balance, for the client to submit or keep."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backend.notes.pdf import FAMILY, FONTS
from shared.schemas.billing import Balance, ChargeRead


def render(
    patient: str,
    born: date,
    coverage: str,
    since: date,
    until: date,
    charges: list[ChargeRead],
    balance: Balance,
) -> bytes:
    doc = FPDF(format="Letter")
    doc.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    doc.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    doc.set_title(f"Superbill: {patient}")
    doc.add_page()

    def line(text: str, size: float = 10, bold: bool = False) -> None:
        doc.set_font(FAMILY, "B" if bold else "", size)
        doc.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line("Superbill", 16, bold=True)
    line(f"{patient} · born {born:%d %b %Y}")
    line(f"Coverage: {coverage or 'self-pay'}")
    line(f"Services from {since:%d %b %Y} to {until:%d %b %Y}")
    doc.ln(3)
    widths = (26, 18, 16, 12, 60, 22)
    doc.set_font(FAMILY, "B", 9)
    for width, title in zip(
        widths, ("Date", "Code", "Mod.", "Units", "Diagnoses", "Fee"), strict=True
    ):
        doc.cell(width, 6, title, border="B")
    doc.ln(6)
    doc.set_font(FAMILY, "", 9)
    total = Decimal(0)
    for c in charges:
        values = (
            f"{c.service_date:%d %b %Y}",
            c.code,
            ":".join(c.modifiers),
            str(c.units),
            ", ".join(c.diagnosis_codes),
            f"{c.fee:.2f}",
        )
        for width, value in zip(widths, values, strict=True):
            doc.cell(width, 6, value)
        doc.ln(6)
        total += c.fee
    doc.ln(2)
    line(f"Total charges in period: {total:.2f}", bold=True)
    line(
        f"Account: charged {balance.charged:.2f} · paid {balance.paid:.2f} · "
        f"adjusted {balance.adjusted:.2f} · balance {balance.balance:.2f}"
    )
    return bytes(doc.output())
