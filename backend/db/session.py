"""Engine and per-request sessions.

The engine is created inside the app's lifespan (asyncpg connections must not cross
event loops). Each request gets one session and one transaction: committed when the
handler returns, rolled back when it raises.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.config import async_url


def make_engine(url: str) -> AsyncEngine:
    return create_async_engine(async_url(url), pool_pre_ping=True, pool_size=10, max_overflow=10)


def database_lifespan(url: str):
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = make_engine(url)
        app.state.engine = engine
        app.state.sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        try:
            yield
        finally:
            await engine.dispose()

    return lifespan


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    async with state.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
