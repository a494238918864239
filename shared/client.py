"""Typed async client of the EMR API, used by the UI, tests and scripts.

Every non-2xx answer raises :class:`ApiError` carrying the RFC 9457 problem document,
so callers show ``error.detail`` to the user instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from shared.schemas.system import HealthRead


@dataclass
class ApiError(Exception):
    status: int
    title: str
    detail: str
    problem: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        if not isinstance(problem, dict):
            problem = {}
        return cls(
            status=response.status_code,
            title=str(problem.get("title") or response.reason_phrase),
            detail=str(problem.get("detail") or response.text[:200]),
            problem=problem,
        )


class EmrClient:
    def __init__(self, base_url: str, *, token: str | None = None, timeout: float = 10.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout)

    async def __aenter__(self) -> EmrClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError(0, "API unreachable", f"Cannot reach the API: {exc}") from exc
        if response.is_error:
            raise ApiError.from_response(response)
        return response

    async def health(self) -> HealthRead:
        response = await self._request("GET", "/api/v1/health")
        return HealthRead.model_validate(response.json())
