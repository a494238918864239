"""The per-address limit on failed sign-ins and refreshes, kept in PostgreSQL so every API
worker sees the same count.

A fixed window per address (:func:`backend.accounts.rules.address_key`): the first
failure opens it, each later failure in it counts, and once ``auth_failures_per_address``
have failed, every attempt from the address is refused until the window ends. While
refused nothing is counted or hashed, so a flood costs one indexed read per request.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import AddressThrottle
from backend.accounts.rules import address_key
from backend.config import Settings
from backend.db.base import utcnow


def _window(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.auth_failure_window_minutes)


async def seconds_to_wait(session: AsyncSession, settings: Settings, ip: str | None) -> int:
    """How long ``ip`` must wait before its next attempt; 0 when it may try now."""
    throttle = await session.get(AddressThrottle, address_key(ip))
    if throttle is None or throttle.failures < settings.auth_failures_per_address:
        return 0
    remaining = throttle.window_started_at + _window(settings) - utcnow()
    return max(0, int(remaining.total_seconds()) + 1)


async def count_failure(session: AsyncSession, settings: Settings, ip: str | None) -> bool:
    """Count one failure of ``ip``; True when it is the one that reaches the limit."""
    now = utcnow()
    started, failures = col(AddressThrottle.window_started_at), col(AddressThrottle.failures)
    expired = started <= now - _window(settings)
    statement = (
        insert(AddressThrottle)
        .values(address=address_key(ip), window_started_at=now, failures=1)
        .on_conflict_do_update(
            index_elements=["address"],
            set_={
                "failures": case((expired, 1), else_=failures + 1),
                "window_started_at": case((expired, now), else_=started),
            },
        )
        .returning(failures)
    )
    counted = (await session.execute(statement)).scalar_one()
    return bool(counted == settings.auth_failures_per_address)
