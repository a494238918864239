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


def _alert(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.link(row["patient"], href=row["href"], weight="bold"),
            rx.text(row["message"], size="2"),
            spacing="0",
        ),
        rx.spacer(),
        rx.button("Acknowledge", size="3", on_click=TodayState.acknowledge(row["id"])),
        align="center",
        width="100%",
        class_name="alert-row",
    )


def _due(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.link(row["label"], href=row["href"]),
        rx.cond(row["overdue"] != "", rx.badge("overdue", color_scheme="orange")),
        class_name="due-row",
    )


def today() -> rx.Component:
    return shell(
        "Today",
        rx.cond(TodayState.error != "", rx.callout(TodayState.error, color_scheme="red")),
        rx.cond(
            TodayState.alerts.length() > 0,
            rx.callout.root(
                rx.vstack(
                    rx.heading("Safety alerts", size="4"),
                    rx.foreach(TodayState.alerts, _alert),
                    width="100%",
                ),
                color_scheme="red",
                width="100%",
                id="today-alerts",
            ),
        ),
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
        rx.cond(
            TodayState.due.length() > 0,
            rx.card(
                rx.vstack(
                    rx.heading("Assessments due", size="4"),
                    rx.foreach(TodayState.due, _due),
                    id="assessments-due",
                ),
                width="100%",
            ),
        ),
        rx.cond(
            TodayState.plan_reviews.length() > 0,
            rx.card(
                rx.vstack(
                    rx.heading("Plan reviews due", size="4"),
                    rx.foreach(TodayState.plan_reviews, _due),
                    id="plans-due",
                ),
                width="100%",
            ),
        ),
    )
