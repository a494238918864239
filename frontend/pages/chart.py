"""The chart: header with allergies banner and level of care, then the timeline, care
team, diagnoses and allergies. Two columns in landscape, one in portrait."""

import reflex as rx

from frontend.components.fields import choice
from frontend.components.layout import shell
from frontend.pages.chart_consent import consent_card
from frontend.pages.chart_labs import labs
from frontend.pages.chart_measures import measures
from frontend.pages.chart_meds import medications_card
from frontend.pages.chart_notes import notes
from frontend.pages.chart_plan import plan_card
from frontend.state.chart import ChartState
from shared.enums import AllergySeverity, CareTeamRole


def header() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(ChartState.name, size="6", id="chart-name"),
            rx.cond(
                ChartState.preferred != "",
                rx.text("“", ChartState.preferred, "”", size="4", color_scheme="gray"),
            ),
            rx.cond(ChartState.pronouns != "", rx.badge(ChartState.pronouns, variant="outline")),
            rx.spacer(),
            rx.cond(
                ChartState.level != "",
                rx.badge(
                    ChartState.level,
                    " · ",
                    ChartState.program,
                    size="3",
                    color_scheme="teal",
                    id="chart-level",
                ),
                rx.badge("Not admitted", size="3", color_scheme="gray", id="chart-level"),
            ),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.text(
            ChartState.age,
            " y · born ",
            ChartState.birth_date,
            " · ",
            ChartState.mrn,
            " · ",
            ChartState.status,
            color_scheme="gray",
            id="chart-meta",
        ),
        rx.cond(
            ChartState.allergy_banner != "",
            rx.callout(
                "Allergies: " + ChartState.allergy_banner,
                icon="triangle-alert",
                color_scheme="red",
                width="100%",
                id="allergy-banner",
            ),
            rx.callout(
                "No known allergies recorded",
                icon="info",
                color_scheme="gray",
                size="1",
                width="100%",
            ),
        ),
        width="100%",
        spacing="2",
    )


def _section(title: str, *children: rx.Component, **props: object) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="4"), *children, spacing="3", width="100%"),
        width="100%",
        **props,
    )


def _program_select() -> rx.Component:
    return choice("program", ChartState.programs, placeholder="Program")


def timeline() -> rx.Component:
    entry = lambda e: rx.hstack(  # noqa: E731
        rx.badge(e["on"], variant="surface"),
        rx.vstack(
            rx.text(e["title"], weight="bold"),
            rx.text(
                e["program"],
                rx.cond(e["detail"] != "", " · " + e["detail"], ""),
                size="2",
                color_scheme="gray",
            ),
            spacing="0",
        ),
        align="start",
        data_kind=e["kind"],
    )
    return _section(
        "Episodes of care",
        rx.vstack(rx.foreach(ChartState.timeline, entry), id="timeline", spacing="3"),
        rx.cond(
            ChartState.episode_id == "",
            rx.form(
                rx.flex(
                    _program_select(),
                    rx.input(name="on", type="date", size="3"),
                    rx.button("Admit", type="submit", size="3"),
                    gap="2",
                    wrap="wrap",
                ),
                on_submit=ChartState.admit,
                reset_on_submit=True,
                id="admit-form",
            ),
            rx.vstack(
                rx.form(
                    rx.flex(
                        _program_select(),
                        rx.input(name="on", type="date", size="3"),
                        rx.input(name="reason", placeholder="Reason", size="3"),
                        rx.button("Record transition", type="submit", size="3"),
                        gap="2",
                        wrap="wrap",
                    ),
                    on_submit=ChartState.transition,
                    reset_on_submit=True,
                    id="transition-form",
                ),
                rx.form(
                    rx.flex(
                        rx.input(name="on", type="date", size="3"),
                        rx.input(name="disposition", placeholder="Disposition", size="3"),
                        rx.button("Discharge", type="submit", size="3", variant="soft"),
                        gap="2",
                        wrap="wrap",
                    ),
                    on_submit=ChartState.discharge,
                    reset_on_submit=True,
                    id="discharge-form",
                ),
                width="100%",
            ),
        ),
    )


def care_team() -> rx.Component:
    member = lambda m: rx.hstack(  # noqa: E731
        rx.text(m["name"]),
        rx.badge(m["role"]),
        rx.spacer(),
        rx.icon_button(
            rx.icon("x", size=14),
            size="1",
            variant="ghost",
            on_click=ChartState.remove_member(m["id"]),
            aria_label="Remove",
        ),
        width="100%",
    )
    return _section(
        "Care team",
        rx.vstack(rx.foreach(ChartState.care_team, member), width="100%", id="care-team"),
        rx.form(
            rx.flex(
                choice("member", ChartState.staff, placeholder="Staff member"),
                choice("role", [r.value for r in CareTeamRole], default="clinician"),
                rx.button("Add", type="submit", size="3"),
                gap="2",
                wrap="wrap",
            ),
            on_submit=ChartState.add_member,
            reset_on_submit=True,
        ),
    )


def clinical() -> rx.Component:
    return _section(
        "Diagnoses and allergies",
        rx.vstack(
            rx.foreach(
                ChartState.diagnoses, lambda d: rx.text(rx.code(d["code"]), " ", d["description"])
            ),
            id="diagnoses",
        ),
        rx.form(
            rx.flex(
                rx.input(name="code", placeholder="ICD-10, e.g. F33.1", size="3"),
                rx.button("Add diagnosis", type="submit", size="3"),
                gap="2",
            ),
            on_submit=ChartState.add_diagnosis,
            reset_on_submit=True,
        ),
        rx.form(
            rx.flex(
                rx.input(name="substance", placeholder="Allergy", size="3"),
                rx.input(name="reaction", placeholder="Reaction", size="3"),
                choice("severity", [s.value for s in AllergySeverity], default="unknown"),
                rx.button("Add allergy", type="submit", size="3"),
                gap="2",
                wrap="wrap",
            ),
            on_submit=ChartState.add_allergy,
            reset_on_submit=True,
        ),
    )


def demographics() -> rx.Component:
    return _section(
        "Contact and identity",
        rx.form(
            rx.grid(
                rx.input(
                    name="preferred_name",
                    default_value=ChartState.preferred,
                    placeholder="Preferred name",
                    size="3",
                    id="edit-preferred",
                ),
                rx.input(
                    name="pronouns",
                    default_value=ChartState.pronouns,
                    placeholder="Pronouns",
                    size="3",
                ),
                rx.input(
                    name="email", default_value=ChartState.email, placeholder="Email", size="3"
                ),
                rx.input(
                    name="phone",
                    default_value=ChartState.phone,
                    placeholder="Mobile phone",
                    size="3",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="2",
                width="100%",
            ),
            rx.hstack(
                rx.button("Save", type="submit", size="3", id="edit-save"),
                rx.text(ChartState.saved, color_scheme="green"),
                margin_top="0.6em",
                align="center",
            ),
            on_submit=ChartState.save_demographics,
            width="100%",
        ),
        id="demographics",
    )


def chart() -> rx.Component:
    return shell(
        "Chart",
        rx.cond(
            ChartState.error != "",
            rx.callout(ChartState.error, color_scheme="red", role="alert", id="chart-error"),
        ),
        rx.cond(
            ChartState.loaded,
            rx.vstack(
                header(),
                rx.grid(
                    rx.vstack(timeline(), demographics(), width="100%"),
                    rx.vstack(care_team(), clinical(), width="100%"),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                notes(),
                plan_card(),
                measures(),
                medications_card(),
                labs(),
                consent_card(),
                width="100%",
                spacing="4",
            ),
        ),
    )
