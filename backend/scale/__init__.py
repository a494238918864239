"""``emr seed scale``: a realistic organisation of any size, generated inside PostgreSQL
with set-based statements (INSERT … SELECT over generate_series), for benchmarks and
load tests.

Deterministic: every id comes from ``md5(seed/kind/key)`` and every random choice from a
hash of the row's own key, never from ``random()`` or row order, so the same seed on the
same day gives the same rows, ids included, whatever plan or parallelism PostgreSQL
picks. Dates are relative to the run day: sessions cover the ``weeks`` weeks ending
yesterday, and the next two weeks are scheduled but not yet documented.

Staff sign in with :data:`SCALE_PASSWORD` as ``scale-<role>-<NNN>`` (``scale-clinician-001``
…; clinicians ``001`` to ``ceil(groups / 10)`` facilitate the groups, the others carry
individual caseloads), ``scale-supervisor-001``, ``scale-coordinator-001``,
``scale-biller-001``.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from backend.accounts.passwords import hash_password
from backend.patients.episodes import REVIEW_DAYS
from backend.scale import (
    bulk,
    clients,
    notes,
    organisation,
    outcomes,
    plans,
    reference,
    schedule,
)
from backend.scale.vocabulary import FAMILY, FEMALE, GIVEN, MALE, texts
from shared.enums import LevelOfCare

SCALE_PASSWORD = "Scale-Bench-2026!"  # noqa: S105 (published: benchmarks sign in with it)
CAPACITY = 12
SESSION_MINUTES = 60
GROUPS_PER_FACILITATOR = 10
CASELOAD = 40  # clients per clinician
STATEMENTS = (
    organisation.STATEMENTS
    + clients.STATEMENTS
    + schedule.STATEMENTS
    + notes.STATEMENTS
    + outcomes.STATEMENTS
)
_PLACEHOLDER = re.compile(r"""(?<![:\w'"]):([a-z_]+)\b""")
_INSERT = re.compile(r"^\s*INSERT INTO (\w+)")
TABLES = [m.group(1) for m in map(_INSERT.match, STATEMENTS) if m]
# Steps for walking the name combinations: primes, so one is coprime with their count.
_NAME_STEPS = (7919, 7927, 7933, 7937, 7949, 7951, 7963, 7993)


class OrganisationExists(RuntimeError):
    """The database already holds patients: generated data would mix with them."""


@dataclass(frozen=True)
class Staffing:
    facilitators: int
    clinicians: int
    supervisors: int
    coordinators: int
    billers: int

    @classmethod
    def for_size(cls, clients: int, groups: int) -> Staffing:
        facilitators = math.ceil(groups / GROUPS_PER_FACILITATOR)
        clinicians = max(facilitators, math.ceil(clients / CASELOAD))
        return cls(
            facilitators=facilitators,
            clinicians=clinicians,
            supervisors=math.ceil(clinicians / 10),
            coordinators=math.ceil(clients / 1000),
            billers=math.ceil(clients / 2000),
        )


def _name_walk(seed: int) -> tuple[int, int]:
    """(step, offset) visiting every given x family name combination once before repeating, so
    up to that many clients have distinct full names."""
    combinations = len(GIVEN) * len(FAMILY)
    digest = int(hashlib.md5(f"names/{seed}".encode(), usedforsecurity=False).hexdigest(), 16)
    steps = [s for s in _NAME_STEPS if math.gcd(s, combinations) == 1]
    return steps[digest % len(steps)], digest % combinations


def _values(
    clients: int, groups: int, weeks: int, seed: int, timezone: str, today: date
) -> dict[str, str]:
    """What each ``:name`` in the statements stands for: numbers, dates and literals of our
    own constants only (nothing a user typed reaches the SQL text)."""
    staff = Staffing.for_size(clients, groups)
    therapists = staff.clinicians - staff.facilitators
    step, offset = _name_walk(seed)

    def day(value: date) -> str:
        return f"date '{value.isoformat()}'"

    def literal(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    numbers = {
        "seed": seed,
        "clients": clients,
        "groups": groups,
        "capacity": CAPACITY,
        "duration": SESSION_MINUTES,
        "facilitators": staff.facilitators,
        "clinicians": staff.clinicians,
        "supervisors": staff.supervisors,
        "coordinators": staff.coordinators,
        "billers": staff.billers,
        "caseload_first": staff.facilitators + 1 if therapists else 1,
        "caseload_clinicians": therapists or staff.clinicians,
        "name_step": step,
        "name_offset": offset,
        "given_count": len(GIVEN),
        "family_count": len(FAMILY),
        "female_count": len(FEMALE),
        "male_count": len(MALE),
        "review_iop": REVIEW_DAYS[LevelOfCare.IOP],
        "review_php": REVIEW_DAYS[LevelOfCare.PHP],
        "review_outpatient": REVIEW_DAYS[LevelOfCare.OUTPATIENT],
    }
    return (
        {name: str(value) for name, value in numbers.items()}
        | {
            "first_day": day(today - timedelta(weeks=weeks)),
            "last_day": day(today - timedelta(days=1)),
            "today": day(today),
            "horizon": day(today + timedelta(days=13)),
            "zone": literal(timezone),
            "node_placeholder": literal(plans.NODE_PREFIX),
            "clinician_placeholder": literal(str(plans.CLINICIAN)),
            "date_placeholder": literal(plans.TARGET_DATE.isoformat()),
        }
        | texts()
    )


def bind(statement: str, values: dict[str, str]) -> str:
    """The statement with each ``:name`` replaced (an unknown name is a KeyError)."""
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], statement)


def _check(clients: int, groups: int, weeks: int, seed: int, timezone: str) -> None:
    ZoneInfo(timezone)  # an unknown zone raises here, before anything is written
    if min(clients, groups, weeks) < 1 or seed < 0:
        raise ValueError("clients, groups and weeks must be at least 1, the seed at least 0")
    if clients > groups * CAPACITY * weeks:
        raise ValueError(
            f"{clients} clients cannot all take a turn in {groups} groups of {CAPACITY} over "
            f"{weeks} weeks: at most {groups * CAPACITY * weeks}"
        )


async def seed_scale(
    url: str,
    *,
    clients: int = 5000,
    groups: int = 200,
    weeks: int = 52,
    seed: int = 42,
    timezone: str = "America/New_York",
    today: date | None = None,
) -> dict[str, int]:
    """Generate the organisation into the empty database at ``url`` (libpq or SQLAlchemy
    form) in one transaction, then ANALYZE; return the rows inserted per table.

    Raises :class:`OrganisationExists` if patients exist, ``ValueError`` for sizes that
    cannot fit. ``today`` defaults to today in ``timezone`` (an IANA zone name).
    """
    _check(clients, groups, weeks, seed, timezone)
    today = today or datetime.now(ZoneInfo(timezone)).date()
    values = _values(clients, groups, weeks, seed, timezone, today)
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM patient)"):
            raise OrganisationExists("This database already holds patients.")
        counts: dict[str, int] = {}
        async with conn.transaction():
            await conn.execute(
                "SELECT set_config('TimeZone', $1, true), set_config('DateStyle', 'ISO', true),"
                " set_config('work_mem', '256MB', true),"
                " set_config('synchronous_commit', 'off', true),"
                " set_config('scale.password_hash', $2, true)",
                timezone,
                hash_password(SCALE_PASSWORD),
            )
            await reference.load(conn)
            deferred = await bulk.set_aside(conn, TABLES)
            for statement in STATEMENTS:
                status = await conn.execute(bind(statement, values))
                inserted = _INSERT.match(statement)
                if inserted:
                    table = inserted.group(1)
                    counts[table] = counts.get(table, 0) + int(status.split()[-1])
            await bulk.restore(conn, deferred)
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence('patient', 'mrn_number'), max(mrn_number))"
                " FROM patient"
            )
        await conn.execute(f"ANALYZE {', '.join(sorted(set(TABLES)))}")
        return counts
    finally:
        await conn.close()
