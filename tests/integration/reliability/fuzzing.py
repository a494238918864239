"""Schemathesis against the real API, once for each role.

Used by ``test_fuzz.py`` (a bounded run in ``make test``) and by ``make fuzz`` (longer:
``python -m tests.integration.reliability.fuzzing --examples 50``). The organisation is
seeded with ``emr seed scale``; real identifiers of every kind are given to schemathesis
as dictionaries, so most generated requests reach the handlers' logic instead of a 404.
Each role's run is one ``st run`` with that role's token; signing out is run last, since
it ends the token's session.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from backend.db.embedded import start_embedded
from shared.enums import Role
from tests.helpers import emr, free_port, running

ST = str(Path(sys.executable).with_name("st"))
PASSWORD = "Fuzz-Horse-2026!"
LOGOUT = "/api/v1/auth/logout"
# Responses: no 5xx, bodies and content types as documented.
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"

# Path parameter -> the identifiers that exist for it (a few of each kind).
IDS = {
    "patient_id": "SELECT id::text FROM patient",
    "group_id": "SELECT id::text FROM therapy_group",
    "session_id": "SELECT id::text FROM group_session",
    "series_id": "SELECT id::text FROM series",
    "note_id": "SELECT id::text FROM group_note UNION ALL SELECT id::text FROM progress_note",
    "plan_id": "SELECT id::text FROM treatment_plan",
    "objective_id": "SELECT DISTINCT objective_id::text FROM progress_point",
    "medication_id": "SELECT id::text FROM medication",
    "rx_id": "SELECT id::text FROM prescription",
    "dose_id": "SELECT id::text FROM mar_dose",
    "order_id": "SELECT id::text FROM lab_order",
    "consent_id": "SELECT id::text FROM consent",
    "recipient_id": "SELECT id::text FROM consent_recipient",
    "charge_id": "SELECT id::text FROM charge",
    "batch_id": "SELECT id::text FROM claim_batch",
    "enrollment_id": "SELECT id::text FROM enrollment",
    "episode_id": "SELECT id::text FROM episode",
    "alert_id": "SELECT id::text FROM clinical_alert",
    "schedule_id": "SELECT id::text FROM assessment_schedule",
    "member_id": "SELECT id::text FROM care_team_member",
    "resource_id": "SELECT id::text FROM patient",
    "code": "SELECT code FROM service_code",
    # Not the fuzzers' own accounts: disabling them would end the other roles' runs.
    "user_id": "SELECT id::text FROM app_user WHERE username NOT LIKE 'fuzz-%'",
}
PER_KIND = 8


@dataclass
class Level:
    examples: int = 3
    phases: str = "examples,fuzzing"
    seed: int = 20261127
    workers: int = 1  # per run: hypothesis' lambda descriptions are not thread-safe on 3.11
    parallel: int = 2  # roles fuzzed at once (separate processes)


@dataclass
class RoleRun:
    role: str
    operations: int = 0  # in the schema
    tested: int = 0  # by this role's runs together
    failures: list[str] = field(default_factory=list)
    output: str = ""


async def known_ids(url: str) -> dict[str, list[str]]:
    connection = await asyncpg.connect(url)
    try:
        found = {}
        for name, sql in IDS.items():
            rows = await connection.fetch(f"{sql} ORDER BY 1 LIMIT {PER_KIND}")
            found[name] = [row[0] for row in rows]
        return found
    finally:
        await connection.close()


def config_text(ids: dict[str, list[str]]) -> str:
    """A schemathesis.toml: each kind of id drawn from the real ones 80 % of the time."""
    lines = []
    for name, values in ids.items():
        if values:
            lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    lines += [
        f'"path.{name}" = {{ dictionary = "{name}", probability = 0.8 }}'
        for name, values in ids.items()
        if values
    ]
    return "\n".join(lines) + "\n"


def sign_in(base_url: str, role: str) -> str:
    response = httpx.post(
        f"{base_url}/api/v1/auth/token",
        json={"username": f"fuzz-{role}", "password": PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def run_schemathesis(
    base_url: str, token: str, config: Path, report: Path, level: Level, *, logout: bool
) -> tuple[dict[str, object], str]:
    """One ``st run``: every operation but signing out, or signing out alone."""
    select = ["--include-path", LOGOUT] if logout else ["--exclude-path", LOGOUT]
    command = [
        ST,
        "--config-file",
        str(config),
        "run",
        f"{base_url}/api/schema/openapi.json",
        "-H",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(level.examples),
        "--phases",
        level.phases,
        "--seed",
        str(level.seed),
        "--workers",
        str(level.workers),
        "--request-timeout",
        "30",
        "--no-shrink",
        "--warnings",
        "off",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        *select,
    ]
    # Its cache (.schemathesis/) goes beside the report, not into the checkout.
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, cwd=report.parent)
    return json.loads(report.read_text()), done.stdout + done.stderr


def fuzz_role(
    base_url: str, token: str, config: Path, work: Path, level: Level, role: str
) -> RoleRun:
    """Every operation with this role's token; the failures schemathesis reports."""
    outcome = RoleRun(role)
    for logout in (False, True):
        report_path = work / f"{role}-{'logout' if logout else 'all'}.json"
        report, output = run_schemathesis(
            base_url, token, config, report_path, level, logout=logout
        )
        outcome.output += output
        operations = report["operations"]
        assert isinstance(operations, dict)
        if operations["errored"] or report["errors"]:
            outcome.failures.append(f"{role}: schemathesis errors {report['errors']}")
        for failure in report["failures"]:  # type: ignore[attr-defined]
            outcome.failures.append(
                f"{role}: {failure['code']} {failure['title']} on {failure['operations']}"
            )
        outcome.operations = int(operations["total"])
        outcome.tested += int(operations["tested"])
    return outcome


@contextmanager
def fuzz_server(work: Path) -> Iterator[tuple[str, str]]:
    """An embedded PostgreSQL with a small seeded organisation, a fuzz user for each role,
    and the real ``emr api`` on it. Yields (base URL, database URL)."""
    url = start_embedded(work / "pg", database="fuzz")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMR_")}
    env |= {
        "DATABASE_URL": url,
        "EMR_DATA_DIR": str(work / "var"),
        "EMR_MFA_REQUIRED_ROLES": "",
        "EMR_ACCESS_TOKEN_MINUTES": "240",
        "EMR_IDLE_TIMEOUT_MINUTES": "240",
        "EMR_SECRET_KEY": "fuzz-" + "k" * 40,
    }
    (work / "var").mkdir(parents=True, exist_ok=True)
    result = emr("seed", "scale", "--clients", "30", "--groups", "3", "--weeks", "2", env=env)
    assert result.returncode == 0, result.stderr
    for role in Role:
        created = emr(
            "users",
            "create",
            "--username",
            f"fuzz-{role.value}",
            "--password",
            PASSWORD,
            "--full-name",
            f"Fuzz {role.value.title()}",
            "--role",
            role.value,
            env=env,
        )
        assert created.returncode == 0, created.stderr
    port = free_port()
    with running(["api", "--port", str(port)], env, port, timeout=120) as (base_url, _):
        yield base_url, url


def fuzz(work: Path, level: Level) -> list[RoleRun]:
    with fuzz_server(work) as (base_url, url):
        config = work / "schemathesis.toml"
        config.write_text(config_text(asyncio.run(known_ids(url))))
        # Every token first: the runs fuzz sign-in too, which may rate-limit this address.
        tokens = {role.value: sign_in(base_url, role.value) for role in Role}
        with ThreadPoolExecutor(level.parallel) as pool:
            return list(
                pool.map(
                    lambda role: fuzz_role(base_url, tokens[role], config, work, level, role),
                    tokens,
                )
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=50)
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    parser.add_argument("--seed", type=int, default=Level.seed)
    options = parser.parse_args()
    level = Level(options.examples, options.phases, options.seed)
    with tempfile.TemporaryDirectory(prefix="emr-fuzz-") as work:
        runs = fuzz(Path(work), level)
    failures = [f for run in runs for f in run.failures]
    for run in runs:
        print(
            f"{run.role:12} {run.tested}/{run.operations} operations, {len(run.failures)} failures"
        )
        if run.failures:
            print(run.output)
    print("\n".join(failures) or "no failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
