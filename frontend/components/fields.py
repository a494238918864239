"""Form fields that behave well on tablets."""

from __future__ import annotations

from typing import Any

import reflex as rx

_STYLE = {
    "height": "40px",
    "padding": "0 0.6em",
    "border_radius": "6px",
    "border": f"1px solid {rx.color('gray', 7)}",
    "background": rx.color("gray", 1),
    "font_size": "16px",
}


def choice(
    name: str,
    options: Any,
    *,
    placeholder: str = "",
    default: str = "",
    label_key: str = "name",
    value_key: str = "id",
) -> rx.Component:
    """A native <select>: the OS picker on a tablet, plain form value on submit.

    ``options`` is a list of strings, or a state var holding dicts with ``value_key`` and
    ``label_key``.
    """
    if isinstance(options, list):
        items = [rx.el.option(o, value=o) for o in options]
    else:
        items = [rx.foreach(options, lambda o: rx.el.option(o[label_key], value=o[value_key]))]
    blank = [rx.el.option(placeholder, value="", disabled=True)] if placeholder else []
    return rx.el.select(
        *blank,
        *items,
        name=name,
        default_value=default,
        aria_label=placeholder or name,
        style=_STYLE,
    )
