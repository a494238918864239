"""The treatment-plan editor at /plan/<patient id>, built for a tablet: the active version
read-only, the draft as indented rows with 44 px touch targets, then signatures (the
clinician's, then the client's typed attestation on the same tablet)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from frontend.components.layout import shell
from frontend.state.auth import AuthState
from frontend.state.plan import PlanState
from shared.schemas.plans import Direction, Modality, ObjectiveKind

TOUCH = "44px"
_SELECT = {
    "height": TOUCH,
    "padding": "0 0.6em",
    "border_radius": "6px",
    "border": f"1px solid {rx.color('gray', 7)}",
    "background": rx.color("gray", 1),
    "font_size": "16px",
}


def _select(
    row: rx.Var, field: str, current: str, options: Any, placeholder: str, *, optional: bool = False
) -> rx.Component:
    """A native select (the tablet's own picker) that edits ``field`` of the row's node.
    ``options``: a list of strings, or a state var of {"id", "name"} dicts."""
    if isinstance(options, list):
        items = [rx.el.option(o, value=o) for o in options]
    else:
        items = [rx.foreach(options, lambda o: rx.el.option(o["name"], value=o["id"]))]
    return rx.el.select(
        rx.el.option(placeholder, value="", disabled=not optional),
        *items,
        name=field,
        default_value=row[current].to(str),
        aria_label=placeholder,
        on_change=lambda v: PlanState.edit(row["path"].to(str), field, v),
        style=_SELECT,
    )


def _input(
    row: rx.Var, field: str, placeholder: str, *, kind: str = "text", width: str = "10em"
) -> rx.Component:
    return rx.input(
        default_value=row[field].to(str),
        placeholder=placeholder,
        aria_label=placeholder,
        name=field,
        type=kind,
        step="any" if kind == "number" else None,
        on_blur=lambda v: PlanState.edit(row["path"].to(str), field, v),
        size="3",
        height=TOUCH,
        width=width,
        flex_grow="1" if kind == "text" else "0",
    )


def _caption(text: str) -> rx.Component:
    return rx.text(text, size="2", color_scheme="gray")


def _problem(row: rx.Var) -> rx.Component:
    return rx.fragment(
        _input(row, "description", "Problem", width="16em"),
        _select(row, "icd10", "icd10", PlanState.diagnoses, "No diagnosis", optional=True),
    )


def _goal(row: rx.Var) -> rx.Component:
    return rx.fragment(
        _input(row, "text", "Goal, in the client's words", width="16em"),
        _caption("by"),
        _input(row, "target_date", "Target date (optional)", kind="date", width="11em"),
    )


def _objective(row: rx.Var) -> rx.Component:
    return rx.fragment(
        _input(row, "text", "Measurable objective", width="16em"),
        _select(row, "kind", "measure", [k.value for k in ObjectiveKind], "Measured as"),
        rx.cond(
            row["measure"] == "instrument",
            _select(row, "instrument", "instrument", PlanState.instruments, "Instrument"),
        ),
        _caption("baseline"),
        _input(row, "baseline", "Baseline", kind="number", width="6em"),
        _caption("→ target"),
        _input(row, "target", "Target", kind="number", width="6em"),
        _input(row, "unit", "Unit", width="6em"),
        _select(row, "direction", "direction", [d.value for d in Direction], "Direction"),
        _caption("by"),
        _input(row, "target_date", "Target date", kind="date", width="11em"),
        _select(row, "status", "status", ["active", "met", "discontinued"], "Status"),
    )


def _intervention(row: rx.Var) -> rx.Component:
    return rx.fragment(
        _select(row, "modality", "modality", [m.value for m in Modality], "Modality"),
        _input(row, "frequency", "Frequency, e.g. weekly", width="10em"),
        _input(row, "description", "Description", width="14em"),
        _select(
            row, "responsible_id", "responsible_id", PlanState.staff, "Responsible", optional=True
        ),
    )


def _button(label: Any, event: Any, **props: Any) -> rx.Component:
    return rx.button(
        label, on_click=event, size="3", variant="soft", min_height=TOUCH, min_width=TOUCH, **props
    )


def _row_actions(row: rx.Var) -> rx.Component:
    path = row["path"].to(str)
    child = rx.match(
        row["kind"],
        ("problem", "+ goal"),
        ("goal", "+ objective"),
        ("objective", "+ intervention"),
        "",
    )
    return rx.hstack(
        _button("↑", PlanState.move(path, -1), disabled=row["first"] == "1", aria_label="Move up"),
        _button("↓", PlanState.move(path, 1), disabled=row["last"] == "1", aria_label="Move down"),
        _button("Remove", PlanState.remove(path), color_scheme="red"),
        rx.cond(row["kind"] != "intervention", _button(child, PlanState.add(path))),
        spacing="2",
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.badge(row["label"], size="2", variant="surface"),
            rx.match(
                row["kind"],
                ("problem", _problem(row)),
                ("goal", _goal(row)),
                ("objective", _objective(row)),
                _intervention(row),
            ),
            _row_actions(row),
            gap="2",
            wrap="wrap",
            align="center",
        ),
        rx.cond(
            row["error"] != "",
            rx.text(row["error"], color_scheme="red", size="3", class_name="row-error"),
        ),
        key=row["key"],
        data_path=row["path"],
        data_kind=row["kind"],
        class_name="plan-row",
        margin_left=row["indent"],
        padding="0.6em",
        border_left=f"3px solid {rx.color('accent', 6)}",
        background=rx.cond(row["error"] != "", rx.color("red", 2), "transparent"),
        width="calc(100% - " + row["indent"] + ")",
    )


def _active() -> rx.Component:
    outline = lambda line: rx.text(  # noqa: E731
        line["text"], margin_left=line["indent"], data_kind=line["kind"], size="3"
    )
    return rx.card(
        rx.cond(
            PlanState.active_number > 0,
            rx.vstack(
                rx.text(
                    "Active plan: version ",
                    PlanState.active_number,
                    " · since ",
                    PlanState.active_since,
                    " · review due ",
                    PlanState.active_review,
                    weight="bold",
                    size="4",
                ),
                rx.foreach(PlanState.active_outline, outline),
                spacing="1",
            ),
            rx.text("No active plan yet.", color_scheme="gray"),
        ),
        id="plan-active",
        width="100%",
    )


def _draft_bar() -> rx.Component:
    planner = AuthState.roles.contains("clinician") | AuthState.roles.contains("supervisor")
    start = rx.cond(
        PlanState.active_number > 0,
        rx.button("Revise", size="3", on_click=PlanState.start(True), id="plan-revise"),
        rx.button("Start plan", size="3", on_click=PlanState.start(False), id="plan-start"),
    )
    return rx.cond(
        PlanState.draft_id != "",
        rx.cond(
            PlanState.editing,
            rx.fragment(),
            rx.hstack(
                rx.text("Draft version ", PlanState.draft_number, weight="bold", id="plan-draft"),
                rx.button(
                    "Continue draft", size="3", on_click=PlanState.open_draft, id="plan-continue"
                ),
                align="center",
            ),
        ),
        rx.cond(planner, start),
    )


def _editor() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Draft version ", PlanState.draft_number, size="5"),
                rx.spacer(),
                rx.text(
                    PlanState.saved,
                    color_scheme=rx.cond(PlanState.dirty, "amber", "teal"),
                    id="plan-saved",
                ),
                rx.button("Save", size="3", on_click=PlanState.save, id="plan-save"),
                width="100%",
                align="center",
            ),
            rx.foreach(PlanState.rows, _row),
            _button("+ problem", PlanState.add(""), id="plan-add-problem"),
            spacing="2",
            width="100%",
        ),
        id="plan-editor",
        width="100%",
    )


def _changes() -> rx.Component:
    return rx.cond(
        PlanState.changes.length() > 0,
        rx.card(
            rx.vstack(
                rx.heading("Changes from version ", PlanState.active_number, size="4"),
                rx.foreach(
                    PlanState.changes, lambda c: rx.text(c, size="2", class_name="plan-change")
                ),
                spacing="1",
            ),
            id="plan-changes",
            width="100%",
        ),
    )


def _client_signature() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Client signature", size="5"),
            rx.text(
                "Please read your plan above. Type your full name and tick the box to agree.",
                size="4",
            ),
            rx.input(
                name="name",
                placeholder="Your full name",
                size="3",
                height=TOUCH,
                width="100%",
                id="client-name",
            ),
            rx.el.label(
                rx.el.input(
                    type="checkbox", name="agree", id="client-agree", width="28px", height="28px"
                ),
                rx.text("I have reviewed this plan and agree", size="4"),
                display="flex",
                align_items="center",
                gap="0.8em",
                min_height=TOUCH,
            ),
            rx.button("Sign", type="submit", size="4", id="client-sign"),
            spacing="3",
            width="100%",
        ),
        on_submit=PlanState.client_sign,
        reset_on_submit=True,
        width="100%",
    )


def _signatures() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Signatures", size="4"),
            rx.cond(
                PlanState.clinician_signed != "",
                rx.text(PlanState.clinician_signed, id="plan-clinician-signed"),
                rx.button("Sign as clinician", size="3", on_click=PlanState.sign, id="plan-sign"),
            ),
            rx.cond(
                PlanState.awaiting_approval,
                rx.hstack(
                    rx.badge("Waiting for a supervisor's approval", color_scheme="amber"),
                    rx.cond(
                        AuthState.is_supervisor, rx.button("Approve", on_click=PlanState.approve)
                    ),
                ),
            ),
            rx.cond(
                PlanState.client_signed != "",
                rx.text(PlanState.client_signed, id="plan-client-signed"),
                rx.cond(
                    PlanState.clinician_signed != "",
                    rx.cond(
                        PlanState.dirty,
                        rx.text("Save the changes first: saving asks for new signatures."),
                        _client_signature(),
                    ),
                ),
            ),
            spacing="3",
            width="100%",
        ),
        id="plan-signatures",
        width="100%",
    )


def plan_editor() -> rx.Component:
    return shell(
        "Treatment plan",
        rx.hstack(
            rx.heading(PlanState.name, size="6", id="plan-client"),
            rx.spacer(),
            rx.link("← Chart", href="/patients/" + PlanState.patient_id),
            width="100%",
            align="center",
        ),
        rx.cond(
            PlanState.error != "",
            rx.callout(PlanState.error, color_scheme="red", role="alert", id="plan-error"),
        ),
        rx.cond(
            PlanState.loaded,
            rx.vstack(
                _active(),
                _draft_bar(),
                rx.cond(
                    PlanState.editing & (PlanState.draft_id != ""),
                    rx.vstack(_editor(), _changes(), _signatures(), width="100%", spacing="4"),
                ),
                width="100%",
                spacing="4",
            ),
        ),
    )
