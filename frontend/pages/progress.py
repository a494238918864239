"""An individual progress note (DAP, BIRP or SOAP): one large text area per section."""

import reflex as rx

from frontend.components.layout import shell
from frontend.state.auth import AuthState
from frontend.state.progress import ProgressState


def _section(section: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(section["heading"], weight="bold", size="3"),
        rx.text_area(
            default_value=section["text"].to(str),
            placeholder=section["prompt"].to(str),
            on_blur=lambda v: ProgressState.save(section["key"].to(str), v),
            read_only=ProgressState.status != "draft",
            width="100%",
            min_height="7em",
            size="3",
            id="section-" + section["key"].to(str),
        ),
        width="100%",
        spacing="1",
    )


def _signed() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(ProgressState.signed, size="2", id="progress-signed"),
            rx.cond(
                ProgressState.awaiting_cosign,
                rx.hstack(
                    rx.badge("Waiting for a supervisor's co-signature", color_scheme="amber"),
                    rx.cond(
                        AuthState.is_supervisor,
                        rx.button("Co-sign", on_click=ProgressState.act("cosign")),
                    ),
                ),
            ),
            rx.foreach(
                ProgressState.addenda, lambda a: rx.text(a, size="2", class_name="addendum")
            ),
            rx.form(
                rx.flex(
                    rx.input(name="reason", placeholder="Reason", size="3"),
                    rx.input(name="text", placeholder="Addendum", size="3", width="20em"),
                    rx.button("Add addendum", type="submit", size="3", id="progress-addendum"),
                    gap="2",
                    wrap="wrap",
                ),
                on_submit=ProgressState.addendum,
                reset_on_submit=True,
            ),
        ),
        width="100%",
    )


def progress_note() -> rx.Component:
    return shell(
        "Progress note",
        rx.hstack(
            rx.heading(ProgressState.title, size="5"),
            rx.badge(ProgressState.status, size="3", id="progress-status"),
            rx.spacer(),
            rx.text(ProgressState.saved, color_scheme="teal", id="progress-saved"),
            width="100%",
            align="center",
        ),
        rx.link("← Chart", href="/patients/" + ProgressState.patient_id),
        rx.cond(
            ProgressState.error != "",
            rx.callout(ProgressState.error, color_scheme="red", role="alert", id="progress-error"),
        ),
        rx.card(
            rx.vstack(rx.foreach(ProgressState.sections, _section), width="100%"), width="100%"
        ),
        rx.cond(
            ProgressState.status == "draft",
            rx.button(
                "Sign and lock", size="4", on_click=ProgressState.act("sign"), id="progress-sign"
            ),
            _signed(),
        ),
    )
