"""The charge review queue (billers)."""

import reflex as rx

from frontend.components.fields import choice
from frontend.components.layout import shell
from frontend.state.billing import BillingState

STATUSES = ["pending", "held", "approved", "billed"]


def _row(row: rx.Var) -> rx.Component:
    cid = row["id"].to(str)
    return rx.table.row(
        rx.table.cell(row["date"]),
        rx.table.cell(row["client"]),
        rx.table.cell(row["code"], class_name="charge-code"),
        rx.table.cell(row["units"]),
        rx.table.cell(row["minutes"]),
        rx.table.cell(row["fee"]),
        rx.table.cell(row["dx"]),
        rx.table.cell(rx.badge(row["status"])),
        rx.table.cell(rx.text(row["why"], size="1")),
        rx.table.cell(
            rx.flex(
                rx.button("Approve", size="2", on_click=BillingState.approve(cid)),
                rx.form(
                    rx.hstack(
                        rx.el.input(type="hidden", name="charge_id", value=cid),
                        rx.input(name="reason", placeholder="Hold reason", size="2", width="9em"),
                        rx.button("Hold", size="2", variant="outline", type="submit"),
                    ),
                    on_submit=BillingState.hold,
                    reset_on_submit=True,
                ),
                rx.form(
                    rx.hstack(
                        rx.el.input(type="hidden", name="charge_id", value=cid),
                        rx.input(name="code", placeholder="Code", size="2", width="6em"),
                        rx.input(name="units", placeholder="Units", size="2", width="4em"),
                        rx.input(name="reason", placeholder="Why (audited)", size="2", width="9em"),
                        rx.button("Correct", size="2", variant="soft", type="submit"),
                    ),
                    on_submit=BillingState.correct,
                    reset_on_submit=True,
                ),
                gap="2",
                wrap="wrap",
            )
        ),
        class_name="charge-row",
    )


def billing() -> rx.Component:
    return shell(
        "Billing",
        rx.hstack(
            rx.el.select(
                *[rx.el.option(s, value=s) for s in STATUSES],
                value=BillingState.status,
                on_change=BillingState.filter,
                style={"height": "40px", "font_size": "16px"},
                id="charge-status",
            ),
            rx.button("Export CSV", variant="outline", on_click=BillingState.export_csv),
            rx.spacer(),
            rx.form(
                rx.hstack(
                    choice("payer_id", BillingState.payers, placeholder="Payer"),
                    rx.button("Build 837P batch", type="submit", id="claim-batch"),
                ),
                on_submit=BillingState.claim_batch,
            ),
            width="100%",
            align="center",
        ),
        rx.cond(BillingState.message != "", rx.callout(BillingState.message, color_scheme="green")),
        rx.cond(
            BillingState.error != "",
            rx.callout(BillingState.error, color_scheme="red", role="alert"),
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in (
                            "Date",
                            "Client",
                            "Code",
                            "Units",
                            "Min",
                            "Fee",
                            "Dx",
                            "Status",
                            "Why",
                            "",
                        )
                    ]
                )
            ),
            rx.table.body(rx.foreach(BillingState.rows, _row)),
            width="100%",
        ),
    )
