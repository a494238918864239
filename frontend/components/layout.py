"""The app shell: navigation for the three daily users, the API status badge, the
"reconnecting" banner, the signed-in user, and the idle time-out warning."""

import reflex as rx
from reflex.components.core.banner import has_connection_errors

from frontend.state.auth import AuthState
from frontend.state.health import HealthState

RECONNECTING = "Connection to the server lost — reconnecting…"
NAV = [
    ("Today", "/", "calendar-check"),
    ("Schedule", "/schedule", "calendar-range"),
    ("Rosters", "/rosters", "list-checks"),
    ("Group notes", "/groups", "users"),
    ("Patients", "/patients", "folder-heart"),
    ("MAR", "/mar", "pill"),
    ("Dashboard", "/dashboard", "chart-column"),
    ("Reports", "/reports", "table"),
]


def status_badge() -> rx.Component:
    return rx.tooltip(
        rx.badge(
            rx.cond(
                HealthState.status == "ok",
                "API online",
                rx.cond(HealthState.status == "down", "API offline", "Checking…"),
            ),
            color_scheme=rx.cond(
                HealthState.status == "ok",
                "green",
                rx.cond(HealthState.status == "down", "red", "gray"),
            ),
            id="api-status",
            data_status=HealthState.status,
            size="2",
        ),
        content=HealthState.detail,
    )


def reconnecting_banner() -> rx.Component:
    """One banner for both ways the server can be lost: the browser's live link to the UI
    server (Reflex's websocket) or the API answering that it cannot serve (its database is
    down). Both heal by themselves; the banner goes when they have."""
    return rx.cond(
        has_connection_errors | HealthState.reconnecting,
        rx.callout(
            RECONNECTING,
            icon="wifi-off",
            color_scheme="amber",
            variant="surface",
            size="2",
            role="status",
            id="reconnecting",
            position="fixed",
            top="0.75em",
            left="50%",
            transform="translateX(-50%)",
            z_index="1000",
            box_shadow="0 2px 8px rgba(0, 0, 0, 0.15)",
            on_mount=HealthState.reconnect,
            on_unmount=HealthState.reload_page,
        ),
    )


def nav_link(label: str, href: str, icon: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon(icon, size=18), rx.text(label, size="3"), align="center"),
        href=href,
        underline="none",
        padding="0.6em 0.8em",
        border_radius="8px",
        _hover={"background": rx.color("accent", 3)},
    )


def idle_warning() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Still there?"),
            rx.alert_dialog.description(
                "You will be signed out in a minute to protect patient information."
            ),
            rx.flex(
                rx.button(
                    "Sign out", variant="soft", color_scheme="gray", on_click=AuthState.sign_out
                ),
                rx.button("Stay signed in", on_click=AuthState.stay_signed_in, id="stay"),
                spacing="3",
                justify="end",
                margin_top="1em",
            ),
        ),
        open=AuthState.idle_warning,
    )


def user_menu() -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.hstack(rx.icon("circle-user", size=18), rx.text(AuthState.username)),
            href="/account",
            id="account-link",
        ),
        rx.button("Sign out", variant="soft", size="2", on_click=AuthState.sign_out, id="sign-out"),
        align="center",
    )


def shell(title: str, *content: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.heading("EMR", size="6", padding="0.4em 0.8em"),
            *[nav_link(*item) for item in NAV],
            rx.cond(AuthState.is_admin, nav_link("Users", "/admin/users", "user-cog")),
            rx.cond(AuthState.is_admin, nav_link("Import", "/import", "upload")),
            rx.cond(AuthState.is_auditor, nav_link("Audit", "/audit", "shield-check")),
            rx.cond(AuthState.is_biller, nav_link("Billing", "/billing", "receipt")),
            width="13em",
            min_height="100vh",
            padding="1em 0.5em",
            background=rx.color("gray", 2),
            spacing="1",
        ),
        rx.vstack(
            rx.hstack(
                rx.heading(title, size="7"),
                rx.spacer(),
                status_badge(),
                user_menu(),
                width="100%",
                align="center",
                spacing="4",
            ),
            *content,
            padding="1.5em",
            width="100%",
            spacing="4",
        ),
        idle_warning(),
        reconnecting_banner(),
        rx.moment(interval=15_000, on_change=AuthState.tick, display="none"),
        spacing="0",
        width="100%",
        on_mount=HealthState.check,
    )
