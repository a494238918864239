"""The ``emr`` command. Every sub-command has ``--help``."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from backend import admin
from backend.config import PROJECT_ROOT, Settings, audit_key_problems, get_settings
from backend.db import migrate
from backend.lib.problems import Problem
from shared.enums import Role

T = TypeVar("T")


def database_url() -> str:
    """The configured server's URL, or the embedded server's after starting it."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    from backend.db.embedded import start_embedded

    click.echo(f"emr: embedded PostgreSQL in {settings.data_dir / 'pgdata'}", err=True)
    return start_embedded(settings.data_dir)


def prepared_database() -> str:
    """Start the database if needed, apply migrations, and export the URL (and the keys)
    to the server processes."""
    settings = get_settings()
    if settings.production:
        _require_production_keys(settings)
    url = database_url()
    migrate.upgrade(url)
    os.environ["DATABASE_URL"] = url
    _development_keys(settings)
    _run(admin.seal_audit(url))
    return url


def _require_production_keys(settings: Settings) -> None:
    """In production the keys come from the environment only: a generated one would live
    on disk beside the data, and differ between machines."""
    from backend.accounts.rules import signing_key_problems

    problems = [f"EMR_SECRET_KEY {p}" for p in signing_key_problems(settings.secret_key)]
    problems += audit_key_problems(settings)
    problems += [f"EMR_AUDIT_KEY {p}" for p in signing_key_problems(settings.audit_key)]
    if settings.audit_key and settings.audit_key == settings.secret_key:
        problems.append("EMR_AUDIT_KEY must differ from EMR_SECRET_KEY")
    if problems:
        raise click.ClickException(
            f"EMR_ENV=production: {'; '.join(dict.fromkeys(problems))}. Set random keys "
            "of 32+ characters in the environment, the same on every machine, e.g. from: "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))' (docs/security.md)"
        )


def _development_keys(settings: Settings) -> None:
    """Keys kept beside the data when the environment names none, so sessions survive
    restarts and the audit trail verifies (development only: production refuses to start
    without them). Several machines behind one load balancer must share the keys instead."""
    if not settings.secret_key:
        os.environ["EMR_SECRET_KEY"] = _stored_key(settings.data_dir / "secret_key")
    if not settings.audit_key:
        os.environ["EMR_AUDIT_KEY"] = _stored_key(settings.data_dir / "audit_key")
    get_settings.cache_clear()


def _stored_key(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run an admin task; business errors print their detail and exit 1."""
    try:
        return asyncio.run(coroutine)
    except (Problem, ValidationError) as error:
        raise click.ClickException(getattr(error, "detail", None) or str(error)) from error


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
        sys.executable,
        "-m",
        "reflex",
        "run",
        "--env",
        "prod",
        "--single-port",
        "--backend-host",
        host,
        "--backend-port",
        str(port),
        "--loglevel",
        "warning",
    ]
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
        # A new worker imports the whole app before it can answer the supervisor's health
        # check; on a busy 2-core machine that takes longer than uvicorn's default 5 s.
        timeout_worker_healthcheck=30,
        # The client address and scheme come from X-Forwarded-* only behind these proxies.
        forwarded_allow_ips=list(get_settings().trusted_proxies),
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


@main.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--full-name", default="", help="Shown in notes and signatures.")
def users_create(username: str, password: str, roles: tuple[str, ...], full_name: str) -> None:
    """Create a user with one or more roles."""
    url = prepared_database()
    user = _run(admin.create_user(url, username, password, list(roles), full_name))
    click.echo(f"created {user.username} ({', '.join(user.roles)})")


@users.command("reset-password")
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_reset_password(username: str, password: str) -> None:
    """Set a new password and end the user's sessions."""
    _run(admin.reset_password(prepared_database(), username, password))
    click.echo(f"password reset for {username}")


@users.command("disable")
@click.option("--username", required=True)
def users_disable(username: str) -> None:
    """Disable an account and end its sessions (the history stays)."""
    _run(admin.disable_user(prepared_database(), username))
    click.echo(f"disabled {username}")


@main.group()
def audit() -> None:
    """The tamper-evident audit trail."""


@audit.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also check that every chain still reaches this checkpoint (emr audit checkpoint).",
)
def audit_verify(checkpoint_file: Path | None) -> None:
    """Walk every hash chain: exit 0 if intact, 1 naming the first broken event."""
    from backend.audit import rules

    url = prepared_database()
    pins, taken_at = None, None
    if checkpoint_file:
        try:
            document = json.loads(checkpoint_file.read_text())
            pins = rules.checkpoint_pins(document, get_settings().audit_keys)
        except (ValueError, rules.CheckpointError) as error:
            raise click.ClickException(f"checkpoint {checkpoint_file} {error}") from error
        taken_at = document["taken_at"]
    found = _run(admin.verify_audit(url, pins))
    if found.broken:
        event_id = found.broken.event_id
        where = f"event {event_id}" if event_id else f"chain {found.broken.chain}"
        click.echo(f"BROKEN at {where}: {found.broken.why} ({found.checked} events read)")
        sys.exit(1)
    reached = f", every chain reaches the checkpoint of {taken_at}" if taken_at else ""
    click.echo(f"ok {found.checked} events{reached}")


@audit.command("checkpoint")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the checkpoint here (default: print it).",
)
def audit_checkpoint(out: Path | None) -> None:
    """Verify the chains, then write a signed checkpoint (JSON) of how far each reaches.
    Keep it away from the database: `emr audit verify --checkpoint FILE` then catches
    deleted newest events and a database rolled back to an older copy."""
    url = prepared_database()
    try:
        document = _run(admin.audit_checkpoint(url))
    except ValueError as error:
        raise click.ClickException(f"no checkpoint written: {error}") from error
    text = json.dumps(document, indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text)
    click.echo(f"checkpoint of {document['events']} events written to {out}", err=True)


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_(file: Path) -> None:
    """Write the whole database to FILE (pg_dump custom format, mode 0600): schema, data,
    grants and the audit trail. Safe while the app runs (docs/operations.md)."""
    from backend.db import backup

    system_first = not get_settings().embedded
    try:
        found = asyncio.run(backup.backup(database_url(), file, system_first=system_first))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    size = file.stat().st_size / 1_048_576
    click.echo(f"backed up {found.database} to {file} ({size:.1f} MB): {found.describe()}")


@main.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that is not empty.")
def restore(file: Path, force: bool) -> None:
    """Load FILE (made by `emr backup`) into an empty database, all or nothing. Then run
    `emr audit verify` (docs/operations.md)."""
    from backend.db import backup

    system_first = not get_settings().embedded
    try:
        archive = backup.open_archive(file, system_first=system_first)
        found = asyncio.run(backup.restore(database_url(), archive, force=force))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"restored {file} into {found.database}: {found.describe()}")


@main.group()
def seed() -> None:
    """Demonstration data."""


def _refuse_in_production(command: str) -> None:
    if get_settings().production:
        raise click.ClickException(
            f"emr {command} creates accounts with published passwords: refused when "
            "EMR_ENV=production."
        )


@seed.command("demo")
@click.option("--force", is_flag=True, help="Seed even if the database holds real patients.")
@click.option("--if-empty", is_flag=True, help="Only seed a database without users yet.")
def seed_demo(force: bool, if_empty: bool) -> None:
    """Programs, staff (demo passwords printed once) and 30 clients. Safe to rerun."""
    from backend.seed import RealDataError, has_users
    from backend.seed import seed_demo as run_seed

    _refuse_in_production("seed demo")
    url = prepared_database()
    if if_empty and asyncio.run(has_users(url)):
        click.echo("database already has users: no demo data added")
        return
    try:
        report = asyncio.run(run_seed(url, force=force))
    except RealDataError as error:
        raise click.ClickException(f"{error} Refusing to add demo data; use --force.") from error
    for username, role, password in report.created_users:
        click.echo(f"user {username:<18} role {role:<12} password {password}")
    if report.already_seeded:
        click.echo("demo data already present: nothing added")
    else:
        click.echo(f"seeded {report.patients} demo clients")


@seed.command("scale")
@click.option("--clients", default=5000, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--groups", default=200, show_default=True, type=click.IntRange(min=1), help="Of 12 places."
)
@click.option(
    "--weeks",
    default=52,
    show_default=True,
    type=click.IntRange(min=1),
    help="Of history, ending yesterday (the next two weeks are scheduled too).",
)
@click.option(
    "--seed",
    "seed_value",
    default=42,
    show_default=True,
    type=click.IntRange(min=0),
    help="The same seed on the same day gives the same data.",
)
def seed_scale(clients: int, groups: int, weeks: int, seed_value: int) -> None:
    """A realistic organisation of any size, for benchmarks: staff, groups, sessions,
    attendance, notes, plans, measures and charges. Needs a database without patients."""
    import time

    from backend.scale import SCALE_PASSWORD, OrganisationExists
    from backend.scale import seed_scale as generate

    _refuse_in_production("seed scale")
    url = prepared_database()
    started = time.perf_counter()
    try:
        counts = asyncio.run(
            generate(
                url,
                clients=clients,
                groups=groups,
                weeks=weeks,
                seed=seed_value,
                timezone=get_settings().timezone,
            )
        )
    except OrganisationExists as error:
        raise click.ClickException(
            f"{error} Refusing to add generated data: use an empty database "
            "(for example EMR_DATA_DIR=/tmp/emr-scale)."
        ) from error
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    for table, rows in counts.items():
        click.echo(f"{table:<22}{rows:>10}")
    click.echo(f"{'total':<22}{sum(counts.values()):>10}")
    click.echo(f"seeded in {time.perf_counter() - started:.1f} s")
    click.echo(f"staff sign in as scale-clinician-001 (and so on) with {SCALE_PASSWORD}")


@main.command()
@click.option("--workers", default=2, show_default=True, help="API worker processes.")
@click.option("--concurrency", default=8, show_default=True, help="Simulated users under load.")
@click.option("--seconds", default=5.0, show_default=True, help="Load phase per scenario.")
@click.option("--rounds", default=200, show_default=True, help="Timed requests, one user.")
@click.option("--clients", default=5000, show_default=True)
@click.option("--groups", default=200, show_default=True)
@click.option("--weeks", default=52, show_default=True)
@click.option("--reuse", is_flag=True, help="Keep the last bench database (skip the seed).")
@click.option("--explain", is_flag=True, help="Also write the hot queries' plans.")
@click.option("--only", default="", help="Only the scenarios whose name contains this text.")
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Results file (default <EMR_DATA_DIR>/bench/results.json).",
)
def bench(
    workers: int,
    concurrency: int,
    seconds: float,
    rounds: int,
    clients: int,
    groups: int,
    weeks: int,
    reuse: bool,
    explain: bool,
    only: str,
    json_path: Path | None,
) -> None:
    """Seed a clinic (`emr seed scale`) into the bench's own embedded database, serve the
    API with N workers and measure every scenario against two baselines: a bare Litestar
    endpoint and a raw asyncpg primary-key query (docs/performance.md)."""
    import time

    from backend.bench import run as bench_run
    from backend.scale import seed_scale as generate

    _development_keys(get_settings())
    home = get_settings().data_dir / "bench"
    url, fresh = bench_run.bench_database(home, reuse=reuse)
    if fresh:
        started = time.perf_counter()
        counts = asyncio.run(generate(url, clients=clients, groups=groups, weeks=weeks))
        click.echo(
            f"seeded {sum(counts.values()):,} rows ({counts['patient']:,} clients) "
            f"in {time.perf_counter() - started:.0f} s",
            err=True,
        )
        bench_run.settle(url)
    options = bench_run.Options(
        workers=workers, concurrency=concurrency, seconds=seconds, rounds=rounds, only=only
    )
    results = bench_run.run(url, options, json_path or home / "results.json", explain=explain)
    if any(r.errors for r in results):
        sys.exit(1)


@main.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--source-system", required=True, help="Name of the system the data comes from.")
@click.option("--dry-run", is_flag=True, help="Validate and count; write nothing.")
@click.option("--as-user", default=None, help="Create records as this user (default: an admin).")
def import_(path: Path, source_system: str, dry_run: bool, as_user: str | None) -> None:
    """Import clients from a FHIR Bundle (.json) or a folder of CSV templates
    (docs/import.md). Re-running changes nothing; any problem and nothing is written."""
    from backend.interop.import_cli import import_path, read_path

    url = prepared_database()
    try:
        found = read_path(path)
    except Problem as error:
        raise click.ClickException(error.detail) from error
    with click.progressbar(length=len(found.records), label="importing", file=sys.stderr) as bar:
        report = _run(
            import_path(
                url,
                found,
                source_system,
                dry_run=dry_run,
                username=as_user,
                on_record=lambda _: bar.update(1),
            )
        )
    click.echo(f"{'entity':<12}{'in_file':>9}{'created':>9}{'unchanged':>11}{'failed':>8}")
    for entity, c in report.counts.items():
        row = f"{c['in_file']:>9}{c['created']:>9}{c['unchanged']:>11}{c['failed']:>8}"
        click.echo(f"{entity:<12}{row}")
    for p in report.problems:
        click.echo(f"{p['file']}:{p['row']} {p['field']}: {p['problem']}", err=True)
    if report.problems:
        sys.exit(1)
