"""The chart's measures card: recent scores (safety flags in red), a button per instrument
to hand the tablet to the client, and recurring schedules."""

import reflex as rx

from frontend.components.fields import choice
from frontend.state.chart_measures import ChartMeasuresState


def _hand_over(instrument: rx.Var) -> rx.Component:
    return rx.button(
        "Hand to client: " + instrument["name"].to(str),
        on_click=ChartMeasuresState.hand_to_client(instrument["id"].to(str)),
        size="3",
        variant="soft",
        id="hand-" + instrument["id"].to(str),
    )


def _assessment(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["instrument"]),
        rx.table.cell(row["on"]),
        rx.table.cell(row["total"], class_name="assessment-total"),
        rx.table.cell(row["severity"], class_name="assessment-severity"),
        rx.table.cell(
            rx.cond(
                row["flags"] != "",
                rx.badge(row["flags"], color_scheme="red", variant="solid", size="2"),
            ),
        ),
        rx.table.cell(row["via"], color=rx.color("gray", 11)),
        class_name="assessment-row",
    )


def _schedule(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(row["label"]),
        rx.text(row["due"], color_scheme="gray", size="2"),
        rx.button(
            "Stop",
            size="1",
            variant="ghost",
            on_click=ChartMeasuresState.end_schedule(row["id"].to(str)),
        ),
        align="center",
        class_name="schedule-row",
    )


def _new_schedule() -> rx.Component:
    return rx.form(
        rx.flex(
            choice("instrument", ChartMeasuresState.instruments, placeholder="Instrument"),
            rx.input(
                name="every_days", type="number", placeholder="Every … days", size="3", width="9em"
            ),
            rx.input(name="start_on", type="date", size="3"),
            rx.button("Schedule", type="submit", size="3", variant="outline"),
            spacing="2",
            wrap="wrap",
        ),
        on_submit=ChartMeasuresState.add_schedule,
        reset_on_submit=True,
    )


def measures() -> rx.Component:
    return rx.cond(
        ChartMeasuresState.hidden,
        rx.fragment(),
        rx.card(
            rx.vstack(
                rx.heading("Measures", size="4"),
                rx.cond(
                    ChartMeasuresState.error != "",
                    rx.callout(ChartMeasuresState.error, color_scheme="red", role="alert"),
                ),
                rx.flex(
                    rx.foreach(ChartMeasuresState.instruments, _hand_over), spacing="2", wrap="wrap"
                ),
                rx.cond(
                    ChartMeasuresState.assessments.length() > 0,
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                *[
                                    rx.table.column_header_cell(h)
                                    for h in ("Instrument", "Date", "Total", "Severity", "", "By")
                                ]
                            )
                        ),
                        rx.table.body(rx.foreach(ChartMeasuresState.assessments, _assessment)),
                        width="100%",
                    ),
                    rx.text("No assessments yet.", color_scheme="gray"),
                ),
                rx.heading("Schedules", size="3"),
                rx.foreach(ChartMeasuresState.schedules, _schedule),
                _new_schedule(),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="chart-measures",
        ),
    )
