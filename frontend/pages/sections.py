"""Sections of the shell that later capabilities fill; each says what it will hold."""

import reflex as rx

from frontend.components.layout import shell


def _section(title: str, purpose: str) -> rx.Component:
    return shell(title, rx.text(purpose, color_scheme="gray"))


def groups() -> rx.Component:
    return _section("Group notes", "Document a group session for every member (facilitators).")
