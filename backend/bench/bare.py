"""The framework's ceiling: a bare Litestar JSON endpoint, served the same way as the API
(``uvicorn --workers N``) so the ratio isolates what the EMR adds per request."""

from litestar import Litestar, get


@get("/bare", sync_to_thread=False)
def bare() -> dict[str, bool]:
    return {"ok": True}


app = Litestar([bare])
