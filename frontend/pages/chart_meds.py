"""The chart's "Medications" card: the medication list (active, then past in grey), the
prescriptions with their actions, the prescription form with the allergy warning, and
medications the client reports."""

from typing import Any

import reflex as rx
from reflex.event import EventType

from frontend.components.fields import choice
from frontend.state.chart_meds import (
    DOSE_UNITS,
    FORM_ID,
    FREQUENCIES,
    NOT_CONTROLLED,
    QUANTITY_UNITS,
    ROUTES,
    SCHEDULES,
    ChartMedsState,
)

TOUCH = "44px"


def _hidden(name: str, value: rx.Var) -> rx.Component:
    return rx.el.input(type="hidden", name=name, value=value.to(str))


def _reason_form(
    key: str, value: rx.Var, label: str, on_submit: EventType[dict[str, Any]]
) -> rx.Component:
    return rx.form(
        rx.hstack(
            _hidden(key, value),
            rx.input(name="reason", placeholder="Reason", aria_label="Reason", size="2"),
            rx.button(label, type="submit", size="2", variant="soft", color_scheme="red"),
            align="center",
        ),
        on_submit=on_submit,
        reset_on_submit=True,
    )


def _active(med: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(med["name"], " ", med["strength"], weight="bold"),
            rx.text(med["sig"], " ", med["start"], size="2", color_scheme="gray"),
            spacing="0",
        ),
        rx.badge(med["source"], variant="surface"),
        rx.spacer(),
        rx.cond(
            med["reported"] != "",
            _reason_form("medication", med["id"], "Stop", ChartMedsState.stop_reported),
        ),
        align="center",
        wrap="wrap",
        width="100%",
        class_name="med-active",
    )


def _past(med: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(med["name"], " ", med["strength"]),
        rx.badge(med["source"], variant="surface", color_scheme="gray"),
        rx.text(med["stopped"], size="2"),
        color=rx.color("gray", 9),
        align="center",
        wrap="wrap",
        class_name="med-past",
    )


def _prescription(row: rx.Var) -> rx.Component:
    status = row["status"]
    return rx.vstack(
        rx.hstack(
            rx.text(row["title"], weight="bold"),
            rx.badge(
                status,
                color_scheme=rx.match(
                    status, ("signed", "green"), ("discontinued", "gray"), "amber"
                ),
            ),
            align="center",
        ),
        rx.text(row["sig"], size="2"),
        rx.text(row["state"], size="2", color_scheme="gray"),
        rx.cond(row["override"] != "", rx.text(row["override"], size="2", color_scheme="red")),
        rx.match(
            status,
            (
                "draft",
                rx.button(
                    "Sign", size="3", min_height=TOUCH, on_click=ChartMedsState.sign(row["id"])
                ),
            ),
            (
                "signed",
                rx.flex(
                    rx.button(
                        "Print",
                        size="2",
                        variant="outline",
                        on_click=ChartMedsState.print_prescription(row["id"]),
                    ),
                    rx.button(
                        "Send to pharmacy",
                        size="2",
                        variant="outline",
                        on_click=ChartMedsState.transmit(row["id"]),
                    ),
                    _reason_form(
                        "prescription", row["id"], "Discontinue", ChartMedsState.discontinue
                    ),
                    gap="2",
                    wrap="wrap",
                    align="center",
                ),
            ),
            rx.fragment(),
        ),
        class_name="prescription",
        data_status=status,
        padding_y="0.5em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        spacing="1",
        width="100%",
    )


def _field(name: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        control,
        rx.cond(
            ChartMedsState.field_errors.contains(name),
            rx.text(
                ChartMedsState.field_errors[name],
                size="1",
                color_scheme="red",
                class_name="field-error",
                data_field=name,
            ),
        ),
        spacing="1",
    )


def _input(name: str, placeholder: str, **props: object) -> rx.Component:
    return _field(
        name,
        rx.input(name=name, placeholder=placeholder, aria_label=placeholder, size="3", **props),
    )


def _allergy_warning() -> rx.Component:
    return rx.cond(
        ChartMedsState.conflicts.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.vstack(
                rx.foreach(ChartMedsState.conflicts, rx.text),
                rx.text("Give an override reason to prescribe anyway."),
                _input("allergy_override_reason", "Override reason", width="24em"),
                spacing="2",
            ),
            color_scheme="red",
            role="alert",
            id="allergy-warning",
            width="100%",
        ),
    )


def _prescribe_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Prescribe", size="3"),
            rx.flex(
                _input("drug_name", "Drug", id="rx-drug"),
                _input("strength", "Strength, e.g. 500 mg", id="rx-strength"),
                _input("dose_form", "Dose form, e.g. capsule", id="rx-form"),
                _input("dose_amount", "Dose", type="number", step="any", width="7em"),
                _field("dose_unit", choice("dose_unit", DOSE_UNITS, default="mg")),
                _field("route", choice("route", ROUTES, default="PO")),
                _field("frequency", choice("frequency", FREQUENCIES, default="daily")),
                _input("times", "Times, e.g. 09:00, 21:00"),
                gap="2",
                wrap="wrap",
            ),
            rx.flex(
                rx.el.label(
                    rx.el.input(type="checkbox", name="prn", width="24px", height="24px"),
                    rx.text("As needed (PRN)"),
                    display="flex",
                    align_items="center",
                    gap="0.5em",
                    min_height=TOUCH,
                ),
                _input("prn_indication", "PRN for, e.g. anxiety"),
                _input("quantity", "Quantity", type="number", step="any", width="8em"),
                _field("quantity_unit", choice("quantity_unit", QUANTITY_UNITS, default="tablet")),
                _input("refills", "Refills", type="number", width="6em"),
                _field("schedule", choice("schedule", SCHEDULES, default=NOT_CONTROLLED)),
                gap="2",
                wrap="wrap",
                align="start",
            ),
            _allergy_warning(),
            rx.button("Write prescription", type="submit", size="3", id="rx-submit"),
            spacing="2",
            width="100%",
        ),
        on_submit=ChartMedsState.prescribe,
        id=FORM_ID,
        width="100%",
    )


def _reported_form() -> rx.Component:
    return rx.form(
        rx.heading("Reported by the client or another prescriber", size="3", margin_bottom="0.5em"),
        rx.flex(
            rx.input(name="name", placeholder="Medication", size="3"),
            rx.input(name="strength", placeholder="Strength", size="3", width="8em"),
            rx.input(name="dose_form", placeholder="Dose form", size="3", width="8em"),
            choice("source", ["client reported", "other prescriber"]),
            rx.input(name="start_date", type="date", size="3", aria_label="Started"),
            rx.button("Add reported medication", type="submit", size="3", variant="outline"),
            gap="2",
            wrap="wrap",
        ),
        on_submit=ChartMedsState.add_reported,
        reset_on_submit=True,
        id="reported-form",
    )


def medications_card() -> rx.Component:
    return rx.cond(
        ChartMedsState.hidden,
        rx.fragment(),
        rx.card(
            rx.vstack(
                rx.heading("Medications", size="4"),
                rx.cond(
                    ChartMedsState.error != "",
                    rx.callout(ChartMedsState.error, color_scheme="red", role="alert"),
                ),
                rx.cond(
                    ChartMedsState.notice != "",
                    rx.callout(
                        ChartMedsState.notice, icon="info", color_scheme="amber", id="rx-notice"
                    ),
                ),
                rx.vstack(
                    rx.foreach(ChartMedsState.active, _active),
                    rx.cond(
                        ChartMedsState.active.length() == 0,
                        rx.text("No active medications", color_scheme="gray"),
                    ),
                    id="meds-active",
                    width="100%",
                ),
                rx.vstack(rx.foreach(ChartMedsState.past, _past), id="meds-past", width="100%"),
                rx.heading("Prescriptions", size="3"),
                rx.vstack(
                    rx.foreach(ChartMedsState.prescriptions, _prescription),
                    id="prescriptions",
                    width="100%",
                    spacing="0",
                ),
                rx.cond(ChartMedsState.can_prescribe, _prescribe_form()),
                _reported_form(),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="chart-meds",
        ),
    )
