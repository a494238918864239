import reflex as rx

from frontend.components.layout import shell
from frontend.state.account import AccountState
from frontend.state.auth import AuthState


def _password_card() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Change password", size="4"),
                rx.input(name="current_password", type="password", placeholder="Current password"),
                rx.input(name="new_password", type="password", placeholder="New password"),
                rx.input(
                    name="confirm_password", type="password", placeholder="Repeat new password"
                ),
                rx.text(
                    "At least 12 characters mixing three of: lower, upper, digits, symbols.",
                    size="1",
                    color_scheme="gray",
                ),
                rx.button("Change password", type="submit"),
                spacing="2",
            ),
            on_submit=AccountState.change_password,
        ),
        width="100%",
    )


def _mfa_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Multi-factor authentication", size="4"),
            rx.cond(
                AuthState.mfa_enabled,
                rx.badge("On", color_scheme="green", id="mfa-on"),
                rx.vstack(
                    rx.cond(
                        AuthState.mfa_enrolment_required,
                        rx.callout(
                            "Your role requires multi-factor authentication: enrol now.",
                            color_scheme="amber",
                        ),
                    ),
                    rx.cond(
                        AccountState.qr_data_uri == "",
                        rx.button(
                            "Set up authenticator app",
                            on_click=AccountState.start_mfa,
                            id="mfa-start",
                        ),
                        rx.vstack(
                            rx.text("Scan with your authenticator app, then enter its code."),
                            rx.image(
                                src=AccountState.qr_data_uri,
                                width="220px",
                                id="mfa-qr",
                                alt="QR code for your authenticator app",
                            ),
                            rx.code(AccountState.secret, id="mfa-secret"),
                            rx.form(
                                rx.hstack(
                                    rx.input(name="otp", placeholder="123456", id="mfa-otp"),
                                    rx.button("Confirm", type="submit"),
                                ),
                                on_submit=AccountState.confirm_mfa,
                            ),
                        ),
                    ),
                ),
            ),
            rx.cond(
                AccountState.recovery_codes.length() > 0,
                rx.vstack(
                    rx.text("Recovery codes (each works once):", weight="bold"),
                    rx.foreach(AccountState.recovery_codes, lambda code: rx.code(code)),
                    id="recovery-codes",
                ),
            ),
            spacing="3",
        ),
        width="100%",
    )


def account() -> rx.Component:
    return shell(
        "My account",
        rx.text(AuthState.full_name, " · ", AuthState.roles.join(", "), color_scheme="gray"),
        rx.cond(AccountState.message != "", rx.callout(AccountState.message, color_scheme="green")),
        rx.cond(
            AccountState.error != "",
            rx.callout(AccountState.error, color_scheme="red", role="alert"),
        ),
        rx.grid(_password_card(), _mfa_card(), columns="2", spacing="4", width="100%"),
    )
