"""Scheduling for coordinators: the week by room or facilitator, and the series wizard."""

from typing import Any

import reflex as rx

from frontend.components.layout import shell
from frontend.state.auth import AuthState
from frontend.state.schedule import WEEKDAYS, ClosureState, ScheduleState, WizardState


def _session_card(cell: rx.Var) -> rx.Component:
    return rx.link(
        rx.card(
            rx.text(cell["time"], weight="bold", size="2"),
            rx.text(cell["group"], size="2"),
            rx.text(cell["room"], size="1", color_scheme="gray"),
            rx.cond(cell["status"] == "cancelled", rx.badge("cancelled", color_scheme="red")),
            size="1",
            width="100%",
        ),
        href="/sessions/" + cell["id"],
        underline="none",
        width="100%",
    )


def _day(day: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(day["label"], weight="bold", size="2"),
        rx.foreach(day["sessions"].to(list[dict[str, str]]), _session_card),
        spacing="2",
        min_width="0",
        width="100%",
    )


def _view_picker() -> rx.Component:
    return rx.el.select(
        rx.el.option("All rooms and staff", value="all"),
        rx.foreach(
            ScheduleState.rooms,
            lambda r: rx.el.option("Room: " + r["name"], value="room:" + r["id"]),
        ),
        rx.foreach(
            ScheduleState.facilitators,
            lambda f: rx.el.option("Staff: " + f["name"], value="facilitator:" + f["id"]),
        ),
        value=ScheduleState.view,
        on_change=ScheduleState.set_view,
        id="calendar-view",
        style={"height": "40px", "font_size": "16px", "padding": "0 0.5em"},
    )


def week() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.button(
                rx.icon("chevron-left"),
                variant="soft",
                on_click=ScheduleState.shift(-1),
                aria_label="Previous",
            ),
            rx.text(
                rx.cond(ScheduleState.span == 1, "Day ", "Week of "),
                ScheduleState.week_start,
                weight="medium",
                id="week-of",
            ),
            rx.button(
                rx.icon("chevron-right"),
                variant="soft",
                on_click=ScheduleState.shift(1),
                aria_label="Next",
                id="next-week",
            ),
            rx.spacer(),
            rx.segmented_control.root(
                rx.segmented_control.item("Week", value="week"),
                rx.segmented_control.item("Day", value="day"),
                value=rx.cond(ScheduleState.span == 1, "day", "week"),
                on_change=ScheduleState.set_span,
                id="span",
            ),
            _view_picker(),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.grid(
            rx.foreach(ScheduleState.days, _day),
            columns=rx.cond(ScheduleState.span == 1, "1", rx.breakpoints(initial="2", md="7")),
            spacing="2",
            width="100%",
            id="week-grid",
        ),
        width="100%",
    )


def _wizard_pick(field: str, options: Any, blank: str, blank_allowed: bool = True) -> rx.Component:
    return rx.el.select(
        rx.el.option(blank, value="", disabled=not blank_allowed),
        rx.foreach(options, lambda o: rx.el.option(o["name"], value=o["id"])),
        value=getattr(WizardState, field),
        on_change=lambda v: WizardState.set_field(field, v),
        id="wizard-" + field.removesuffix("_id"),
        style={"height": "40px", "font_size": "16px"},
    )


def wizard() -> rx.Component:
    day_toggle = lambda code, label: rx.button(  # noqa: E731
        label,
        size="3",
        type="button",
        id=f"day-{code}",
        variant=rx.cond(WizardState.days.contains(code), "solid", "outline"),
        on_click=WizardState.toggle_day(code),
    )
    return rx.card(
        rx.vstack(
            rx.heading("New recurring series", size="4"),
            rx.flex(
                _wizard_pick("group_id", ScheduleState.groups, "Group", blank_allowed=False),
                _wizard_pick("room_id", ScheduleState.rooms, "No room"),
                _wizard_pick("facilitator_id", ScheduleState.facilitators, "No facilitator"),
                gap="2",
                wrap="wrap",
            ),
            rx.flex(*[day_toggle(code, label) for code, label in WEEKDAYS], gap="1", wrap="wrap"),
            rx.flex(
                rx.input(
                    type="date",
                    value=WizardState.start_date,
                    size="3",
                    id="wizard-date",
                    on_change=lambda v: WizardState.set_field("start_date", v),
                ),
                rx.input(
                    type="time",
                    value=WizardState.start_time,
                    size="3",
                    id="wizard-time",
                    on_change=lambda v: WizardState.set_field("start_time", v),
                ),
                rx.input(
                    type="number",
                    value=WizardState.duration,
                    size="3",
                    width="7em",
                    on_change=lambda v: WizardState.set_field("duration", v),
                    id="wizard-minutes",
                ),
                rx.text("minutes", size="2"),
                rx.input(
                    type="number",
                    value=WizardState.weeks,
                    size="3",
                    width="5em",
                    on_change=lambda v: WizardState.set_field("weeks", v),
                    id="wizard-weeks",
                ),
                rx.text("weeks", size="2"),
                gap="2",
                wrap="wrap",
                align="center",
            ),
            rx.text(WizardState.summary, weight="bold", id="wizard-summary"),
            rx.cond(
                WizardState.conflicts.length() > 0,
                rx.callout(
                    rx.vstack(
                        rx.text(WizardState.conflicts.length(), " conflict(s):", weight="bold"),
                        rx.foreach(
                            WizardState.conflicts,
                            lambda c: rx.text(
                                c["when"], " · ", c["what"], " · booked for ", c["other"], size="2"
                            ),
                        ),
                    ),
                    color_scheme="red",
                    id="wizard-conflicts",
                ),
            ),
            rx.cond(
                WizardState.error != "",
                rx.callout(WizardState.error, color_scheme="red", role="alert"),
            ),
            rx.cond(
                WizardState.created != "",
                rx.callout(WizardState.created, color_scheme="green", id="wizard-created"),
            ),
            rx.button(
                "Create series",
                size="3",
                on_click=WizardState.create,
                id="wizard-create",
                disabled=WizardState.conflicts.length() > 0,
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def closures() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Close a day (holiday)", size="4"),
            rx.form(
                rx.flex(
                    rx.input(name="on", type="date", size="3", id="closure-on"),
                    rx.input(
                        name="name", placeholder="e.g. Thanksgiving", size="3", id="closure-name"
                    ),
                    rx.button("Check", type="submit", size="3", variant="soft"),
                    gap="2",
                    wrap="wrap",
                ),
                on_submit=ClosureState.check,
                reset_on_submit=False,
            ),
            rx.cond(
                ClosureState.checked,
                rx.vstack(
                    rx.text(ClosureState.affected.length(), " session(s) will be cancelled:"),
                    rx.foreach(ClosureState.affected, lambda line: rx.text(line, size="2")),
                    rx.button(
                        "Confirm closure",
                        color_scheme="red",
                        on_click=ClosureState.confirm,
                        id="closure-confirm",
                    ),
                ),
            ),
            rx.cond(
                ClosureState.message != "", rx.callout(ClosureState.message, color_scheme="green")
            ),
            rx.cond(
                ClosureState.error != "",
                rx.callout(ClosureState.error, color_scheme="red", role="alert"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def schedule() -> rx.Component:
    return shell(
        "Schedule",
        week(),
        rx.cond(AuthState.can_schedule, rx.vstack(wizard(), closures(), width="100%")),
    )
