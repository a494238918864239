"""Browser-facing hardening headers for the API (a Litestar ``before_send`` hook) and the
UI pages (an ASGI wrapper), and the same-origin check on the UI's websocket.

A ``before_send`` hook rather than route middleware: Litestar runs route middleware only
for matched routes, and a 404, a 405 or a CORS preflight must carry the headers too.
HSTS goes out only over TLS, as the request's scheme says once a trusted proxy's
``X-Forwarded-Proto`` is applied (uvicorn's ``ProxyHeadersMiddleware``, trusting only
``EMR_TRUSTED_PROXIES``; see backend/app.py and backend/asgi.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message as LitestarMessage
from litestar.types import Scope as LitestarScope
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000; includeSubDomains"
_COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI: its own scripts (served from /api/docs/assets), its stylesheet and the
# style attributes it sets while rendering, its inline SVG icons, and the OpenAPI
# document and "Try it out" requests it fetches.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none';"
    " form-action 'none'"
)
# Reflex's Next.js bundle evaluates generated code and inline styles, and talks to its
# backend over a websocket on the same origin.
UI_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval';"
    " style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:;"
    " connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self';"
    " form-action 'self'; object-src 'none'"
)
DOCS_PREFIX = "/api/docs"
PATIENT_DATA_PREFIX = "/api/v1/"


def _apply(headers: MutableScopeHeaders | MutableHeaders, scheme: str, csp: str) -> None:
    for name, value in _COMMON.items():
        headers[name] = value
    headers["Content-Security-Policy"] = csp
    if scheme == "https":
        headers["Strict-Transport-Security"] = HSTS


async def api_security_headers(message: LitestarMessage, scope: LitestarScope) -> None:
    """Litestar ``before_send`` hook. Answers under /api/v1 are never stored by a browser
    or proxy cache: they carry patient data, or say who may see it."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    path = scope["path"]
    _apply(headers, scope["scheme"], DOCS_CSP if path.startswith(DOCS_PREFIX) else API_CSP)
    if path.startswith(PATIENT_DATA_PREFIX):
        headers["Cache-Control"] = "no-store"


def ui_security_headers(app: ASGIApp, allowed_origins: Sequence[str]) -> ASGIApp:
    """Headers on the UI's pages and assets. The UI's websocket is refused to pages of other
    origins (cross-site websocket hijacking: a foreign page driving sign-in events) unless
    ``allowed_origins`` names them."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not _same_origin(scope, allowed_origins):
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                _apply(headers, scope["scheme"], UI_CSP)
                # Reflex adds an allow-every-origin CORS layer around its own routes; the
                # outer one, built from EMR_CORS_ORIGINS (frontend/frontend.py), decides.
                for name in ("access-control-allow-origin", "access-control-allow-credentials"):
                    del headers[name]
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


def _same_origin(scope: Scope, allowed_origins: Sequence[str]) -> bool:
    """A websocket handshake without ``Origin`` comes from no browser page; one with it must
    name the host the browser addressed (ports aside: proxies often pass ``Host`` without
    one) or a configured origin."""
    headers = dict(scope["headers"])
    origin = headers.get(b"origin", b"").decode("latin-1")
    if not origin or origin.rstrip("/") in allowed_origins:
        return True
    host = urlsplit("//" + headers.get(b"host", b"").decode("latin-1")).hostname
    return host is not None and urlsplit(origin).hostname == host
