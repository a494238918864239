"""The chart's "Treatment plan" card: a link to the editor and, per objective of the active
plan, its status, baseline → target, a line chart against the target and the points."""

from typing import Any

import reflex as rx

from frontend.state.chart_plan import ChartPlanState


def _status(status: rx.Var) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(
            status,
            ("on track", "green"),
            ("at risk", "amber"),
            ("met", "teal"),
            ("not met", "red"),
            "gray",
        ),
        size="2",
        class_name="objective-status",
    )


def _chart(objective: rx.Var) -> rx.Component:
    return rx.recharts.line_chart(
        rx.recharts.line(data_key="value", type_="monotone", is_animation_active=False),
        rx.recharts.x_axis(data_key="date"),
        rx.recharts.y_axis(width=40),
        rx.recharts.reference_line(
            y=objective["target"].to(int),
            stroke=rx.color("red", 8),
            stroke_dasharray="4 4",
            if_overflow="extendDomain",
            label="target",
        ),
        data=objective["points"].to(list[dict[str, Any]]),
        width="100%",
        height=160,
    )


def _objective(objective: rx.Var) -> rx.Component:
    points = objective["points"].to(list[dict[str, Any]])
    return rx.vstack(
        rx.hstack(
            rx.text(objective["text"], weight="bold"),
            _status(objective["status"]),
            align="center",
            wrap="wrap",
        ),
        rx.text(objective["range"], size="2", color_scheme="gray"),
        rx.cond(points.length() > 0, _chart(objective)),
        rx.foreach(points, lambda p: rx.text(p["label"], size="2", class_name="objective-point")),
        rx.form(
            rx.hstack(
                rx.el.input(type="hidden", name="objective", value=objective["id"].to(str)),
                rx.input(
                    name="value",
                    type="number",
                    step="any",
                    placeholder="Add a measurement",
                    aria_label="Add a measurement",
                    size="3",
                    height="44px",
                    class_name="point-value",
                ),
                rx.button("Add", type="submit", size="3", min_height="44px"),
                align="center",
            ),
            on_submit=ChartPlanState.add_point,
            reset_on_submit=True,
        ),
        class_name="objective",
        data_id=objective["id"],
        padding_y="0.6em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        width="100%",
        spacing="2",
    )


def plan_card() -> rx.Component:
    return rx.cond(
        ChartPlanState.hidden,
        rx.fragment(),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading("Treatment plan", size="4"),
                    rx.spacer(),
                    rx.link(
                        "Open the plan",
                        href="/plan/" + ChartPlanState.patient_id,
                        id="chart-plan-link",
                    ),
                    width="100%",
                    align="center",
                ),
                rx.text(ChartPlanState.summary, size="2", id="chart-plan-summary"),
                rx.cond(
                    ChartPlanState.error != "",
                    rx.callout(ChartPlanState.error, color_scheme="red", role="alert"),
                ),
                rx.foreach(ChartPlanState.objectives, _objective),
                spacing="2",
                width="100%",
            ),
            width="100%",
            id="chart-plan",
        ),
    )
