"""Hand-to-client mode: the questionnaire alone (no navigation, no chart), large answer
buttons for a finger on a tablet, and a staff-only unlock at the bottom."""

import reflex as rx

from frontend.state.auth import AuthState
from frontend.state.questionnaire import QuestionnaireState


def _choice(item: rx.Var, choice: rx.Var) -> rx.Component:
    chosen = QuestionnaireState.answers[item["index"].to(int)] == choice["value"].to(int)
    return rx.button(
        choice["label"],
        on_click=QuestionnaireState.answer(item["index"].to(int), choice["value"].to(int)),
        variant=rx.cond(chosen, "solid", "outline"),
        role="radio",
        aria_checked=rx.cond(chosen, "true", "false"),
        size="4",
        min_height="3.5em",
        white_space="normal",
    )


def _item(item: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(item["text"], size="5", weight="medium"),
            rx.flex(
                rx.foreach(item["choices"].to(list[dict]), lambda c: _choice(item, c)),
                role="radiogroup",
                aria_label=item["text"].to(str),
                spacing="3",
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="questionnaire-item",
    )


def _questions() -> rx.Component:
    return rx.vstack(
        rx.heading(QuestionnaireState.title, size="6", id="questionnaire-title"),
        rx.text(QuestionnaireState.prompt, size="5"),
        rx.foreach(QuestionnaireState.items, _item),
        rx.cond(
            QuestionnaireState.error != "",
            rx.callout(
                QuestionnaireState.error,
                color_scheme="red",
                role="alert",
                id="questionnaire-error",
                width="100%",
            ),
        ),
        rx.button(
            "Submit my answers",
            on_click=QuestionnaireState.submit,
            size="4",
            width="100%",
            min_height="3.5em",
            id="questionnaire-submit",
        ),
        spacing="4",
        width="100%",
    )


def _unlock() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("For staff: enter your password to take the tablet back.", color_scheme="gray"),
            rx.flex(
                rx.input(
                    name="password",
                    type="password",
                    placeholder="Password",
                    auto_complete="current-password",
                    size="3",
                    id="unlock-password",
                ),
                rx.cond(
                    AuthState.unlock_needs_otp,
                    rx.input(name="otp", placeholder="Code", size="3", id="unlock-otp"),
                ),
                rx.button("Unlock", type="submit", size="3", variant="soft", id="unlock"),
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(
                AuthState.unlock_error != "",
                rx.callout(
                    AuthState.unlock_error, color_scheme="red", role="alert", id="unlock-error"
                ),
            ),
            spacing="2",
        ),
        on_submit=AuthState.unlock,
        reset_on_submit=True,
        width="100%",
    )


def questionnaire() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.heading(
                rx.cond(
                    QuestionnaireState.first_name != "",
                    "Hello " + QuestionnaireState.first_name,
                    "Hello",
                ),
                size="8",
            ),
            rx.cond(
                QuestionnaireState.submitted,
                rx.callout(
                    "Thank you, please hand the tablet back.",
                    icon="circle-check",
                    size="3",
                    width="100%",
                    id="questionnaire-thanks",
                ),
                _questions(),
            ),
            rx.divider(margin_top="2em"),
            _unlock(),
            spacing="4",
            width="100%",
            max_width="56em",
            padding="1.5em",
        ),
        width="100%",
    )
