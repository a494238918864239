import reflex as rx

from frontend.components.layout import shell


def today() -> rx.Component:
    return shell(
        "Today",
        rx.text(
            "Your sessions, notes waiting for signature and plans due for review will "
            "appear here as those capabilities land.",
            color_scheme="gray",
        ),
    )
