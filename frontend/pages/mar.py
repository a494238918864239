"""The MAR at tablet size: pick the date and shift, then tap Given, Refused, Held or Missed
in each dose's cell; PRN rows give a dose with its reason and take its effect later."""

import reflex as rx

from frontend.components.layout import shell
from frontend.state.mar import SHIFT_LABELS, MarState

TOUCH = "48px"
STATUS_COLOURS = (("given", "green"), ("refused", "orange"), ("held", "amber"), "gray")


def _dose_button(cell: rx.Var, status: str, colour: str) -> rx.Component:
    return rx.button(
        status.capitalize(),
        size="3",
        min_height=TOUCH,
        color_scheme=colour,
        variant="soft" if status != "given" else "solid",
        on_click=MarState.record(cell["id"], status),
    )


def _buttons(cell: rx.Var) -> rx.Component:
    return rx.grid(
        _dose_button(cell, "given", "green"),
        _dose_button(cell, "refused", "orange"),
        _dose_button(cell, "held", "amber"),
        _dose_button(cell, "missed", "gray"),
        columns="2",
        spacing="1",
    )


def _note_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.input(
                name="note",
                placeholder="Why " + MarState.pending_status + "?",
                aria_label="Note",
                size="3",
                auto_focus=True,
                id="dose-note",
            ),
            rx.hstack(
                rx.button("Save " + MarState.pending_status, type="submit", size="3"),
                rx.button(
                    "Cancel", type="button", size="3", variant="soft", on_click=MarState.cancel_note
                ),
            ),
            spacing="1",
        ),
        on_submit=MarState.record_with_note,
    )


def _recorded(cell: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.badge(cell["status"], size="3", color_scheme=rx.match(cell["status"], *STATUS_COLOURS)),
        rx.text(cell["recorded"], " · ", cell["by"], size="2", class_name="dose-recorded"),
        rx.cond(cell["note"] != "", rx.text(cell["note"], size="1", color_scheme="gray")),
        spacing="1",
    )


def _cell(cell: rx.Var) -> rx.Component:
    return rx.table.cell(
        rx.cond(
            cell["id"] == "",
            rx.fragment(),
            rx.cond(
                cell["status"] == "scheduled",
                rx.cond(MarState.pending_id == cell["id"], _note_form(), _buttons(cell)),
                _recorded(cell),
            ),
        ),
        class_name="mar-cell",
        data_status=cell["status"],
        data_time=cell["time"],
    )


def _prn_dose(dose: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text("Given ", dose["time"], " · ", dose["by"], " · ", dose["reason"], size="2"),
        rx.cond(
            dose["effect"] != "",
            rx.text("Effect: ", dose["effect"], size="2", color_scheme="gray"),
            rx.form(
                rx.hstack(
                    rx.el.input(type="hidden", name="dose", value=dose["id"]),
                    rx.input(name="effect", placeholder="Effect", aria_label="Effect", size="3"),
                    rx.button("Save effect", type="submit", size="3", variant="soft"),
                    align="center",
                ),
                on_submit=MarState.record_effect,
                reset_on_submit=True,
            ),
        ),
        class_name="prn-dose",
        spacing="1",
    )


def _prn(row: rx.Var) -> rx.Component:
    return rx.table.cell(
        rx.vstack(
            rx.foreach(row["given"].to(list[dict[str, str]]), _prn_dose),
            rx.form(
                rx.hstack(
                    rx.el.input(type="hidden", name="prescription", value=row["prescription_id"]),
                    rx.input(name="reason", placeholder="Reason", aria_label="Reason", size="3"),
                    rx.button("Give PRN", type="submit", size="3", min_height=TOUCH),
                    align="center",
                ),
                on_submit=MarState.give_prn,
                reset_on_submit=True,
            ),
            spacing="2",
        ),
        col_span=MarState.span,
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row["patient"], weight="bold")),
        rx.table.cell(
            rx.text(row["medication"]), rx.text(row["sig"], size="2", color_scheme="gray")
        ),
        rx.cond(
            row["prn"].to(bool),
            _prn(row),
            rx.foreach(row["cells"].to(list[dict[str, str]]), _cell),
        ),
        class_name="mar-row",
        data_prescription=row["prescription_id"],
        vertical_align="top",
    )


def _pickers() -> rx.Component:
    return rx.hstack(
        rx.input(
            type="date",
            value=MarState.day,
            on_change=MarState.set_day,
            size="3",
            aria_label="Date",
            id="mar-day",
        ),
        rx.el.select(
            *[rx.el.option(label, value=key) for key, label in SHIFT_LABELS.items()],
            value=MarState.shift,
            on_change=MarState.set_shift,
            aria_label="Shift",
            id="mar-shift",
            style={"height": "40px", "font_size": "16px", "padding": "0 0.5em"},
        ),
        align="center",
    )


def mar() -> rx.Component:
    return shell(
        "Medication administration",
        _pickers(),
        rx.cond(
            MarState.error != "",
            rx.callout(MarState.error, color_scheme="red", role="alert", id="mar-error"),
        ),
        rx.cond(
            MarState.loaded & (MarState.rows.length() == 0),
            rx.text("No medications to give in this shift.", color_scheme="gray", id="mar-empty"),
        ),
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Client"),
                        rx.table.column_header_cell("Medication"),
                        rx.foreach(MarState.columns, rx.table.column_header_cell),
                    )
                ),
                rx.table.body(rx.foreach(MarState.rows, _row)),
                width="100%",
            ),
            overflow_x="auto",
            width="100%",
            id="mar-grid",
        ),
    )
