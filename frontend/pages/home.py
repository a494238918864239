import reflex as rx

from frontend.components.layout import shell
from frontend.state.today import TodayState


def _session(row: rx.Var) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.text(row["time"], weight="bold", size="4"),
                rx.text(row["group"], size="4"),
                rx.spacer(),
                rx.cond(
                    row["status"] == "cancelled",
                    rx.badge("cancelled", color_scheme="red"),
                    rx.badge("Take attendance"),
                ),
                align="center",
                width="100%",
            ),
            width="100%",
        ),
        href="/sessions/" + row["id"],
        underline="none",
        width="100%",
    )


def _note_link(row: rx.Var) -> rx.Component:
    return rx.link(row["label"], href=row["href"])


def today() -> rx.Component:
    return shell(
        "Today",
        rx.cond(TodayState.error != "", rx.callout(TodayState.error, color_scheme="red")),
        rx.cond(
            TodayState.sessions.length() > 0,
            rx.vstack(rx.foreach(TodayState.sessions, _session), width="100%", id="today-sessions"),
            rx.text("No sessions today.", color_scheme="gray"),
        ),
        rx.cond(
            TodayState.unsigned.length() > 0,
            rx.card(
                rx.vstack(
                    rx.heading("My unsigned notes", size="4"),
                    rx.foreach(TodayState.unsigned, _note_link),
                    id="unsigned-notes",
                ),
                width="100%",
            ),
        ),
        rx.cond(
            TodayState.cosign.length() > 0,
            rx.card(
                rx.vstack(
                    rx.heading("Waiting for my co-signature", size="4"),
                    rx.foreach(TodayState.cosign, _note_link),
                    id="cosign-queue",
                ),
                width="100%",
            ),
        ),
    )
