"""Benchmark (a script, not a test): seed one year of a 500-client clinic straight into
PostgreSQL with bulk INSERT … SELECT statements (programs, groups meeting three times a
week, attendance, group and progress notes, assessments, plans, charges), then time every
report through the API against GET /api/v1/health in the same run.

    .venv/bin/python -m tests.bench.bench_reports [--rounds 10] [--clients 500]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import replace
from datetime import date, timedelta

import asyncpg
from litestar.testing import AsyncTestClient

from backend import admin
from backend.app import create_app
from backend.config import get_settings
from tests.bench.bench_series import PASSWORD, _percentile, _time, prepare

ZONE = "America/New_York"
CLIENTS_PER_GROUP = 10
CLINICIANS = 20

# Statements run on one connection, so the temporary tables numbering the rows (staff, prog,
# pt, grp: n → id) last for the whole seeding; :names are replaced by the run's numbers.
SEED = [
    """INSERT INTO app_user (id, username, full_name, password_hash, roles, disabled,
           mfa_enabled, created_at, password_changed_at, version)
       SELECT gen_random_uuid(), 'bench-c' || lpad(i::text, 2, '0'), 'Clinician ' || i, '!',
           ARRAY['clinician'], false, false, now(), now(), 1
       FROM generate_series(2, :clinicians) i""",
    """CREATE TEMP TABLE staff AS SELECT (row_number() OVER (ORDER BY username) - 1)::int AS n,
           id FROM app_user WHERE 'clinician' = ANY(roles)""",
    """INSERT INTO program (id, name, level_of_care, part2, active, plan_review_days,
           plan_approval_required, per_diem_code)
       SELECT gen_random_uuid(), name, level, false, true, 90, false, ''
       FROM (VALUES ('Bench IOP', 'iop'), ('Bench PHP', 'php'),
                    ('Bench Outpatient', 'outpatient')) p(name, level)""",
    """CREATE TEMP TABLE prog AS SELECT (row_number() OVER (ORDER BY name) - 1)::int AS n, id,
           level_of_care FROM program""",
    """INSERT INTO patient (id, given_name, middle_name, family_name, preferred_name, pronouns,
           birth_date, sex_at_birth, gender_identity, email, phones, address,
           emergency_contacts, insurance, external_ids, status, search_name, phone_digits,
           created_at, updated_at, version)
       SELECT gen_random_uuid(), 'Client', '', 'Bench' || i, '', '', date '1970-01-01' + i * 13,
           'unknown', '', '', '[]', '{}', '[]', '[]', '[]', 'active', 'client bench' || i, '',
           now(), now(), 1
       FROM generate_series(0, :clients - 1) i""",
    """CREATE TEMP TABLE pt AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id
       FROM patient""",
    """INSERT INTO care_team_member (id, patient_id, user_id, role, added_at)
       SELECT gen_random_uuid(), pt.id, staff.id, 'primary_clinician', now()
       FROM pt JOIN staff ON staff.n = pt.n % :clinicians""",
    """INSERT INTO therapy_group (id, name, kind, program_id, level_of_care, capacity,
           open_enrollment, facilitator_ids, duration_minutes, service_code, note_template,
           version)
       SELECT gen_random_uuid(), 'Bench group ' || lpad(g::text, 3, '0'), 'group', prog.id,
           prog.level_of_care, 12, true, ARRAY[staff.id], 60, '90853', '{}', 1
       FROM generate_series(0, :groups - 1) g JOIN prog ON prog.n = g % 3
       JOIN staff ON staff.n = g % :clinicians""",
    """CREATE TEMP TABLE grp AS SELECT (row_number() OVER (ORDER BY name) - 1)::int AS n, id,
           program_id, facilitator_ids FROM therapy_group""",
    """INSERT INTO episode (id, patient_id, program_id, level_of_care, admitted_on,
           discharged_on, version)
       SELECT gen_random_uuid(), pt.id, grp.program_id, prog.level_of_care, :first_day + pt.n % 60,
           CASE WHEN pt.n % 10 < 3
                THEN least(:last_day, :first_day + pt.n % 60 + 120 + pt.n % 150) END, 1
       FROM pt JOIN grp ON grp.n = pt.n % :groups JOIN prog ON prog.id = grp.program_id""",
    """INSERT INTO enrollment (id, group_id, patient_id, from_date, status, created_at, version)
       SELECT gen_random_uuid(), grp.id, pt.id, :first_day, 'enrolled', now(), 1
       FROM pt JOIN grp ON grp.n = pt.n % :groups""",
    """INSERT INTO group_session (id, group_id, starts_at, ends_at, facilitator_ids, timezone,
           status, moved, version)
       SELECT gen_random_uuid(), grp.id,
           (d + make_time(8 + grp.n % 8, 0, 0)) AT TIME ZONE 'America/New_York',
           (d + make_time(9 + grp.n % 8, 0, 0)) AT TIME ZONE 'America/New_York',
           grp.facilitator_ids, 'America/New_York',
           CASE WHEN random() < 0.02 THEN 'cancelled' ELSE 'scheduled' END, false, 1
       FROM grp CROSS JOIN generate_series(:first_day::timestamp, :last_day::timestamp, '1 day') d
       WHERE extract(isodow FROM d) IN (1, 3, 5)""",
    """INSERT INTO attendance (session_id, patient_id, status, minutes, recorded_by,
           recorded_at)
       SELECT sid, pid,
           CASE WHEN r < 0.70 THEN 'present' WHEN r < 0.78 THEN 'late'
                WHEN r < 0.83 THEN 'left_early' WHEN r < 0.95 THEN 'absent'
                ELSE 'excused' END,
           CASE WHEN r < 0.70 THEN 60 WHEN r < 0.78 THEN 45 WHEN r < 0.83 THEN 30 END,
           fac, ends_at
       FROM (SELECT s.id AS sid, e.patient_id AS pid, s.facilitator_ids[1] AS fac, s.ends_at,
                    random() AS r
             FROM group_session s JOIN enrollment e ON e.group_id = s.group_id
             WHERE s.status = 'scheduled') marks""",
    """INSERT INTO group_note (id, session_id, topic, interventions, group_process, author_ids,
           status, last_editor_id, signed_by, signed_at, cosign_required, late_entry,
           created_at, version)
       SELECT gen_random_uuid(), id, 'Skills', '', '', facilitator_ids,
           CASE WHEN draft THEN 'draft' ELSE 'signed' END, facilitator_ids[1],
           CASE WHEN NOT draft THEN facilitator_ids[1] END,
           CASE WHEN NOT draft THEN ends_at + interval '2 hours' END, false,
           NOT draft AND late, ends_at, 1
       FROM (SELECT *, random() < 0.04 AS draft, random() < 0.06 AS late
             FROM group_session WHERE status = 'scheduled') s""",
    """INSERT INTO progress_note (id, patient_id, format, service_start, service_end, sections,
           author_id, status, last_editor_id, signed_by, signed_at, cosign_required,
           late_entry, created_at, version)
       SELECT gen_random_uuid(), patient_id, 'soap', at, at + interval '50 minutes', '{}',
           user_id, CASE WHEN draft THEN 'draft' ELSE 'signed' END, user_id,
           CASE WHEN NOT draft THEN user_id END,
           CASE WHEN NOT draft THEN at + interval '1 day' END, false, false, at, 1
       FROM (SELECT ct.patient_id, ct.user_id, random() < 0.05 AS draft,
                    ((:first_day + m * 30 + pt.n % 28)::timestamp + time '15:00')
                        AT TIME ZONE 'America/New_York' AS at
             FROM pt JOIN care_team_member ct ON ct.patient_id = pt.id
             CROSS JOIN generate_series(0, 11) m) notes""",
    """INSERT INTO assessment (id, patient_id, instrument, answers, total, severity, flags,
           administered_by, administered_at, via)
       SELECT gen_random_uuid(), pt.id, i.key, '{}',
           greatest(0, least(i.top, 8 + pt.n % 12 - (k * (pt.n % 4)) / 3
                                  + floor(random() * 5)::int - 2)),
           'moderate', '{}', ct.user_id,
           ((:first_day + k * 28 + pt.n % 28)::timestamp + time '10:00')
               AT TIME ZONE 'America/New_York',
           'clinician'
       FROM pt JOIN care_team_member ct ON ct.patient_id = pt.id
       CROSS JOIN (VALUES ('phq9', 27), ('gad7', 21)) i(key, top)
       CROSS JOIN generate_series(0, 12) k
       WHERE :first_day + k * 28 + pt.n % 28 <= :last_day""",
    """INSERT INTO assessment_schedule (id, patient_id, instrument, every_days, start_on,
           active, created_by, created_at)
       SELECT gen_random_uuid(), ct.patient_id, i.key, 28, :first_day, true, ct.user_id, now()
       FROM care_team_member ct CROSS JOIN (VALUES ('phq9'), ('gad7')) i(key)""",
    """INSERT INTO treatment_plan (id, patient_id, number, status, content, created_by,
           created_at, approval_required, review_due, version)
       SELECT gen_random_uuid(), pt.id, 1, 'active', '{}', ct.user_id, now(), false,
           :last_day + (pt.n % 120 - 30), 1
       FROM pt JOIN care_team_member ct ON ct.patient_id = pt.id""",
    """INSERT INTO charge (id, patient_id, service_date, code, modifiers, units, minutes, fee,
           diagnosis_codes, place_of_service, rendering_provider_id, program_id, source,
           source_id, status, hold_reason, explanation, created_at, version)
       SELECT gen_random_uuid(), a.patient_id,
           (s.starts_at AT TIME ZONE 'America/New_York')::date, '90853', '{}', 1, a.minutes,
           40, '{}', '11', n.signed_by, g.program_id, 'group_note', n.id,
           CASE WHEN r < 0.60 THEN 'billed' WHEN r < 0.80 THEN 'approved'
                WHEN r < 0.95 THEN 'pending' WHEN r < 0.99 THEN 'held' ELSE 'void' END,
           '', '', now(), 1
       FROM (SELECT *, random() AS r FROM attendance
             WHERE status IN ('present', 'late', 'left_early')) a
       JOIN group_session s ON s.id = a.session_id
       JOIN group_note n ON n.session_id = s.id AND n.status = 'signed'
       JOIN therapy_group g ON g.id = s.group_id""",
]
COUNTED = (
    "patient",
    "group_session",
    "attendance",
    "group_note",
    "progress_note",
    "assessment",
    "treatment_plan",
    "charge",
)


async def seed(url: str, clients: int, first: date, last: date) -> dict[str, int]:
    """One year of a clinic, generated inside PostgreSQL; returns the rows per table."""
    values = {
        ":clients": str(clients),
        ":groups": str(max(1, clients // CLIENTS_PER_GROUP)),
        ":first_day": f"date '{first.isoformat()}'",
        ":last_day": f"date '{last.isoformat()}'",
        ":clinicians": str(CLINICIANS),
    }
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SELECT setseed(0.42)")
        for statement in SEED:
            for name, value in values.items():
                statement = statement.replace(name, value)
            await conn.execute(statement)
        await conn.execute("ANALYZE")
        return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in COUNTED}  # noqa: S608
    finally:
        await conn.close()


def calls(last: date) -> list[tuple[str, str, str, dict[str, str]]]:
    """(label, user, path under /api/v1/reports, query) of every timed call."""
    month = (last - timedelta(days=29)).isoformat()
    supervisor, biller, clinician = "bench-supervisor", "bench-biller", "bench-clinician"
    return [
        ("attendance by group", supervisor, "attendance", {}),
        ("attendance by client", supervisor, "attendance", {"by": "client"}),
        ("attendance, last 30 days", supervisor, "attendance", {"from": month}),
        ("census", supervisor, "census", {}),
        ("unsigned-notes", supervisor, "unsigned-notes", {}),
        ("plans-due", supervisor, "plans-due", {}),
        ("assessments-due", supervisor, "assessments-due", {}),
        ("outcomes", supervisor, "outcomes", {}),
        ("billable-units", biller, "billable-units", {}),
        ("charges-by-status", biller, "charges-by-status", {}),
        ("attendance.csv by client", supervisor, "attendance.csv", {"by": "client"}),
        ("attendance (a clinician)", clinician, "attendance", {}),
        ("outcomes (a clinician)", clinician, "outcomes", {}),
    ]


async def main(url: str, rounds: int, clients: int) -> None:
    for username, role in (
        ("bench-clinician", "clinician"),
        ("bench-supervisor", "supervisor"),
        ("bench-biller", "biller"),
    ):
        await admin.create_user(url, username, PASSWORD, [role], "")
    last = date.today() - timedelta(days=1)
    first = last - timedelta(days=364)
    started = time.perf_counter()
    counts = await seed(url, clients, first, last)
    seeded = time.perf_counter() - started
    print(f"seeded in {seeded:.1f} s: " + ", ".join(f"{t} {n}" for t, n in counts.items()))

    settings = replace(
        get_settings(),
        database_url=url,
        secret_key="b" * 48,
        mfa_required_roles=frozenset(),
        log_level="WARNING",
        timezone=ZONE,
    )
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        headers = {}
        for username in ("bench-supervisor", "bench-biller", "bench-clinician"):
            body = {"username": username, "password": PASSWORD}
            token = (await client.post("/api/v1/auth/token", json=body)).json()["access_token"]
            headers[username] = {"Authorization": f"Bearer {token}"}

        async def health(_: int) -> None:
            assert (await client.get("/api/v1/health")).status_code == 200

        results = [("GET /api/v1/health", await _time(rounds, health), 0)]
        for label, username, path, params in calls(last):
            rows: list[int] = []

            async def report(
                _: int,
                path: str = path,
                params: dict[str, str] = params,
                who: str = username,
                rows: list[int] = rows,
            ) -> None:
                response = await client.get(
                    f"/api/v1/reports/{path}", params=params, headers=headers[who]
                )
                assert response.status_code == 200, response.text
                csv = path.endswith(".csv")
                rows.append(response.text.count("\n") - 1 if csv else len(response.json()))

            results.append((label, await _time(rounds, report), rows[-1]))

    bare = statistics.median(results[0][1])
    print(f"{'call':<28} {'p50 ms':>9} {'p99 ms':>9} {'rows':>6} {'/ health':>9}")
    for label, samples, found in results:
        p50 = _percentile(samples, 0.5)
        print(
            f"{label:<28} {p50:9.2f} {_percentile(samples, 0.99):9.2f} {found:6d}"
            f" {statistics.median(samples) / bare:8.1f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=500)
    arguments = parser.parse_args()
    asyncio.run(main(prepare(), arguments.rounds, arguments.clients))
