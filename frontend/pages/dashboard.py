"""The dashboard: a section per role of the signed-in user, numbers first, then charts."""

from typing import Any

import reflex as rx

from frontend.components.layout import shell
from frontend.state.dashboard import ATTENDANCE_DAYS, DashboardState


def _number(label: str, value: Any, element_id: str, href: str = "") -> rx.Component:
    figure = rx.heading(value, size="8", id=element_id)
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"),
            rx.link(figure, href=href, underline="none") if href else figure,
            spacing="1",
        ),
        min_width="11em",
    )


def _bars(
    data: Any,
    x_key: str,
    bars: list[tuple[str, str, str]],
    element_id: str,
    y_domain: list[Any] | None = None,
) -> rx.Component:
    """A bar chart of ``data``: one series per (key, name, colour) in ``bars``."""
    return rx.box(
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
            *[
                rx.recharts.bar(
                    data_key=key, name=name, fill=rx.color(colour, 9), is_animation_active=False
                )
                for key, name, colour in bars
            ],
            rx.recharts.x_axis(data_key=x_key),
            rx.recharts.y_axis(domain=y_domain or [0, "auto"], width=48),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(),
            data=data,
            width="100%",
            height=240,
        ),
        width="100%",
        id=element_id,
    )


def _chart_card(title: str, data: Any, empty: str, chart: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4"),
            rx.cond(data.length() > 0, chart, rx.text(empty, color_scheme="gray")),
            width="100%",
        ),
        width="100%",
    )


def _table(data: Any, columns: list[tuple[str, str]]) -> rx.Component:
    """A compact table of ``data``: (header, key) per column."""
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h, _ in columns])),
        rx.table.body(
            rx.foreach(
                data, lambda row: rx.table.row(*[rx.table.cell(row[key]) for _, key in columns])
            )
        ),
        size="1",
        width="100%",
    )


def _outcomes(title: str, data: Any, element_id: str) -> rx.Component:
    """Share improved by 5 points or more as bars; the mean change (negative: fewer
    symptoms) and clients measured in a table under them."""
    return _chart_card(
        title,
        data,
        "No client has two scores of the same instrument yet.",
        rx.vstack(
            _bars(
                data,
                "label",
                [("improved", "Improved ≥ 5 points (%)", "green")],
                element_id,
                [0, 100],
            ),
            _table(
                data,
                [
                    ("Program · instrument", "label"),
                    ("Clients", "clients"),
                    ("Mean change", "mean_change"),
                    ("Improved (%)", "improved"),
                ],
            ),
            width="100%",
        ),
    )


def _section(title: str, element_id: str, *content: rx.Component) -> rx.Component:
    return rx.vstack(rx.heading(title, size="5"), *content, width="100%", id=element_id)


def _coordinator() -> rx.Component:
    return _section(
        "Coordination",
        "dashboard-coordinator",
        _number("Sessions today", DashboardState.sessions_today, "sessions-today", "/"),
        _chart_card(
            f"Attendance rate by group, last {ATTENDANCE_DAYS} days",
            DashboardState.attendance,
            "No attendance recorded in this period.",
            _bars(
                DashboardState.attendance,
                "group",
                [("rate", "Attended (%)", "accent")],
                "attendance-chart",
                [0, 100],
            ),
        ),
        _chart_card(
            "Census by level of care",
            DashboardState.census,
            "No client has an open episode.",
            _bars(DashboardState.census, "level", [("clients", "Clients", "teal")], "census-chart"),
        ),
    )


def _clinician() -> rx.Component:
    return _section(
        "My caseload",
        "dashboard-clinician",
        rx.hstack(
            _number("My unsigned notes", DashboardState.unsigned, "unsigned-count", "/"),
            _number("Plan reviews due", DashboardState.plans_due, "plans-due-count", "/"),
            wrap="wrap",
        ),
        _outcomes("Caseload outcomes", DashboardState.caseload_outcomes, "caseload-outcomes"),
    )


def _supervisor() -> rx.Component:
    return _section(
        "Supervision",
        "dashboard-supervisor",
        _number("Waiting for co-signature", DashboardState.cosign, "cosign-count", "/"),
        _outcomes("Team outcomes", DashboardState.team_outcomes, "team-outcomes"),
    )


def _biller() -> rx.Component:
    return _section(
        "Billing",
        "dashboard-biller",
        _chart_card(
            "Charges by status",
            DashboardState.charges,
            "No charges yet.",
            rx.vstack(
                _bars(
                    DashboardState.charges,
                    "status",
                    [("charges", "Charges", "accent")],
                    "charges-chart",
                ),
                _table(
                    DashboardState.charges,
                    [("Status", "status"), ("Charges", "charges"), ("Amount ($)", "amount")],
                ),
                width="100%",
            ),
        ),
    )


def dashboard() -> rx.Component:
    return shell(
        "Dashboard",
        rx.cond(
            DashboardState.error != "",
            rx.callout(DashboardState.error, color_scheme="red", role="alert"),
        ),
        rx.cond(DashboardState.coordinator, _coordinator()),
        rx.cond(DashboardState.clinician, _clinician()),
        rx.cond(DashboardState.supervisor, _supervisor()),
        rx.cond(DashboardState.biller, _biller()),
        rx.cond(
            DashboardState.no_section,
            rx.text("None of your roles has a dashboard.", color_scheme="gray"),
        ),
        rx.link("All reports, with filters and CSV →", href="/reports", id="reports-link"),
    )
