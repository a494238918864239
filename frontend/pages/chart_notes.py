"""The chart's notes card: rendered group notes, progress notes, a new one, the PDF."""

import reflex as rx

from frontend.components.fields import choice
from frontend.state.auth import AuthState
from frontend.state.chart_notes import ChartNotesState


def _group_note(note: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(note["title"], weight="bold", size="2"),
        rx.text(note["topic"], size="2"),
        rx.text(note["process"], size="2", color_scheme="gray"),
        rx.text(note["facts"], size="2"),
        rx.text(note["narrative"], size="2"),
        rx.foreach(note["addenda"].to(list[str]), lambda a: rx.text(a, size="1")),
        rx.text(note["signed"], size="1", color_scheme="gray"),
        class_name="member-note",
        padding_y="0.4em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        width="100%",
    )


def _progress_note(note: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.link(note["title"], href="/progress/" + note["id"].to(str)),
        rx.badge(note["status"]),
        rx.text(note["author"], size="1", color_scheme="gray"),
        align="center",
        class_name="progress-row",
    )


def _new_progress_note() -> rx.Component:
    return rx.form(
        rx.flex(
            choice("format", ["dap", "birp", "soap"], placeholder="Template"),
            rx.input(name="start", type="datetime-local", size="3", id="progress-start"),
            rx.input(name="minutes", type="number", placeholder="Minutes", size="3", width="7em"),
            rx.button("New progress note", type="submit", size="3", id="progress-new"),
            gap="2",
            wrap="wrap",
        ),
        on_submit=ChartNotesState.new_progress_note,
    )


def notes() -> rx.Component:
    return rx.cond(
        ChartNotesState.hidden,
        rx.fragment(),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading("Notes", size="4"),
                    rx.spacer(),
                    rx.button(
                        "Download signed notes (PDF)",
                        variant="outline",
                        on_click=ChartNotesState.download_pdf,
                        id="notes-pdf",
                    ),
                    width="100%",
                ),
                rx.cond(
                    ChartNotesState.error != "",
                    rx.callout(ChartNotesState.error, color_scheme="red", role="alert"),
                ),
                rx.cond(AuthState.can_write_notes, _new_progress_note()),
                rx.heading("Progress notes", size="3"),
                rx.foreach(ChartNotesState.progress_notes, _progress_note),
                rx.heading("Group notes", size="3"),
                rx.foreach(ChartNotesState.group_notes, _group_note),
                spacing="2",
                width="100%",
            ),
            width="100%",
            id="chart-notes",
        ),
    )
