import reflex as rx

from frontend.state.auth import AuthState


def login() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Sign in", size="6"),
                    rx.text("Behavioral-health EMR", color_scheme="gray"),
                    rx.input(
                        name="username",
                        placeholder="Username",
                        id="username",
                        auto_complete="username",
                        size="3",
                        width="100%",
                    ),
                    rx.input(
                        name="password",
                        placeholder="Password",
                        type="password",
                        id="password",
                        auto_complete="current-password",
                        size="3",
                        width="100%",
                    ),
                    rx.cond(
                        AuthState.need_otp,
                        rx.input(
                            name="otp",
                            placeholder="6-digit code or recovery code",
                            id="otp",
                            auto_complete="one-time-code",
                            input_mode="numeric",
                            size="3",
                            width="100%",
                        ),
                    ),
                    rx.cond(
                        AuthState.error != "",
                        rx.callout(
                            AuthState.error,
                            color_scheme="red",
                            role="alert",
                            id="sign-in-error",
                            width="100%",
                        ),
                    ),
                    rx.button(
                        "Sign in", type="submit", size="3", width="100%", loading=AuthState.busy
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=AuthState.sign_in,
                reset_on_submit=False,
            ),
            width="24em",
            size="4",
        ),
        min_height="100vh",
        background=rx.color("gray", 2),
    )
