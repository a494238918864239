"""What the ``emr users`` and ``emr audit`` commands do, as plain async functions."""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts import service
from backend.accounts.models import User
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.db.session import make_engine
from backend.lib.problems import Problem
from shared.enums import Role
from shared.schemas.accounts import UserCreate, UserUpdate


def cli_actor() -> Actor:
    return Actor(user_id=None, username=f"cli:{getpass.getuser()}", ip="local", user_agent="emr")


@asynccontextmanager
async def transaction(url: str) -> AsyncIterator[AsyncSession]:
    engine = make_engine(url, as_app=True)
    try:
        sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        async with sessions() as session, session.begin():
            yield session
    finally:
        await engine.dispose()


async def _existing(session: AsyncSession, username: str) -> User:
    """The account, locked: the command's change queues behind an admin's edit in the API."""
    user = await service.user_by_name(session, username, lock=True)
    if user is None:
        raise Problem(404, f"No user named {username!r}.")
    return user


async def create_user(
    url: str, username: str, password: str, roles: list[str], full_name: str
) -> User:
    data = UserCreate(
        username=username, password=password, roles=[Role(r) for r in roles], full_name=full_name
    )
    async with transaction(url) as session:
        return await service.create_user(session, cli_actor(), data)


async def reset_password(url: str, username: str, password: str) -> None:
    async with transaction(url) as session:
        user = await _existing(session, username)
        await service.set_password(session, cli_actor(), user, password, field="password")


async def disable_user(url: str, username: str) -> None:
    async with transaction(url) as session:
        user = await _existing(session, username)
        await service.update_user(session, cli_actor(), user, UserUpdate(disabled=True))


async def verify_audit(url: str) -> tuple[int, tuple[int, str] | None]:
    engine = make_engine(url)
    try:
        async with async_sessionmaker(engine, class_=AsyncSession)() as session:
            return await audit.verify(session)
    finally:
        await engine.dispose()
