"""A minimal HTTP/1.1 keep-alive client for the load generator.

Why not httpx or wrk: on a 2-core machine the load generator competes with the server for
CPU, so it must cost little per request (httpx spends more time per request than a bare
Litestar endpoint does); and the scenarios need per-request logic wrk's Lua makes awkward
(ETags carried from one save to the next, unique series dates, a fresh search term each
time). One persistent connection per simulated user, requests written and responses read
with asyncio streams: about 30 µs of client time per request.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

IDLE_SECONDS = 3.0


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Connection:
    host: str
    port: int
    headers: dict[str, str] = field(default_factory=dict)
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None
    _used: float = 0.0

    async def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Response:
        if self._writer is not None and time.monotonic() - self._used > IDLE_SECONDS:
            await self.close()  # the server drops idle keep-alive connections (uvicorn: 5 s)
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in (self.headers | (headers or {})).items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        try:
            return await self._read()
        except BaseException:
            await self.close()  # never reuse a connection left mid-response
            raise
        finally:
            self._used = time.monotonic()

    async def _read(self) -> Response:
        assert self._reader is not None
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        found = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                found[name.strip().lower()] = value.strip()
        if found.get("transfer-encoding") == "chunked":
            body = await self._chunks()
        else:
            body = await self._reader.readexactly(int(found.get("content-length", "0")))
        if found.get("connection") == "close":
            await self.close()
        return Response(int(status_line.split(" ", 2)[1]), found, body)

    async def _chunks(self) -> bytes:
        assert self._reader is not None
        parts = []
        while size := int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)
        await self._reader.readuntil(b"\r\n")
        return b"".join(parts)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._reader = None
