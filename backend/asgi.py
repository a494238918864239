"""One port for UI and API: route ``/api`` to Litestar, everything else to Reflex.

Reflex owns the ASGI lifespan of the combined app and does not pass it to mounted apps,
so :meth:`ApiMount.lifespan` (registered as a Reflex lifespan task) runs Litestar's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from litestar import Litestar
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.app import create_app

API_PREFIX = "/api"


class ApiMount:
    def __init__(self) -> None:
        self.api: Litestar | None = None

    def __call__(self, ui: ASGIApp) -> ASGIApp:
        self.api = create_app()
        api = cast(ASGIApp, self.api)

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            path = scope.get("path", "") if scope["type"] in ("http", "websocket") else ""
            if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                await api(scope, receive, send)
            else:
                await ui(scope, receive, send)

        return dispatch

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        if self.api is None:
            yield
            return
        async with self.api.lifespan():
            yield
