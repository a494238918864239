"""One port for UI and API: route ``/api`` to Litestar, everything else to Reflex.

Reflex owns the ASGI lifespan of the combined app and does not pass it to mounted apps,
so :meth:`ApiMount.lifespan` (registered as a Reflex lifespan task) runs Litestar's.
Every request's client address and scheme are first taken from a trusted proxy's
forwarding headers, so the UI's websocket sees the browser's address (which the UI then
names to the API) and the UI pages get HSTS behind a TLS proxy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from litestar import Litestar
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from backend.app import create_app
from backend.config import get_settings
from backend.lib.security_headers import ui_security_headers

API_PREFIX = "/api"


class ApiMount:
    def __init__(self) -> None:
        self.api: Litestar | None = None

    def __call__(self, ui: ASGIApp) -> ASGIApp:
        settings = get_settings()
        self.api = create_app(settings)
        api = cast(ASGIApp, self.api)
        ui = ui_security_headers(ui, settings.cors_origins)

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            path = scope.get("path", "") if scope["type"] in ("http", "websocket") else ""
            if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                await api(scope, receive, send)
            else:
                await ui(scope, receive, send)

        # uvicorn's and Starlette's ASGI type stubs differ; both are plain ASGI 3.
        proxied = ProxyHeadersMiddleware(dispatch, trusted_hosts=list(settings.trusted_proxies))  # type: ignore[arg-type]
        return cast(ASGIApp, proxied)

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        if self.api is None:
            yield
            return
        async with self.api.lifespan():
            yield
