"""The chart's "Consents & disclosures" card (42 CFR Part 2): the consents with a Revoke
per recipient, "Record consent", "Disclose" and the accounting of disclosures."""

from typing import Any

import reflex as rx

from frontend.components.fields import choice
from frontend.state.chart_consent import (
    CATEGORIES,
    CONSENT_FORM_ID,
    DISCLOSURE_PURPOSES,
    EXCEPTIONS,
    PURPOSES,
    REVOCATION,
    ChartConsentState,
)


def _recipient(r: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(r["name"], size="2"),
        rx.cond(
            r["revoked"] != "",
            rx.badge("revoked", color_scheme="gray"),
            rx.button(
                "Revoke",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=ChartConsentState.revoke_recipient(r["consent_id"], r["id"]),
            ),
        ),
        align="center",
        class_name="consent-recipient",
    )


def _consent(c: rx.Var) -> rx.Component:
    status = c["status"]
    return rx.vstack(
        rx.hstack(
            rx.badge(
                status,
                color_scheme=rx.match(status, ("active", "green"), ("revoked", "gray"), "amber"),
            ),
            rx.text(c["title"], weight="bold", size="2"),
            align="center",
            wrap="wrap",
        ),
        rx.text(c["signed"], " · ", c["expiry"], size="1", color_scheme="gray"),
        rx.foreach(c["recipients"].to(list[dict[str, str]]), _recipient),
        rx.hstack(
            rx.button(
                "Print form",
                size="1",
                variant="outline",
                on_click=ChartConsentState.print_consent(c["id"]),
            ),
            rx.cond(
                status == "active",
                rx.button(
                    "Revoke consent",
                    size="1",
                    variant="outline",
                    color_scheme="red",
                    on_click=ChartConsentState.revoke(c["id"]),
                ),
            ),
        ),
        class_name="consent",
        data_status=status,
        spacing="1",
        padding_y="0.4em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        width="100%",
    )


def _checks(prefix: str) -> rx.Component:
    return rx.flex(
        *[
            rx.el.label(
                rx.el.input(type="checkbox", name=f"{prefix}{c}", width="20px", height="20px"),
                c.replace("_", " "),
                style={"display": "flex", "gap": "0.3em", "align_items": "center"},
            )
            for c in CATEGORIES
        ],
        gap="3",
        wrap="wrap",
    )


def _input(name: str, placeholder: str, **props: Any) -> rx.Component:
    props.setdefault("width", "100%")
    return rx.input(name=name, placeholder=placeholder, aria_label=placeholder, size="2", **props)


def _consent_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Record consent", size="3"),
            _input("discloser", "Who may disclose (this program)"),
            rx.text_area(
                name="recipients",
                placeholder="Recipients, one per line",
                aria_label="Recipients",
                width="100%",
            ),
            rx.el.label(
                rx.el.input(type="checkbox", name="general_designation"),
                " recipients are a general designation",
            ),
            rx.hstack(
                choice("purpose", PURPOSES, default="tpo"),
                _input("purpose_text", "Purpose, if other"),
                wrap="wrap",
            ),
            _input("information", "Specifically what may be disclosed"),
            _checks("category_"),
            rx.hstack(
                rx.text("Expires on", size="2"),
                rx.input(name="expires_on", type="date", size="2"),
                _input("expires_event", "or upon (event)"),
                align="center",
                wrap="wrap",
            ),
            rx.text_area(
                name="revocation_text",
                default_value=REVOCATION,
                aria_label="Revocation",
                width="100%",
            ),
            rx.hstack(
                _input("signed_by", "Signed by"),
                rx.input(name="signed_on", type="date", size="2", aria_label="Signed on"),
                wrap="wrap",
            ),
            rx.button("Record consent", type="submit", size="2", id="consent-submit"),
            spacing="2",
            width="100%",
        ),
        on_submit=ChartConsentState.record_consent,
        id=CONSENT_FORM_ID,
    )


def _disclose_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Disclose", size="3"),
            rx.hstack(
                _input("recipient", "Recipient", id="disclose-recipient"),
                choice("purpose", DISCLOSURE_PURPOSES, default="treatment"),
                wrap="wrap",
            ),
            _checks("disclose_"),
            rx.hstack(
                choice("exception", EXCEPTIONS, default=""),
                _input("exception_detail", "Exception detail (emergency)"),
                wrap="wrap",
            ),
            rx.button("Disclose (PDF)", type="submit", size="2", id="disclose-submit"),
            rx.cond(
                ChartConsentState.refused != "",
                rx.callout(
                    ChartConsentState.refused,
                    color_scheme="red",
                    role="alert",
                    id="disclose-refused",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=ChartConsentState.disclose,
    )


def consent_card() -> rx.Component:
    return rx.cond(
        ChartConsentState.hidden,
        rx.fragment(),
        rx.card(
            rx.vstack(
                rx.heading("Consents & disclosures", size="4"),
                rx.cond(
                    ChartConsentState.error != "",
                    rx.callout(ChartConsentState.error, color_scheme="red", role="alert"),
                ),
                rx.cond(
                    ChartConsentState.notice != "",
                    rx.text(ChartConsentState.notice, color_scheme="green"),
                ),
                rx.foreach(ChartConsentState.consents, _consent),
                rx.grid(
                    _consent_form(),
                    _disclose_form(),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                rx.heading("Accounting of disclosures", size="3"),
                rx.foreach(
                    ChartConsentState.disclosures,
                    lambda d: rx.text(d["line"], size="2", class_name="disclosure"),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="chart-consent",
        ),
    )
