"""``emr bench --explain``: the query plans of the hot paths. Each scenario's request runs
once in-process while its SQL statements (with their parameters) are captured; every
read among them is then run again under ``EXPLAIN (ANALYZE, BUFFERS)`` on the same data."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event

from backend.app import create_app
from backend.config import get_settings

# (label, method, path, body) of one representative request per scenario.
Request = tuple[str, str, str, dict[str, Any] | None]


async def plans(
    url: str,
    requests: list[tuple[str, Request]],
    sign_in: Callable[[httpx.AsyncClient, str], Awaitable[str]],
) -> str:
    """The plans of every read statement of ``requests`` (role, request), as text."""
    settings = replace(
        get_settings(),
        database_url=url,
        secret_key=uuid.uuid4().hex * 2,
        mfa_required_roles=frozenset(),
    )
    app = create_app(settings)
    captured: list[tuple[str, str, tuple[Any, ...]]] = []
    label = ""

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((label, statement, tuple(parameters or ())))

    out: list[str] = []
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        tokens: dict[str, str] = {}
        engine = app.state.engine.sync_engine
        for role, (name, method, path, body) in requests:
            if role not in tokens:
                tokens[role] = await sign_in(client, role)
            label = name
            event.listen(engine, "before_cursor_execute", capture)
            try:
                response = await client.request(
                    method, path, json=body, headers={"Authorization": f"Bearer {tokens[role]}"}
                )
            finally:
                event.remove(engine, "before_cursor_execute", capture)
            if response.status_code >= 400:
                raise RuntimeError(f"{name}: {response.status_code} {response.text[:200]}")
    conn = await asyncpg.connect(url)
    try:
        for name in dict.fromkeys(label for label, _, _ in captured):
            out.append(f"\n## {name}\n")
            # One transaction per request, replaying its settings (the search's set_config)
            # so each read is planned as it was in the request; rolled back afterwards.
            async with conn.transaction():
                for label, statement, parameters in captured:
                    if label != name:
                        continue
                    if "set_config(" in statement:
                        await conn.execute(statement, *parameters)
                        continue
                    head = statement.lstrip().split(None, 1)[0].upper()
                    if head not in ("SELECT", "WITH") or "INSERT INTO" in statement:
                        continue
                    rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", *parameters)
                    out.append("```sql\n" + " ".join(statement.split())[:600] + "\n```\n```")
                    out.extend(r[0] for r in rows)
                    out.append("```\n")
    finally:
        await conn.close()
    return "\n".join(out)
