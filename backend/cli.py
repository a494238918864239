"""The ``emr`` command. Every sub-command has ``--help``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click

from backend.config import PROJECT_ROOT, get_settings
from backend.db import migrate


def database_url() -> str:
    """The configured server's URL, or the embedded server's after starting it."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    from backend.db.embedded import start_embedded

    click.echo(f"emr: embedded PostgreSQL in {settings.data_dir / 'pgdata'}", err=True)
    return start_embedded(settings.data_dir)


def prepared_database() -> str:
    """Start the database if needed, apply migrations, and export the URL to children."""
    url = database_url()
    migrate.upgrade(url)
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    return url


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Behavioral-health EMR: serve the app and administer its data."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, help="Port for the UI and the API.")
def run(host: str, port: int) -> None:
    """Serve the UI (at /) and the API (under /api/) on one port."""
    prepared_database()
    env = os.environ | reflex_env() | {"EMR_API_URL": f"http://127.0.0.1:{port}"}
    cmd = [
        sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port",
        "--backend-host", host, "--backend-port", str(port), "--loglevel", "warning",
    ]  # fmt: skip
    click.echo(f"emr: serving http://{host}:{port}/ (API at /api/v1, docs at /api/docs)", err=True)
    sys.exit(_supervise(subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env)))


def reflex_env() -> dict[str, str]:
    """What every Reflex command needs to build and run offline (see docs/development.md)."""
    return {
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "NPM_CONFIG_REGISTRY": os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org"),
        "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def _supervise(child: subprocess.Popen[bytes]) -> int:
    """Wait for ``child``, passing SIGINT/SIGTERM on so the database stops after it."""

    def forward(signum: int, _frame: object) -> None:
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return child.wait()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8100, show_default=True, help="Port for the API.")
@click.option("--workers", default=1, show_default=True, help="Worker processes.")
def api(host: str, port: int, workers: int) -> None:
    """Serve the API alone (no UI), after applying migrations."""
    import uvicorn

    prepared_database()
    # uvicorn re-raises SIGTERM after its graceful shutdown; exiting through SystemExit
    # instead of the default action lets the embedded database stop cleanly (atexit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    click.echo(f"emr: API on http://{host}:{port}/api/v1 (docs at /api/docs)", err=True)
    uvicorn.run(
        "backend.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


@main.group()
def db() -> None:
    """Database schema migrations."""


@db.command()
def upgrade() -> None:
    """Apply every pending migration."""
    url = database_url()
    migrate.upgrade(url)
    click.echo(f"at revision {migrate.current(url)}")


@db.command()
def current() -> None:
    """Print the revision the database is at."""
    click.echo(migrate.current(database_url()) or "empty (no migrations applied)")
