"""Reports: a picker, the filters, the rows as a table and a "Download CSV" button."""

from typing import Any

import reflex as rx

from frontend.components.fields import choice
from frontend.components.layout import shell
from frontend.state.reports import ReportsState


def _picker(name: str, options: Any, everyone: str, current: Any) -> rx.Component:
    return rx.el.select(
        rx.el.option(everyone, value=""),
        rx.foreach(options, lambda o: rx.el.option(o["name"], value=o["id"])),
        name=name,
        default_value=current,
        aria_label=everyone,
        id=f"report-{name}",
        height="40px",
        font_size="16px",
    )


def _filters() -> rx.Component:
    return rx.form(
        rx.hstack(
            _picker("program_id", ReportsState.programs, "All programs", ReportsState.program_id),
            _picker("group_id", ReportsState.groups, "All groups", ReportsState.group_id),
            rx.cond(
                ReportsState.sees_everyone,
                _picker("clinician_id", ReportsState.staff, "All staff", ReportsState.clinician_id),
            ),
            rx.cond(
                ReportsState.report == "attendance",
                choice("by", ["group", "client"], default="group"),
            ),
            rx.text("From", size="2"),
            rx.input(name="since", type="date", id="report-from", size="3"),
            rx.text("to", size="2"),
            rx.input(name="until", type="date", id="report-to", size="3"),
            rx.button("Run", type="submit", size="3", id="report-run"),
            rx.button(
                "Download CSV",
                type="button",
                size="3",
                variant="soft",
                on_click=ReportsState.download_csv,
                id="report-csv",
            ),
            wrap="wrap",
            align="center",
        ),
        on_submit=ReportsState.apply,
        reset_on_submit=False,
    )


def _row(cells: rx.Var) -> rx.Component:
    return rx.table.row(rx.foreach(cells, lambda cell: rx.table.cell(cell)))


def reports() -> rx.Component:
    return shell(
        "Reports",
        rx.select.root(
            rx.select.trigger(id="report-picker", min_width="18em"),
            rx.select.content(
                rx.foreach(
                    ReportsState.reports,
                    lambda r: rx.select.item(r["name"], value=r["id"]),
                )
            ),
            value=ReportsState.report,
            on_change=ReportsState.pick,
            size="3",
        ),
        _filters(),
        rx.cond(
            ReportsState.error != "",
            rx.callout(ReportsState.error, color_scheme="red", role="alert"),
        ),
        rx.text(ReportsState.rows.length(), " rows", color_scheme="gray", id="report-count"),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.foreach(ReportsState.columns, lambda c: rx.table.column_header_cell(c))
                )
            ),
            rx.table.body(rx.foreach(ReportsState.rows, _row)),
            width="100%",
            id="report-table",
        ),
    )
