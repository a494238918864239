"""API and database status shown in every page's header."""

import reflex as rx

from frontend.api import api_client
from shared.client import ApiError


class HealthState(rx.State):
    status: str = "checking"
    detail: str = "Checking the API…"

    @rx.event
    async def check(self) -> None:
        try:
            async with api_client() as client:
                health = await client.health()
        except ApiError as error:
            self.status, self.detail = "down", error.detail
            return
        self.status = "ok"
        self.detail = f"API {health.status} · database {health.database} · v{health.version}"
