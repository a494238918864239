"""API and database status shown in every page's header, and the "reconnecting" banner.

This is the one place that turns an outage into UI state. Every page's shell checks the
API's health when it mounts; when the API cannot be reached or answers 503 (its database
is down), ``reconnecting`` shows the banner, whose mount starts a background probe that
hides it once the API serves again. Anything else that meets an outage only needs to set
``reconnecting``. If the outage was met while a page was loading, the banner's unmount
loads that page again (from the unmount, not from the probe: an event chained from a
page's mount carries the previous page's path).
"""

import asyncio
import time
from typing import Any

import reflex as rx
from reflex.state import OnLoadInternalState

from frontend.api import api_client
from shared.client import ApiError
from shared.schemas.system import HealthRead

RETRY_SECONDS = 3.0
ANSWER_SECONDS = 10.0
# A tab left open through a long outage stops probing after this; its next page load
# starts again.
GIVE_UP_SECONDS = 600.0


async def _health() -> HealthRead:
    # An outage answers 503 within a few seconds (EMR_DB_*_TIMEOUT); a busy API may be
    # slower than that to answer at all, which must not read as an outage.
    async with api_client(timeout=ANSWER_SECONDS) as client:
        return await client.health()


class HealthState(rx.State):
    status: str = "checking"
    detail: str = "Checking the API…"
    reconnecting: bool = False
    _probing: bool = False
    _reload_when_back: bool = False

    def _serving(self, health: HealthRead) -> None:
        self.status, self.reconnecting = "ok", False
        self.detail = f"API {health.status} · database {health.database} · v{health.version}"

    @rx.event
    async def check(self) -> None:
        """On every page's mount, while the page's own data loads."""
        try:
            health = await _health()
        except ApiError as error:
            self.status, self.detail = "down", error.detail
            self.reconnecting = self._reload_when_back = error.unavailable
            return
        self._serving(health)
        self._reload_when_back = False

    @rx.event(background=True)
    async def reconnect(self) -> None:
        """Sent by the banner as it shows: probe every few seconds until the API serves
        again (one probe per tab)."""
        async with self:
            if self._probing:
                return
            self._probing = True
        try:
            deadline = time.monotonic() + GIVE_UP_SECONDS
            while time.monotonic() < deadline:
                await asyncio.sleep(RETRY_SECONDS)
                async with self:
                    if not self.reconnecting:
                        return  # a page's own check found the API serving again
                try:
                    health = await _health()
                except ApiError as error:
                    if error.unavailable:
                        continue
                    async with self:
                        self.status, self.detail, self.reconnecting = "down", error.detail, False
                    return
                async with self:
                    self._serving(health)
                return
        finally:
            async with self:
                self._probing = False

    @rx.event
    async def reload_page(self) -> Any:
        """Sent by the banner as it goes: load again what the page could not load."""
        if not self._reload_when_back:
            return None
        self._reload_when_back = False
        return OnLoadInternalState.on_load_internal
