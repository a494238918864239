"""Group roster and enrolment; the attendance check-in screen (large touch targets)."""

import reflex as rx

from frontend.components.fields import choice
from frontend.components.layout import shell
from frontend.state.auth import AuthState
from frontend.state.roster import CheckInState, RosterState
from shared.schemas.scheduling import AttendanceStatus


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["name"]),
        rx.table.cell(row["from"]),
        rx.table.cell(row["to"]),
        rx.table.cell(rx.badge(row["status"])),
        rx.table.cell(
            rx.cond(
                row["status"] == "enrolled",
                rx.button(
                    "End today", size="1", variant="soft", on_click=RosterState.end(row["id"])
                ),
                rx.cond(
                    row["status"] == "offered",
                    rx.button("Accept place", size="1", on_click=RosterState.accept(row["id"])),
                ),
            )
        ),
    )


def rosters() -> rx.Component:
    return shell(
        "Groups and rosters",
        rx.el.select(
            rx.foreach(RosterState.groups, lambda g: rx.el.option(g["name"], value=g["id"])),
            value=RosterState.group_id,
            on_change=RosterState.choose_group,
            id="roster-group",
            style={"height": "40px", "font_size": "16px"},
        ),
        rx.cond(
            RosterState.error != "", rx.callout(RosterState.error, color_scheme="red", role="alert")
        ),
        rx.cond(
            RosterState.message != "",
            rx.callout(RosterState.message, color_scheme="green", id="roster-message"),
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Client", "From", "To", "Status", "")
                    ]
                )
            ),
            rx.table.body(rx.foreach(RosterState.rows, _row)),
            width="100%",
            id="roster-table",
        ),
        rx.card(
            rx.vstack(
                rx.heading("Enrol a client", size="4"),
                rx.form(
                    rx.flex(
                        rx.input(name="q", placeholder="Client name", size="3", id="enrol-q"),
                        rx.input(
                            name="from_date",
                            type="date",
                            default_value=RosterState.from_date,
                            size="3",
                        ),
                        rx.button("Find", type="submit", size="3"),
                        gap="2",
                        wrap="wrap",
                    ),
                    on_submit=RosterState.find,
                    reset_on_submit=False,
                ),
                rx.foreach(
                    RosterState.matches,
                    lambda m: rx.hstack(
                        rx.text(m["label"]),
                        rx.button("Enrol", size="2", on_click=RosterState.enroll(m["id"])),
                        align="center",
                    ),
                ),
            ),
            width="100%",
        ),
    )


def _status_button(row: rx.Var, status: AttendanceStatus) -> rx.Component:
    label = status.value.replace("_", " ").capitalize()
    return rx.button(
        label,
        size="4",
        min_width="7.5em",
        height="3.2em",
        variant=rx.cond(row["status"] == status.value, "solid", "outline"),
        on_click=CheckInState.mark(row["id"], status.value),
    )


def _reschedule() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Move or cancel this session", size="4"),
            rx.form(
                rx.flex(
                    rx.input(
                        name="start_local",
                        type="datetime-local",
                        size="3",
                        default_value=CheckInState.start_local,
                        id="move-to",
                    ),
                    rx.button("Move", type="submit", size="3", id="move-go"),
                    gap="2",
                    wrap="wrap",
                ),
                on_submit=CheckInState.move,
            ),
            rx.form(
                rx.flex(
                    rx.input(name="reason", placeholder="Reason", size="3", id="cancel-reason"),
                    rx.button(
                        "Cancel session",
                        type="submit",
                        size="3",
                        color_scheme="red",
                        variant="soft",
                        id="cancel-go",
                    ),
                    gap="2",
                    wrap="wrap",
                ),
                on_submit=CheckInState.cancel,
            ),
            spacing="3",
        ),
        width="100%",
    )


def check_in() -> rx.Component:
    return shell(
        "Attendance",
        rx.hstack(
            rx.heading(CheckInState.title, size="5", id="check-in-title"),
            rx.spacer(),
            rx.cond(
                CheckInState.individual,
                rx.form(
                    rx.hstack(
                        choice("format", ["soap", "dap", "birp"]),
                        rx.button("Write progress note", size="3", id="write-progress-note"),
                    ),
                    on_submit=CheckInState.progress_note,
                ),
                rx.link(
                    rx.button("Document this session", size="3", id="document-session"),
                    href="/document/" + CheckInState.session_id,
                ),
            ),
            width="100%",
            align="center",
        ),
        rx.cond(
            CheckInState.status == "cancelled", rx.badge("cancelled", color_scheme="red", size="3")
        ),
        rx.cond(CheckInState.message != "", rx.callout(CheckInState.message, color_scheme="green")),
        rx.cond(
            CheckInState.error != "",
            rx.callout(CheckInState.error, color_scheme="red", role="alert"),
        ),
        rx.vstack(
            rx.foreach(
                CheckInState.rows,
                lambda row: rx.card(
                    rx.flex(
                        rx.text(row["name"], size="5", weight="bold", min_width="9em"),
                        *[_status_button(row, s) for s in AttendanceStatus],
                        rx.input(
                            default_value=row["minutes"],
                            placeholder="min",
                            size="3",
                            width="5em",
                            input_mode="numeric",
                            aria_label="Minutes attended",
                            on_blur=lambda v: CheckInState.set_minutes(row["id"], v),
                            class_name="minutes",
                        ),
                        gap="2",
                        wrap="wrap",
                        align="center",
                    ),
                    width="100%",
                    data_status=row["status"],
                ),
            ),
            spacing="3",
            width="100%",
            id="check-in-list",
        ),
        rx.cond(AuthState.can_schedule & (CheckInState.status == "scheduled"), _reschedule()),
    )
