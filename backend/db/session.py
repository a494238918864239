"""Engine and per-request sessions.

The engine is created inside the app's lifespan (asyncpg connections must not cross
event loops). Each request gets one session and one transaction: committed when the
handler returns, rolled back when it raises. Reports may read from a replica
(``EMR_REPORTS_DATABASE_URL``) through a second, read-only engine.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.config import Settings, async_url

# The role the running app acts as (created by migration 0002). It may read and append
# audit events but never change or remove them; migrations run as the URL's own user.
APP_ROLE = "emr_app"


def make_engine(url: str, *, as_app: bool = False, read_only: bool = False) -> AsyncEngine:
    server_settings = {"role": APP_ROLE} if as_app else {}
    if read_only:
        server_settings["default_transaction_read_only"] = "on"
    return create_async_engine(
        async_url(url),
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        connect_args={"server_settings": server_settings} if server_settings else {},
        # Statement parameters hold patient data: keep them out of errors and logs.
        hide_parameters=True,
    )


def _sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def database_lifespan(
    settings: Settings,
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        assert settings.database_url
        engine = make_engine(settings.database_url, as_app=True)
        replica = settings.reports_database_url
        report_engine = make_engine(replica, as_app=True, read_only=True) if replica else None
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessions = _sessions(engine)
        app.state.report_sessions = _sessions(report_engine) if report_engine else None
        try:
            yield
        finally:
            await engine.dispose()
            if report_engine is not None:
                await report_engine.dispose()

    return lifespan


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    async with state.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def provide_report_session(
    state: State, db_session: AsyncSession
) -> AsyncGenerator[AsyncSession, None]:
    """The session a report's query reads through: the replica's when one is configured,
    else the request's own. Writes (the audit event of the read) stay on ``db_session``."""
    if state.report_sessions is None:
        yield db_session
        return
    async with state.report_sessions() as session:
        yield session
