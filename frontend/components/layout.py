"""The app shell: navigation for the three daily users and the API status badge."""

import reflex as rx

from frontend.state.health import HealthState

NAV = [
    ("Today", "/", "calendar-check"),
    ("Schedule", "/schedule", "calendar-range"),
    ("Group notes", "/groups", "users"),
    ("Patients", "/patients", "folder-heart"),
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


def nav_link(label: str, href: str, icon: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon(icon, size=18), rx.text(label, size="3"), align="center"),
        href=href,
        underline="none",
        padding="0.6em 0.8em",
        border_radius="8px",
        _hover={"background": rx.color("accent", 3)},
    )


def shell(title: str, *content: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.heading("EMR", size="6", padding="0.4em 0.8em"),
            *[nav_link(*item) for item in NAV],
            width="13em",
            min_height="100vh",
            padding="1em 0.5em",
            background=rx.color("gray", 2),
            spacing="1",
        ),
        rx.vstack(
            rx.hstack(rx.heading(title, size="7"), rx.spacer(), status_badge(), width="100%"),
            *content,
            padding="1.5em",
            width="100%",
            spacing="4",
        ),
        spacing="0",
        width="100%",
        on_mount=HealthState.check,
    )
