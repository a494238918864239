"""``emr seed scale``: a generated organisation is the same for the same seed, and holds
what a user would notice: no group over capacity, no facilitator in two places, every
signed note complete and verifiable, plans that validate and open, fuzzy search that
works. Small sizes keep each test to a few seconds."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from sqlmodel import select

from backend import admin
from backend.measures import instruments
from backend.measures.models import Assessment
from backend.notes import leak_guard, progress, rules
from backend.notes import service as notes
from backend.notes.models import GroupNote, ProgressNote
from backend.patients import rules as patient_rules
from backend.patients.models import Patient
from backend.patients.service import patient_read
from backend.plans import rules as plan_rules
from backend.scale import SCALE_PASSWORD, OrganisationExists, seed_scale
from backend.scale.reference import INSTRUMENT_USE
from backend.scale.vocabulary import (
    BEHAVIOURS,
    FAMILY,
    GIVEN,
    NARRATIVE_CLOSINGS,
    NARRATIVE_OPENINGS,
)
from backend.scheduling import enrollment
from backend.scheduling.models import Session
from shared.schemas.plans import PlanContent
from tests.conftest import TEMPLATE, _admin, _with_database
from tests.helpers import emr

pytestmark = pytest.mark.performance
TODAY = date.today()
# Tables whose every row, ids included, must come out the same for the same seed.
FINGERPRINTED = (
    "patient",
    "group_session",
    "booking",
    "enrollment",
    "attendance",
    "group_note",
    "member_entry",
    "progress_note",
    "treatment_plan",
    "progress_point",
    "assessment",
    "charge",
)


async def _seed(url: str, seed: int = 42) -> dict[str, int]:
    return await seed_scale(url, clients=60, groups=4, weeks=3, seed=seed, today=TODAY)


async def _fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def _fingerprint(url: str) -> dict[str, str]:
    sql = " UNION ALL ".join(
        f"SELECT '{t}', md5(string_agg(r::text, '|' ORDER BY r::text)) FROM {t} r"  # noqa: S608
        for t in FINGERPRINTED
    )
    return {table: digest for table, digest in await _fetch(url, sql)}


async def _sign_in(client: AsyncTestClient, username: str) -> dict[str, str]:
    body = {"username": username, "password": SCALE_PASSWORD}
    response = await client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def fresh_database(
    pg_admin_url: str, template_url: str
) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """Makes more empty, migrated databases for one test."""
    made: list[str] = []

    async def make() -> str:
        name = f"emr_scale_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        await _admin(pg_admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
        made.append(name)
        return _with_database(pg_admin_url, name)

    yield make
    for name in made:
        await _admin(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def organisation(database_url: str) -> dict[str, int]:
    return await _seed(database_url)


async def test_the_same_seed_gives_the_same_rows_ids_included(
    database_url: str, fresh_database: Callable[[], Awaitable[str]]
) -> None:
    twin, other = await fresh_database(), await fresh_database()
    counts = await _seed(database_url, 42)
    assert await _seed(twin, 42) == counts
    await _seed(other, 7)

    first, second, third = [await _fingerprint(url) for url in (database_url, twin, other)]
    assert counts["patient"] == 60
    assert first == second
    assert [t for t in FINGERPRINTED if first[t] == third[t]] == []


async def test_a_database_with_patients_is_refused(
    organisation: dict[str, int], database_url: str
) -> None:
    with pytest.raises(OrganisationExists):
        await _seed(database_url, 1)
    assert len(await _fetch(database_url, "SELECT id FROM patient")) == 60


async def test_constraints_and_indexes_set_aside_for_loading_are_all_back(
    database_url: str,
) -> None:
    sql = """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace
             UNION ALL
             SELECT indrelid::regclass::text, indexrelid::regclass::text,
                    pg_get_indexdef(indexrelid)
             FROM pg_index WHERE indrelid::regclass::text NOT LIKE 'pg_%'
             ORDER BY 1, 2, 3"""
    before = await _fetch(database_url, sql)
    await _seed(database_url)
    assert await _fetch(database_url, sql) == before


async def test_no_group_expects_more_members_than_it_has_places(
    organisation: dict[str, int], database_url: str
) -> None:
    async with admin.transaction(database_url) as session:
        rows = (await session.exec(select(Session).where(Session.status == "scheduled"))).all()
        expected = {row.id: len(await enrollment.expected(session, row)) for row in rows}
    marked = await _fetch(
        database_url, "SELECT session_id, count(*) AS n FROM attendance GROUP BY session_id"
    )
    assert max(expected.values()) <= 12
    assert max(expected.values()) >= 6  # the groups are busy enough for this to matter
    assert all(expected[r["session_id"]] == r["n"] for r in marked)
    enrolled_now = await _fetch(
        database_url,
        "SELECT group_id, count(*) AS n FROM enrollment WHERE status = 'enrolled' "
        "GROUP BY group_id",
    )
    assert all(r["n"] <= 12 for r in enrolled_now)


async def test_no_facilitator_or_room_is_in_two_sessions_at_once(
    organisation: dict[str, int], database_url: str, client: AsyncTestClient
) -> None:
    overlapping = await _fetch(
        database_url,
        """SELECT a.id FROM group_session a JOIN group_session b ON a.id < b.id
             AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
             AND (a.facilitator_ids && b.facilitator_ids OR a.room_id = b.room_id)""",
    )
    assert overlapping == []
    upcoming = (
        await _fetch(
            database_url,
            """SELECT s.starts_at, s.timezone, u.id AS facilitator_id
               FROM group_session s JOIN app_user u ON u.id = s.facilitator_ids[1]
               WHERE s.starts_at > now() + interval '1 day' ORDER BY s.starts_at LIMIT 1""",
        )
    )[0]
    coordinator = await _sign_in(client, "scale-coordinator-001")
    body = {"name": "Double booked", "facilitator_ids": [str(upcoming["facilitator_id"])]}
    group = (await client.post("/api/v1/groups", json=body, headers=coordinator)).json()
    local = upcoming["starts_at"].astimezone(ZoneInfo(upcoming["timezone"]))
    series = {
        "group_id": group["id"],
        "rrule": "FREQ=DAILY;COUNT=1",
        "timezone": upcoming["timezone"],
        "start_local": local.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 30,
    }
    clash = await client.post("/api/v1/series", json=series, headers=coordinator)
    assert clash.status_code == 409, clash.text


async def test_every_signed_note_is_complete_verifiable_and_names_no_one_else(
    organisation: dict[str, int], database_url: str, client: AsyncTestClient
) -> None:
    missing_or_extra = await _fetch(
        database_url,
        """WITH signed AS (SELECT id, session_id FROM group_note WHERE status = 'signed'),
           marks AS (SELECT n.id AS note_id, a.patient_id, a.status
                     FROM signed n JOIN attendance a ON a.session_id = n.session_id),
           entries AS (SELECT e.note_id, e.patient_id, e.attendance AS status, e.narrative
                       FROM signed n JOIN member_entry e ON e.note_id = n.id)
           SELECT note_id FROM marks m FULL JOIN entries e USING (note_id, patient_id)
           WHERE m.status IS DISTINCT FROM e.status
              OR (m.status IN ('present', 'late', 'left_early')) <> (e.narrative <> '')""",
    )
    assert missing_or_extra == []
    async with admin.transaction(database_url) as session:
        signed = (await session.exec(select(GroupNote).where(GroupNote.status == "signed"))).all()
        assert len(signed) > 20
        for note in signed:
            assert await notes.verify(session, note), note.id
            rows = await notes.entries(session, note.id)
            members = [leak_guard.member(p) for _, p in rows]
            texts = {str(e.patient_id): {"narrative": e.narrative} for e, _ in rows}
            shared = {"topic": note.topic, "group_process": note.group_process}
            assert rules.check_note(shared, texts, members) == []
        individual = (
            await session.exec(select(ProgressNote).where(ProgressNote.status == "signed"))
        ).all()
        assert individual and all(progress.verify(n) for n in individual)
        facilitator = signed[0].signed_by
    username = (
        await _fetch(database_url, "SELECT username FROM app_user WHERE id = $1", facilitator)
    )[0]["username"]
    read = await client.get(
        f"/api/v1/notes/{signed[0].id}", headers=await _sign_in(client, username)
    )
    assert read.status_code == 200, read.text


async def test_plans_validate_and_open_for_the_clients_clinician(
    organisation: dict[str, int], database_url: str, client: AsyncTestClient
) -> None:
    plans = await _fetch(
        database_url,
        """SELECT p.id, p.patient_id, p.content::text AS content, p.content_hash,
                  array_agg(d.code) AS diagnoses
           FROM treatment_plan p JOIN diagnosis d ON d.patient_id = p.patient_id
           WHERE p.status = 'active' GROUP BY p.id""",
    )
    assert len(plans) == 60
    objective_ids: list[uuid.UUID] = []
    for plan in plans:
        content = PlanContent.model_validate_json(plan["content"])
        assert plan_rules.content_errors(content, set(plan["diagnoses"])) == []
        assert plan_rules.completeness_errors(content) == []
        assert rules.content_hash(content.model_dump(mode="json")) == plan["content_hash"]
        objective_ids += [o.id for p in content.problems for g in p.goals for o in g.objectives]
    assert len(objective_ids) == len(set(objective_ids))  # points attach to one client each
    orphans = await _fetch(
        database_url,
        "SELECT id FROM progress_point WHERE NOT (objective_id = ANY($1::uuid[]))",
        objective_ids,
    )
    assert orphans == []

    # Every plan opens for the client's primary clinician; the whole chart for a client in
    # each situation (in a group or not, in treatment or discharged).
    charts = await _fetch(
        database_url,
        """SELECT t.id AS plan_id, p.id AS patient_id, u.username,
                  row_number() OVER (PARTITION BY p.status, e.id IS NULL ORDER BY p.mrn_number)
                      AS nth
           FROM patient p JOIN treatment_plan t ON t.patient_id = p.id
           JOIN care_team_member c ON c.patient_id = p.id AND c.role = 'primary_clinician'
           JOIN app_user u ON u.id = c.user_id
           LEFT JOIN enrollment e ON e.patient_id = p.id""",
    )
    headers = {name: await _sign_in(client, name) for name in {r["username"] for r in charts}}
    for row in charts:
        paths = [f"/api/v1/plans/{row['plan_id']}"]
        if row["nth"] == 1:
            paths += [
                f"/api/v1/patients/{row['patient_id']}/{part}"
                for part in ("summary", "objectives", "assessments")
            ]
        for path in paths:
            response = await client.get(path, headers=headers[row["username"]])
            assert response.status_code == 200, (path, response.text)
    assert sum(r["nth"] == 1 for r in charts) >= 3


async def test_charts_match_the_rules_the_application_applies(
    organisation: dict[str, int], database_url: str
) -> None:
    async with admin.transaction(database_url) as session:
        for patient in (await session.exec(select(Patient))).all():
            patient_read(patient)  # phones, e-mail and addresses pass the API's own checks
            assert patient.search_name == patient_rules.search_name(
                patient.given_name,
                patient.family_name,
                patient.preferred_name,
                patient.middle_name,
            )
            numbers = [p["number"] for p in patient.phones]
            assert patient.phone_digits == patient_rules.phone_key(numbers)
        for assessment in (await session.exec(select(Assessment))).all():
            score = instruments.score(assessment.instrument, assessment.answers)
            found = (assessment.total, assessment.severity, list(assessment.flags))
            assert found == (score.total, score.severity, list(score.flags))
    mrns = await _fetch(
        database_url,
        "SELECT max(mrn_number) AS seeded, nextval(pg_get_serial_sequence('patient', "
        "'mrn_number')) AS next FROM patient",
    )
    assert mrns[0]["next"] > mrns[0]["seeded"]  # the next registration gets a fresh MRN


async def test_a_misspelled_name_finds_the_client(
    organisation: dict[str, int], database_url: str, client: AsyncTestClient
) -> None:
    wanted = (
        await _fetch(
            database_url,
            "SELECT id, given_name, family_name FROM patient "
            "WHERE length(family_name) >= 6 ORDER BY mrn_number LIMIT 1",
        )
    )[0]
    family = wanted["family_name"]
    misspelled = f"{wanted['given_name']} {family[:2]}{family[3:]}"  # one letter dropped
    headers = await _sign_in(client, "scale-coordinator-001")
    found = await client.get(
        "/api/v1/patients", params={"q": misspelled, "limit": 100}, headers=headers
    )
    assert found.status_code == 200, found.text
    assert str(wanted["id"]) in [p["id"] for p in found.json()["items"]]


def test_names_never_appear_in_the_texts_notes_are_made_of() -> None:
    """Otherwise the name-leak check would flag generated notes."""
    names = {part.lower() for name in GIVEN + FAMILY for part in name.split()}
    words = {
        word.strip(".,;:()").lower()
        for text in BEHAVIOURS + NARRATIVE_OPENINGS + NARRATIVE_CLOSINGS
        for word in text.split()
    }
    assert names & words == set()
    assert all(
        spread + len(tail) == len(instruments.INSTRUMENTS[key].items)
        for key, spread, tail, *_ in INSTRUMENT_USE
    )


def test_the_command_seeds_then_refuses_a_database_with_patients(
    project_env: dict[str, str], database_url: str
) -> None:
    env = project_env | {"DATABASE_URL": database_url}
    args = ("seed", "scale", "--clients", "30", "--groups", "3", "--weeks", "2", "--seed", "5")
    first = emr(*args, env=env)
    assert first.returncode == 0, first.stderr
    assert "patient" in first.stdout and "seeded in" in first.stdout
    again = emr(*args, env=env)
    assert again.returncode == 1
    assert "already holds patients" in again.stderr
