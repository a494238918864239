"""Document this session: shared narrative first, then a card per member (tablet-first)."""

from typing import Any

import reflex as rx

from frontend.components.layout import shell
from frontend.state.auth import AuthState
from frontend.state.note import NoteState
from shared.schemas.notes import Participation, Risk
from shared.schemas.scheduling import AttendanceStatus

_SELECT = {"height": "44px", "font_size": "16px"}


def _shared() -> rx.Component:
    locked = NoteState.status != "draft"
    return rx.card(
        rx.vstack(
            rx.heading("Shared section", size="4"),
            rx.input(
                default_value=NoteState.topic,
                placeholder="Topic or curriculum unit",
                size="3",
                on_blur=lambda v: NoteState.save_shared("topic", v),
                read_only=locked,
                id="note-topic",
                width="100%",
            ),
            rx.text_area(
                default_value=NoteState.interventions,
                placeholder="Interventions used",
                on_blur=lambda v: NoteState.save_shared("interventions", v),
                read_only=locked,
                width="100%",
            ),
            rx.text_area(
                default_value=NoteState.group_process,
                placeholder="Group process (no member names)",
                on_blur=lambda v: NoteState.save_shared("group_process", v),
                read_only=locked,
                width="100%",
                id="note-process",
                min_height="6em",
            ),
            _unmet(NoteState.shared_unmet, id="note-shared-unmet"),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _objective(pid: rx.Var, objective: rx.Var, locked: Any) -> rx.Component:
    """A 0–10 slider for one of the member's plan objectives: it becomes a progress point
    on that objective when the note is signed."""
    oid = objective["id"].to(str)
    return rx.vstack(
        rx.hstack(
            rx.text(objective["text"], size="2"),
            rx.badge(objective["label"], class_name="rating-value"),
            align="center",
        ),
        rx.slider(
            default_value=[objective["position"].to(int)],
            min=0,
            max=10,
            step=1,
            size="3",
            disabled=locked,
            on_value_commit=lambda v: NoteState.save_rating(pid, oid, v),
            class_name="objective-slider",
        ),
        width="100%",
        spacing="1",
    )


def _unmet(message: Any, **props: Any) -> rx.Component:
    """Why signing was refused, at the place to fix it."""
    return rx.cond(
        message != "",
        rx.callout(message, color_scheme="amber", size="1", role="status", **props),
    )


def _attendance(entry: rx.Var, pid: rx.Var) -> rx.Component:
    """Attendance from the member's row: the sign-in sheet's record, which the note follows."""
    return rx.flex(
        rx.el.select(
            rx.el.option("Attendance", value=""),
            *[
                rx.el.option("Attendance: " + s.value.replace("_", " "), value=s.value)
                for s in AttendanceStatus
            ],
            default_value=entry["attendance"].to(str),
            key=entry["attendance"].to(str),
            style=_SELECT,
            on_change=lambda v: NoteState.attend(pid, v),
            aria_label="Attendance of " + entry["name"].to(str),
            class_name="member-attendance",
        ),
        rx.input(
            placeholder="min if late / left early",
            input_mode="numeric",
            size="3",
            width="13em",
            aria_label="Minutes attended by " + entry["name"].to(str),
            on_blur=lambda v: NoteState.set_minutes(pid, v),
            class_name="member-minutes",
        ),
        gap="2",
        wrap="wrap",
        align="center",
    )


def _member(entry: rx.Var) -> rx.Component:
    pid = entry["patient_id"].to(str)
    locked = NoteState.status != "draft"
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(entry["name"], weight="bold", size="4"),
                rx.cond(
                    entry["attendance"].to(str) != "",
                    rx.badge(entry["attendance"]),
                    rx.badge("attendance not recorded", color_scheme="amber"),
                ),
                align="center",
            ),
            _unmet(entry["unmet"].to(str), class_name="member-unmet"),
            rx.cond(locked, rx.fragment(), _attendance(entry, pid)),
            rx.cond(
                entry["absent"].to(bool),
                rx.text(
                    "Absent: attendance only, no clinical entry.", color_scheme="gray", size="2"
                ),
                rx.vstack(
                    rx.flex(
                        rx.el.select(
                            rx.el.option("Participation", value=""),
                            *[
                                rx.el.option("Participation: " + p.value, value=p.value)
                                for p in Participation
                            ],
                            default_value=entry["participation"].to(str),
                            style=_SELECT,
                            on_change=lambda v: NoteState.save_entry(pid, "participation", v),
                            disabled=locked,
                            aria_label="Participation of " + entry["name"].to(str),
                            class_name="member-participation",
                        ),
                        rx.el.select(
                            rx.el.option("Risk", value=""),
                            *[rx.el.option("Risk: " + r.value, value=r.value) for r in Risk],
                            default_value=entry["risk"].to(str),
                            style=_SELECT,
                            on_change=lambda v: NoteState.save_entry(pid, "risk", v),
                            disabled=locked,
                            aria_label="Risk of " + entry["name"].to(str),
                        ),
                        rx.input(
                            default_value=entry["affect"].to(str),
                            placeholder="Affect / mood",
                            on_blur=lambda v: NoteState.save_entry(pid, "affect", v),
                            size="3",
                            read_only=locked,
                        ),
                        gap="2",
                        wrap="wrap",
                    ),
                    rx.foreach(
                        entry["objectives"].to(list[dict[str, Any]]),
                        lambda objective: _objective(pid, objective, locked),
                    ),
                    rx.text_area(
                        default_value=entry["narrative"].to(str),
                        placeholder="This member's participation and progress",
                        on_blur=lambda v: NoteState.save_entry(pid, "narrative", v),
                        read_only=locked,
                        width="100%",
                        min_height="5em",
                        class_name="member-narrative",
                    ),
                    width="100%",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="member-card",
    )


def _leak(leak: rx.Var) -> rx.Component:
    """One flagged span where it is; an everyday word offers "Not this person"."""
    return rx.hstack(
        rx.text(leak["label"], ": “", leak["text"], "”"),
        rx.badge(
            leak["severity"], color_scheme=rx.cond(leak["severity"] == "block", "red", "amber")
        ),
        rx.cond(
            leak["severity"] == "confirm",
            rx.button(
                "Not this person",
                size="1",
                variant="soft",
                on_click=NoteState.confirm_leak(leak["field"], leak["text"]),
                class_name="leak-confirm",
            ),
        ),
        align="center",
        class_name="leak-flag",
    )


def document_session() -> rx.Component:
    return shell(
        "Group note",
        rx.hstack(
            rx.heading(NoteState.title, size="5"),
            rx.badge(NoteState.status, size="3"),
            rx.spacer(),
            rx.text(NoteState.saved, color_scheme="teal", id="note-saved"),
            width="100%",
            align="center",
        ),
        rx.cond(
            NoteState.error != "",
            rx.callout(NoteState.error, color_scheme="red", role="alert", id="note-error"),
        ),
        rx.cond(
            NoteState.leaks.length() > 0,
            rx.callout(
                rx.vstack(
                    rx.text(
                        "Remove other members' names, or confirm that a flagged everyday "
                        "word is not the person:",
                        weight="bold",
                    ),
                    rx.foreach(NoteState.leaks, _leak),
                ),
                color_scheme="amber",
                id="note-leaks",
            ),
        ),
        _shared(),
        rx.foreach(NoteState.entries, _member),
        rx.cond(
            NoteState.status == "draft",
            rx.vstack(
                _unmet(NoteState.start_unmet, id="note-not-started"),
                rx.button("Sign and lock", size="4", on_click=NoteState.sign, id="note-sign"),
                width="100%",
            ),
            rx.card(
                rx.vstack(
                    rx.text("Signed. SHA-256 ", rx.code(NoteState.content_hash), size="2"),
                    rx.foreach(
                        NoteState.addenda, lambda a: rx.text(a, size="2", class_name="addendum")
                    ),
                    rx.cond(
                        NoteState.awaiting_cosign,
                        rx.hstack(
                            rx.badge(
                                "Waiting for a supervisor's co-signature", color_scheme="amber"
                            ),
                            rx.cond(
                                AuthState.roles.contains("supervisor"),
                                rx.button("Co-sign", on_click=NoteState.cosign, id="note-cosign"),
                            ),
                        ),
                    ),
                    rx.form(
                        rx.flex(
                            rx.input(name="reason", placeholder="Reason", size="3"),
                            rx.input(name="text", placeholder="Addendum", size="3", width="20em"),
                            rx.button("Add addendum", type="submit", size="3"),
                            gap="2",
                            wrap="wrap",
                        ),
                        on_submit=NoteState.addendum,
                        reset_on_submit=True,
                    ),
                ),
                width="100%",
            ),
        ),
    )
