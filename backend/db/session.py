"""Engine and per-request sessions.

The engine is created inside the app's lifespan (asyncpg connections must not cross
event loops). Each request gets one session and one transaction: committed when the
handler returns, rolled back when it raises. Reports may read from a replica
(``EMR_REPORTS_DATABASE_URL``) through a second, read-only engine.

The app's engines fail fast: connecting, each statement and waiting for a pooled
connection are bounded (``EMR_DB_*_TIMEOUT``), and a failure to reach the server is raised
as :class:`DatabaseUnavailable`, so an outage becomes a 503 (see ``backend.lib.problems``)
rather than a hung or failed request. Every connection is pinged before use and dead ones
are replaced, so the app recovers by itself when the server is back.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast

from asyncpg import InterfaceError, PostgresError
from litestar import Litestar
from litestar.datastructures import State
from litestar.types import Scope
from sqlalchemy import event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.util.concurrency import await_
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.config import Settings, async_url

# The role the running app acts as (created by migration 0002). It may read and append
# audit events but never change or remove them; migrations run as the URL's own user.
APP_ROLE = "emr_app"


# SQLSTATEs of a server that cannot serve now: connection exceptions (class 08), shutting
# down or starting up (57P01-57P03), out of connection slots (53300).
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "53300")


class DatabaseUnavailable(Exception):
    """The database server could not be reached (refused, missing socket, timed out)."""


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be used right now (an outage, not a bug).

    Mid-statement disconnects arrive as a ``DBAPIError`` SQLAlchemy has marked
    ``connection_invalidated``; a server shutting down, as its SQLSTATE; a full pool as
    SQLAlchemy's pool timeout; a hung statement as ``TimeoutError`` (``command_timeout``).
    The prepared statements sent on the driver's connection (``backend.db.driver``) fail
    with asyncpg's own errors: the same SQLSTATEs, a closed connection or a reset socket."""
    if isinstance(error, DatabaseUnavailable | PoolTimeout | TimeoutError | ConnectionError):
        return True
    if isinstance(error, DBAPIError):
        state = getattr(error.orig, "sqlstate", None)
        return error.connection_invalidated or (
            isinstance(state, str) and state.startswith(_UNAVAILABLE_STATES)
        )
    if isinstance(error, PostgresError):
        return str(error.sqlstate).startswith(_UNAVAILABLE_STATES)
    return isinstance(error, InterfaceError) and "connection is closed" in str(error)


def _refused_as_unavailable(
    dialect: Dialect, _record: object, cargs: list[Any], cparams: dict[str, Any]
) -> Any:
    """Connecting fails with the OS's own errors (refused, no such socket, timed out), which
    would otherwise be indistinguishable from any other ``OSError``."""
    try:
        return dialect.connect(*cargs, **cparams)
    except (OSError, TimeoutError) as error:
        raise DatabaseUnavailable(f"cannot connect: {type(error).__name__}") from error


def _ping_within(seconds: float | None) -> Callable[[Any, Any, Any], None]:
    """Check a pooled connection before lending it out, waiting at most ``seconds``.

    Instead of SQLAlchemy's ``pool_pre_ping``, which waits out the statement timeout on a
    hung server, twice. A failed ping drops every pooled connection and the pool connects
    afresh (bounded by the connect timeout), so a request learns of an outage within two
    short waits, and the pool heals by itself once the server is back. A connection just
    opened is not pinged."""

    def ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.pop("fresh", False):
            return
        connection = dbapi_connection.driver_connection
        try:
            await_(connection.fetchrow(";", timeout=seconds))
        except Exception as error:
            connection.terminate()  # at once: closing politely would wait on the server
            raise InvalidatePoolError(f"ping failed: {type(error).__name__}") from error

    return ping


def _mark_fresh(_dbapi_connection: Any, record: Any) -> None:
    record.info["fresh"] = True


def make_engine(
    url: str,
    *,
    as_app: bool = False,
    read_only: bool = False,
    settings: Settings | None = None,
) -> AsyncEngine:
    """An engine for ``url``. With ``settings`` (the serving app) every wait is bounded by
    its timeouts; without (migrations, admin commands) only the drivers' defaults apply."""
    server_settings = {"role": APP_ROLE} if as_app else {}
    if read_only:
        server_settings["default_transaction_read_only"] = "on"
    connect_args: dict[str, Any] = {"server_settings": server_settings} if server_settings else {}
    limits: dict[str, Any] = {}
    ping_timeout = None
    if settings is not None:
        connect_args |= {
            "timeout": settings.db_connect_timeout,
            "command_timeout": settings.db_command_timeout,
        }
        limits["pool_timeout"] = settings.db_pool_timeout
        ping_timeout = settings.db_connect_timeout
    engine = create_async_engine(
        async_url(url),
        pool_size=10,
        max_overflow=10,
        connect_args=connect_args,
        # Statement parameters hold patient data: keep them out of errors and logs.
        hide_parameters=True,
        **limits,
    )
    event.listen(engine.sync_engine, "do_connect", _refused_as_unavailable)
    event.listen(engine.sync_engine.pool, "connect", _mark_fresh)
    event.listen(engine.sync_engine.pool, "checkout", _ping_within(ping_timeout))
    return engine


def session_factory(engine: AsyncEngine, settings: Settings) -> async_sessionmaker[AsyncSession]:
    """Sessions that carry ``settings`` (``session.info["settings"]``): the audit trail
    signs its events with their key, whichever entry point (API, ``emr``) made them."""
    return async_sessionmaker(
        engine, class_=AsyncSession, expire_on_commit=False, info={"settings": settings}
    )


def database_lifespan(
    settings: Settings,
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        assert settings.database_url
        engine = make_engine(settings.database_url, as_app=True, settings=settings)
        replica = settings.reports_database_url
        report_engine = (
            make_engine(replica, as_app=True, read_only=True, settings=settings)
            if replica
            else None
        )
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessions = session_factory(engine, settings)
        app.state.report_sessions = (
            session_factory(report_engine, settings) if report_engine else None
        )
        try:
            yield
        finally:
            await engine.dispose()
            if report_engine is not None:
                await report_engine.dispose()

    return lifespan


# Where a request's session waits between the sign-in check, which opens it, and the
# handler's ``db_session`` dependency, which takes it over (``scope["state"]``).
_REQUEST_SESSION = "emr_db_session"


def request_session(scope: Scope, sessions: async_sessionmaker[AsyncSession]) -> AsyncSession:
    """The request's one session (and so one pooled connection and one transaction),
    opened by whichever needs it first: the sign-in check, or the handler of a public
    route. Whoever opens it must call :func:`close_request_session` when the request ends."""
    state = scope.setdefault("state", {})
    session = state.get(_REQUEST_SESSION)
    if session is None:
        session = state[_REQUEST_SESSION] = sessions()
    return cast(AsyncSession, session)


async def close_request_session(scope: Scope) -> None:
    """Close the request's session if no handler took it over (a refusal, or a route that
    reads nothing): its transaction rolls back and its connection returns to the pool."""
    session = scope.get("state", {}).pop(_REQUEST_SESSION, None)
    if session is not None:
        await session.close()


async def provide_db_session(state: State, scope: Scope) -> AsyncGenerator[AsyncSession, None]:
    """The handler's session: the one the sign-in check already read through, if any.
    Committed when the handler returns, rolled back when it raises."""
    session = request_session(scope, state.sessions)
    del scope["state"][_REQUEST_SESSION]  # ours from here
    async with session:
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
