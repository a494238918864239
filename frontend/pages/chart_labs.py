"""The chart's labs card: results (abnormal rows highlighted, critical in red, positive
screens marked with their confirmation state), one analyte's trend against its reference
range, the orders, and forms to order a test and enter a result."""

import reflex as rx

from frontend.components.fields import choice
from frontend.state.chart_labs import SPECIMENS, ChartLabsState
from shared.schemas.labs import UNITS, Qualitative


def _flag(row: rx.Var) -> rx.Component:
    return rx.match(
        row["level"],
        ("critical", rx.badge(row["flag"], color_scheme="red", variant="solid", size="2")),
        ("abnormal", rx.badge(row["flag"], color_scheme="amber", variant="soft", size="2")),
        rx.text(row["flag"], color_scheme="gray", size="2"),
    )


def _result(row: rx.Var) -> rx.Component:
    critical = row["level"] == "critical"
    return rx.table.row(
        rx.table.cell(row["on"], white_space="nowrap"),
        rx.table.cell(row["analyte"], weight="bold"),
        rx.table.cell(row["value"], class_name="lab-value"),
        rx.table.cell(row["range"], color=rx.color("gray", 11)),
        rx.table.cell(
            rx.hstack(
                _flag(row),
                rx.cond(row["note"] != "", rx.badge(row["note"], variant="outline", size="2")),
                wrap="wrap",
            )
        ),
        class_name="lab-row",
        data_level=row["level"],
        background=rx.match(
            row["level"],
            ("critical", rx.color("red", 3)),
            ("abnormal", rx.color("amber", 3)),
            "transparent",
        ),
        color=rx.cond(critical, rx.color("red", 11), "inherit"),
    )


def _results() -> rx.Component:
    return rx.cond(
        ChartLabsState.results.length() > 0,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Resulted", "Analyte", "Value", "Range", "Flag")
                    ]
                )
            ),
            rx.table.body(rx.foreach(ChartLabsState.results, _result)),
            width="100%",
            id="lab-results",
        ),
        rx.text("No results yet.", color_scheme="gray"),
    )


def _trend() -> rx.Component:
    # Reflex types these props as int; the cast is type-only, Recharts gets the float.
    low, high = ChartLabsState.trend_low.to(int), ChartLabsState.trend_high.to(int)
    has_low, has_high = ChartLabsState.has_low, ChartLabsState.has_high
    band = rx.color("green", 5)
    return rx.cond(
        ChartLabsState.analytes.length() > 0,
        rx.vstack(
            rx.hstack(
                rx.heading("Trend", size="3"),
                rx.select(
                    ChartLabsState.analytes,
                    value=ChartLabsState.analyte,
                    on_change=ChartLabsState.pick_analyte,
                    size="3",
                    id="lab-analyte",
                ),
                rx.text(ChartLabsState.trend_unit, color_scheme="gray"),
                align="center",
            ),
            rx.box(
                rx.recharts.line_chart(
                    rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
                    rx.cond(
                        has_low & has_high,
                        rx.recharts.reference_area(
                            y1=low, y2=high, fill=band, fill_opacity=0.3, if_overflow="extendDomain"
                        ),
                    ),
                    rx.cond(
                        has_low & ~has_high,
                        rx.recharts.reference_line(y=low, stroke=band, if_overflow="extendDomain"),
                    ),
                    rx.cond(
                        has_high & ~has_low,
                        rx.recharts.reference_line(y=high, stroke=band, if_overflow="extendDomain"),
                    ),
                    rx.recharts.line(
                        data_key="value",
                        name=ChartLabsState.analyte,
                        stroke=rx.color("accent", 9),
                        stroke_width=2,
                        is_animation_active=False,
                    ),
                    rx.recharts.x_axis(data_key="on"),
                    rx.recharts.y_axis(domain=["auto", "auto"]),
                    rx.recharts.graphing_tooltip(),
                    data=ChartLabsState.trend,
                    width="100%",
                    height=260,
                ),
                width="100%",
                id="lab-trend",
            ),
            width="100%",
        ),
    )


def _order(order: rx.Var) -> rx.Component:
    order_id = order["id"].to(str)
    return rx.hstack(
        rx.text(order["name"]),
        rx.text(order["specimen"], color_scheme="gray", size="2"),
        rx.badge(order["status"]),
        rx.spacer(),
        rx.cond(
            ChartLabsState.can_order & (order["open"] != ""),
            rx.hstack(
                rx.cond(
                    order["status"] == "ordered",
                    rx.button(
                        "Collected",
                        size="2",
                        variant="soft",
                        on_click=ChartLabsState.order_action(order_id, "collect"),
                    ),
                ),
                rx.button(
                    "Cancel",
                    size="2",
                    variant="ghost",
                    color_scheme="red",
                    on_click=ChartLabsState.order_action(order_id, "cancel"),
                ),
            ),
        ),
        width="100%",
        align="center",
        class_name="lab-order",
    )


def _order_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.input(name="test_code", placeholder="Code, e.g. LITH", size="3", width="10em"),
            rx.input(name="test_name", placeholder="Test name", size="3", id="lab-test-name"),
            choice("specimen", SPECIMENS, placeholder="Specimen"),
            rx.checkbox("Panel", name="panel", size="3"),
            rx.button("Order a test", type="submit", size="3", id="lab-order"),
            gap="2",
            wrap="wrap",
            align="center",
        ),
        on_submit=ChartLabsState.order_test,
        reset_on_submit=True,
    )


def _number(name: str, placeholder: str) -> rx.Component:
    return rx.input(
        name=name, type="number", step="any", placeholder=placeholder, size="3", width="8em"
    )


def _result_form() -> rx.Component:
    return rx.form(
        rx.flex(
            choice("order_id", ChartLabsState.open_orders, placeholder="Order"),
            rx.input(name="analyte", placeholder="Analyte", size="3", width="10em"),
            _number("value", "Value"),
            choice("unit", sorted(u for u in UNITS if u), placeholder="Unit"),
            _number("ref_low", "Ref low"),
            _number("ref_high", "Ref high"),
            _number("critical_low", "Critical low"),
            _number("critical_high", "Critical high"),
            choice("qualitative", [q.value for q in Qualitative], placeholder="Screen"),
            rx.button("Enter results", type="submit", size="3", id="lab-enter"),
            gap="2",
            wrap="wrap",
        ),
        on_submit=ChartLabsState.enter_result,
        reset_on_submit=True,
    )


def labs() -> rx.Component:
    return rx.cond(
        ChartLabsState.hidden,
        rx.fragment(),
        rx.card(
            rx.vstack(
                rx.heading("Labs", size="4"),
                rx.cond(
                    ChartLabsState.error != "",
                    rx.callout(ChartLabsState.error, color_scheme="red", role="alert"),
                ),
                _results(),
                _trend(),
                rx.heading("Orders", size="3"),
                rx.foreach(ChartLabsState.orders, _order),
                rx.cond(
                    ChartLabsState.can_order,
                    rx.vstack(_order_form(), _result_form(), spacing="3", width="100%"),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="chart-labs",
        ),
    )
