"""Reports against a small clinic built through the API, with every number known: attendance
rate and no-shows, census by level (transitions and discharges as of a day), unsigned and
late notes by staff, outcome change, plans and assessments due, billable units. Clinicians
see only their own rows; the CSV is the JSON, line for line; a report's SQL statement count
does not grow with the data."""

import csv
import io
import json
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.config import Settings
from shared.enums import Role
from shared.schemas.reports import ReportName
from tests.conftest import sign_in
from tests.integration.conftest import document_attendees
from tests.integration.statement_count import counted

pytestmark = pytest.mark.billing
ZONE = "America/New_York"
TODAY = datetime.now(ZoneInfo(ZONE)).date()
YESTERDAY, TWO_DAYS_AGO = TODAY - timedelta(days=1), TODAY - timedelta(days=2)
# Answers by total score.
PHQ9 = {
    20: [3, 3, 3, 3, 2, 2, 2, 2, 0],
    12: [2, 2, 2, 2, 1, 1, 1, 1, 0],
    10: [2, 2, 2, 1, 1, 1, 1, 0, 0],
    9: [1, 1, 1, 1, 1, 1, 1, 2, 0],
}
GAD7 = {15: [3, 3, 3, 2, 2, 1, 1], 16: [3, 3, 3, 2, 2, 2, 1]}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Notes signed more than an hour after the session are late entries."""
    return replace(settings, late_entry_hours=1, timezone=ZONE)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _group(client: AsyncTestClient, coord: dict, name: str, **fields: Any) -> dict:
    body = {"name": name, **fields}
    return _ok(await client.post("/api/v1/groups", headers=coord, json=body), 201)


async def _sessions(
    client: AsyncTestClient, coord: dict, group: dict, first: date, count: int, hour: int
) -> list[str]:
    series = await client.post(
        "/api/v1/series",
        headers=coord,
        json={
            "group_id": group["id"],
            "rrule": f"FREQ=DAILY;COUNT={count}",
            "timezone": ZONE,
            "start_local": f"{first.isoformat()}T{hour:02d}:00",
            "duration_minutes": 60,
        },
    )
    return [s["id"] for s in (_ok(series, 201))["sessions"]]


async def _patient(client: AsyncTestClient, headers: dict, given: str) -> str:
    body = {
        "given_name": given,
        "family_name": "Reportable",
        "birth_date": "1984-04-04",
        "allow_duplicate": True,
    }
    return (_ok(await client.post("/api/v1/patients", json=body, headers=headers), 201))["id"]


async def _enrol(client: AsyncTestClient, coord: dict, group: dict, patients: list[str]) -> None:
    for patient in patients:
        body = {"patient_id": patient, "from_date": TWO_DAYS_AGO.isoformat()}
        url = f"/api/v1/groups/{group['id']}/enrollments"
        _ok(await client.post(url, headers=coord, json=body), 201)


async def _mark(
    client: AsyncTestClient, coord: dict, session: str, marks: dict[str, tuple[str, int | None]]
) -> None:
    for patient, (status, minutes) in marks.items():
        url = f"/api/v1/sessions/{session}/attendance/{patient}"
        _ok(await client.put(url, headers=coord, json={"status": status, "minutes": minutes}))


async def _assess(client: AsyncTestClient, headers: dict, patient: str, key: str, answers) -> None:
    url = f"/api/v1/patients/{patient}/assessments"
    body = {"instrument": key, "answers": answers}
    _ok(await client.post(url, headers=headers, json=body), 201)


async def _active_plan(database_url: str, patient: str, author: uuid.UUID, due: date) -> None:
    """An active plan due for review (building one through signatures is the plans tests'
    business)."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO treatment_plan (id, patient_id, number, status, content, created_by,"
            " created_at, approval_required, review_due, version)"
            " VALUES (gen_random_uuid(), $1, 1, 'active', '{}', $2, now(), false, $3, 1)",
            uuid.UUID(patient),
            author,
            due,
        )
    finally:
        await conn.close()


@pytest.fixture
async def clinic(client: AsyncTestClient, make_user, database_url: str) -> dict[str, Any]:
    """Two programs, two groups, four clients:

    - IOP Skills (IOP, facilitated by cal, code 90853): P1, P2, P3; two sessions.
      s1 two days ago: P1 present 60 min, P2 late 45 min, P3 absent (signed late by cal).
      s2 yesterday: P1 left early, P2 excused, P3 absent (draft note).
    - Outpatient Support (outpatient, facilitated by fay): P3, P4; t1 yesterday: P3
      present, P4 absent (draft note).
    - Episodes: P1, P2, P3 admitted to IOP ten days ago; P3 moved to Outpatient three days
      ago; P2 discharged yesterday; P4 admitted to Outpatient ten days ago.
    """
    await make_user("root", Role.ADMIN)
    await make_user("coord", Role.COORDINATOR)
    cal = await make_user("cal", Role.CLINICIAN)
    fay = await make_user("fay", Role.FACILITATOR)
    await make_user("sup", Role.SUPERVISOR)
    await make_user("bill", Role.BILLER)
    root, coord = await sign_in(client, "root"), await sign_in(client, "coord")
    cal_h, fay_h = await sign_in(client, "cal"), await sign_in(client, "fay")
    iop, outpatient = [
        _ok(
            await client.post(
                "/api/v1/programs", headers=root, json={"name": name, "level_of_care": level}
            ),
            201,
        )
        for name, level in (("IOP", "iop"), ("Outpatient", "outpatient"))
    ]
    skills = await _group(
        client,
        coord,
        "IOP Skills",
        program_id=iop["id"],
        facilitator_ids=[str(cal.id)],
        service_code="90853",
    )
    support = await _group(
        client,
        coord,
        "Outpatient Support",
        program_id=outpatient["id"],
        facilitator_ids=[str(fay.id)],
    )
    s1, s2 = await _sessions(client, coord, skills, TWO_DAYS_AGO, 2, 10)
    (t1,) = await _sessions(client, coord, support, YESTERDAY, 1, 14)
    p1, p2, p3 = [await _patient(client, cal_h, given) for given in ("Ada", "Ben", "Cy")]
    p4 = await _patient(client, coord, "Dee")
    await _enrol(client, coord, skills, [p1, p2, p3])
    await _enrol(client, coord, support, [p3, p4])
    await _mark(client, coord, s1, {p1: ("present", 60), p2: ("late", 45), p3: ("absent", None)})
    await _mark(
        client, coord, s2, {p1: ("left_early", 30), p2: ("excused", None), p3: ("absent", None)}
    )
    await _mark(client, coord, t1, {p3: ("present", 60), p4: ("absent", None)})

    admitted = (TODAY - timedelta(days=10)).isoformat()
    episodes = {}
    for patient, program in ((p1, iop), (p2, iop), (p3, iop), (p4, outpatient)):
        url = f"/api/v1/patients/{patient}/episodes"
        body = {"program_id": program["id"], "admitted_on": admitted}
        episodes[patient] = (_ok(await client.post(url, headers=coord, json=body), 201))["id"]
    moved = {
        "occurred_on": (TODAY - timedelta(days=3)).isoformat(),
        "to_program_id": outpatient["id"],
        "reason": "Step down",
    }
    url = f"/api/v1/episodes/{episodes[p3]}/transitions"
    _ok(await client.post(url, headers=coord, json=moved), 201)
    discharge = {"discharged_on": YESTERDAY.isoformat(), "disposition": "Completed"}
    url = f"/api/v1/episodes/{episodes[p2]}/discharge"
    _ok(await client.post(url, headers=coord, json=discharge), 201)

    note = _ok(await client.post(f"/api/v1/sessions/{s1}/note", headers=cal_h))
    patched = await client.patch(
        f"/api/v1/notes/{note['id']}", headers=cal_h | {"If-Match": '"1"'}, json={"topic": "Coping"}
    )
    _ok(patched)
    await document_attendees(client, cal_h, s1)
    _ok(await client.post(f"/api/v1/notes/{note['id']}/sign", headers=cal_h))
    _ok(await client.post(f"/api/v1/sessions/{s2}/note", headers=cal_h))
    _ok(await client.post(f"/api/v1/sessions/{t1}/note", headers=fay_h))
    start = datetime.combine(YESTERDAY, datetime.min.time(), ZoneInfo(ZONE)) + timedelta(hours=16)
    progress = {
        "format": "soap",
        "sections": {"subjective": "s"},
        "service_start": start.isoformat(),
        "service_end": (start + timedelta(minutes=50)).isoformat(),
    }
    url = f"/api/v1/patients/{p1}/progress-notes"
    _ok(await client.post(url, headers=cal_h, json=progress), 201)

    for patient, scores in ((p1, (20, 10)), (p2, (12, 9)), (p3, (12,))):
        for score in scores:
            await _assess(client, cal_h, patient, "phq9", PHQ9[score])
    for score in (15, 16):
        await _assess(client, fay_h, p4, "gad7", GAD7[score])
    for instrument, start_on in (("phq9", 20), ("gad7", 10)):
        body = {
            "instrument": instrument,
            "every_days": 7,
            "start_on": (TODAY - timedelta(days=start_on)).isoformat(),
        }
        url = f"/api/v1/patients/{p1}/assessment-schedules"
        _ok(await client.post(url, headers=cal_h, json=body), 201)
    for patient, days in ((p1, 3), (p3, -2), (p4, 0)):
        await _active_plan(database_url, patient, cal.id, TODAY + timedelta(days=days))

    bill = await sign_in(client, "bill")
    charges = await client.get("/api/v1/billing/charges", headers=bill, params={"patient_id": p1})
    (charge,) = _ok(charges)
    _ok(await client.post(f"/api/v1/billing/charges/{charge['id']}/approve", headers=bill))
    return {
        "coord": coord,
        "cal": cal_h,
        "fay": fay_h,
        "sup": await sign_in(client, "sup"),
        "bill": bill,
        "cal_id": str(cal.id),
        "fay_id": str(fay.id),
        "iop": iop["id"],
        "outpatient": outpatient["id"],
        "skills": skills["id"],
        "support": support["id"],
        "patients": [p1, p2, p3, p4],
    }


async def _report(
    client: AsyncTestClient, headers: dict, name: str, status: int = 200, **params: Any
) -> Any:
    response = await client.get(f"/api/v1/reports/{name}", headers=headers, params=params)
    return _ok(response, status)


def _by(rows: list[dict], key: str) -> dict[str, dict]:
    return {row[key]: row for row in rows}


def _numbers(row: dict, *keys: str) -> tuple:
    return tuple(row[k] for k in keys)


ATTENDANCE = ("sessions", "expected", "attended", "no_shows", "excused", "rate")


async def test_attendance_rate_and_no_shows_by_group_and_client(client, clinic) -> None:
    groups = _by(await _report(client, clinic["coord"], "attendance"), "name")
    assert _numbers(groups["IOP Skills"], *ATTENDANCE) == (2, 5, 3, 2, 1, 0.6)
    assert _numbers(groups["Outpatient Support"], *ATTENDANCE) == (1, 2, 1, 1, 0, 0.5)

    clients = await _report(client, clinic["coord"], "attendance", by="client")
    rows = _by(clients, "id")
    p1, p2, p3, p4 = clinic["patients"]
    assert _numbers(rows[p1], *ATTENDANCE) == (2, 2, 2, 0, 0, 1.0)
    assert _numbers(rows[p2], *ATTENDANCE) == (2, 1, 1, 0, 1, 1.0)
    assert _numbers(rows[p3], *ATTENDANCE) == (3, 3, 1, 2, 0, 0.3333)
    assert _numbers(rows[p4], *ATTENDANCE) == (1, 1, 0, 1, 0, 0.0)
    assert rows[p1]["name"] == "Ada Reportable" and rows[p1]["by"] == "client"

    since_yesterday: dict[str, Any] = {"from": YESTERDAY.isoformat()}
    recent = _by(await _report(client, clinic["coord"], "attendance", **since_yesterday), "name")
    assert _numbers(recent["IOP Skills"], *ATTENDANCE) == (1, 2, 1, 1, 1, 0.5)
    in_program = await _report(client, clinic["coord"], "attendance", program_id=clinic["iop"])
    assert [r["name"] for r in in_program] == ["IOP Skills"]


async def test_census_by_level_as_of_a_day(client, clinic) -> None:
    def levels(rows: list[dict]) -> dict[str, int]:
        return {r["level_of_care"]: r["clients"] for r in rows}

    # Today: P2 discharged yesterday, P3 moved to outpatient three days ago.
    assert levels(await _report(client, clinic["coord"], "census")) == {"iop": 1, "outpatient": 2}
    five_days_ago = (TODAY - timedelta(days=5)).isoformat()
    before = await _report(client, clinic["coord"], "census", to=five_days_ago)
    assert levels(before) == {"iop": 3, "outpatient": 1}
    assert [r["level_of_care"] for r in before] == ["iop", "outpatient"]
    before_admission = (TODAY - timedelta(days=20)).isoformat()
    assert await _report(client, clinic["coord"], "census", to=before_admission) == []
    outpatient = await _report(client, clinic["coord"], "census", program_id=clinic["outpatient"])
    assert levels(outpatient) == {"outpatient": 2}
    # fay's clients: P3 and P4, members of her group.
    assert levels(await _report(client, clinic["fay"], "census")) == {"outpatient": 2}


async def test_unsigned_and_late_notes_by_staff(client, clinic) -> None:
    rows = await _report(client, clinic["sup"], "unsigned-notes")
    found = {(r["staff_name"], r["kind"]): _numbers(r, "unsigned", "overdue", "late") for r in rows}
    assert found == {
        ("cal", "group"): (1, 1, 1),
        ("cal", "individual"): (1, 1, 0),
        ("fay", "group"): (1, 1, 0),
    }
    mine = await _report(client, clinic["fay"], "unsigned-notes")
    assert [(r["staff_name"], r["unsigned"]) for r in mine] == [("fay", 1)]


async def test_outcome_change_and_share_improved(client, clinic) -> None:
    rows = await _report(client, clinic["coord"], "outcomes")
    found = {
        (r["program_name"], r["instrument"]): _numbers(
            r, "clients_measured", "mean_change", "improved", "share_improved"
        )
        for r in rows
    }
    # IOP PHQ-9: P1 20 → 10 (improved), P2 12 → 9; P3 has one score only.
    assert found == {("IOP", "phq9"): (2, -6.5, 1, 0.5), ("Outpatient", "gad7"): (1, 1.0, 0, 0.0)}
    fays = await _report(client, clinic["fay"], "outcomes")
    assert [(r["program_name"], r["instrument"]) for r in fays] == [("Outpatient", "gad7")]


async def test_plans_and_assessments_due_by_care_team(client, clinic) -> None:
    plans = _by(await _report(client, clinic["coord"], "plans-due"), "clinician_name")
    assert _numbers(plans["cal"], "due_soon", "overdue") == (1, 1)
    assert _numbers(plans["(no care team)"], "due_soon", "overdue") == (1, 0)
    due = await _report(client, clinic["cal"], "assessments-due")
    found = {r["instrument"]: _numbers(r, "clinician_name", "due_soon", "overdue") for r in due}
    assert found == {"gad7": ("cal", 0, 1), "phq9": ("cal", 1, 0)}
    assert await _report(client, clinic["fay"], "assessments-due") == []


async def test_billable_units_and_charges_by_status(client, clinic) -> None:
    units = await _report(client, clinic["bill"], "billable-units")
    assert [_numbers(r, "clinician_name", "code", "charges", "units") for r in units] == [
        ("cal", "90853", 2, 2)
    ]
    assert float(units[0]["amount"]) == 80.0
    statuses = await _report(client, clinic["bill"], "charges-by-status")
    assert [(r["status"], r["charges"], float(r["amount"])) for r in statuses] == [
        ("pending", 1, 40.0),
        ("approved", 1, 40.0),
    ]
    assert await _report(client, clinic["fay"], "billable-units") == []
    assert len(await _report(client, clinic["cal"], "billable-units")) == 1


async def test_clinicians_see_only_their_own_rows(client, clinic) -> None:
    mine = await _report(client, clinic["cal"], "attendance")
    assert [r["name"] for r in mine] == ["IOP Skills"]
    asked_for_self = await _report(
        client, clinic["cal"], "attendance", clinician_id=clinic["cal_id"]
    )
    assert asked_for_self == mine
    await _report(client, clinic["cal"], "attendance", 403, clinician_id=clinic["fay_id"])
    everyone = await _report(client, clinic["coord"], "attendance", clinician_id=clinic["fay_id"])
    assert [r["name"] for r in everyone] == ["Outpatient Support"]
    await _report(client, clinic["bill"], "census", 403)


async def test_every_report_call_is_audited_with_its_filters(client, clinic, database_url) -> None:
    await _report(client, clinic["cal"], "attendance", by="client", program_id=clinic["iop"])
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(
            "SELECT actor_username, action, entity, detail FROM audit_event"
            " WHERE action = 'report' ORDER BY id DESC LIMIT 1"
        )
    finally:
        await conn.close()
    assert (row["actor_username"], row["entity"]) == ("cal", "attendance")
    detail = json.loads(row["detail"]) if isinstance(row["detail"], str) else row["detail"]
    assert detail == {"program_id": clinic["iop"], "clinician_id": clinic["cal_id"], "by": "client"}


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


async def test_csv_header_and_rows_match_the_json(client, clinic) -> None:
    for name in ReportName:
        rows = await _report(client, clinic["sup"], name.value)
        assert rows, name
        response = await client.get(f"/api/v1/reports/{name.value}.csv", headers=clinic["sup"])
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        header, *lines = list(csv.reader(io.StringIO(response.text)))
        assert header == list(rows[0]), name
        assert lines == [[_cell(row[c]) for c in header] for row in rows], name


@pytest.mark.performance
async def test_a_report_runs_the_same_statements_for_small_and_large_data(
    settings: Settings, make_user
) -> None:
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        await make_user("coord", Role.COORDINATOR, Role.CLINICIAN)
        coord = await sign_in(client, "coord")

        counts = []
        for size in (2, 8):
            group = await _group(client, coord, f"Group of {size}", capacity=size)
            sessions = await _sessions(client, coord, group, TWO_DAYS_AGO, 2, 8 + size)
            patients = [await _patient(client, coord, f"M{size}x{i}") for i in range(size)]
            await _enrol(client, coord, group, patients)
            for session in sessions:
                await _mark(client, coord, session, {p: ("present", 60) for p in patients})
            async with counted(app) as statements:
                rows = await _report(client, coord, "attendance", by="client")
            assert len(rows) == (2 if size == 2 else 10)
            counts.append(len(statements))
        assert counts[0] == counts[1], counts
