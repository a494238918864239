"""Every response that carries a client's data leaves one audit event per client it
reveals, naming the reader, the client and the purpose. The table lists every read route
that can reveal a client; a patient-scoped GET route missing from it fails the test."""

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.integrity

TODAY = date.today()
WEEK = {"from": (TODAY - timedelta(days=7)).isoformat(), "to": TODAY.isoformat()}

# (path, reader, query). The clients revealed: the one a client-scoped path or query names
# (the first member), and every member whose id or family name the response contains.
READS: list[tuple[str, str, dict[str, str]]] = [
    ("/api/v1/patients/{patient_id}", "cal", {}),
    ("/api/v1/patients", "cal", {"q": "Quartermaine"}),
    ("/api/v1/patients/{patient_id}/summary", "cal", {}),
    ("/api/v1/patients/{patient_id}/care-team", "cal", {}),
    ("/api/v1/patients/{patient_id}/plans", "cal", {}),
    ("/api/v1/patients/{patient_id}/objectives", "cal", {}),
    ("/api/v1/plans/{plan_id}", "cal", {}),
    ("/api/v1/plans/{plan_id}/diff", "cal", {}),
    ("/api/v1/patients/{patient_id}/medications", "cal", {}),
    ("/api/v1/patients/{patient_id}/prescriptions", "cal", {}),
    ("/api/v1/patients/{patient_id}/assessment-schedules", "cal", {}),
    ("/api/v1/patients/{patient_id}/assessments", "cal", {}),
    ("/api/v1/patients/{patient_id}/lab-orders", "cal", {}),
    ("/api/v1/patients/{patient_id}/lab-results", "cal", {}),
    ("/api/v1/patients/{patient_id}/lab-results/trend", "cal", {"analyte": "Lithium"}),
    ("/api/v1/patients/{patient_id}/consents", "cal", {}),
    ("/api/v1/consents/{consent_id}", "cal", {}),
    ("/api/v1/consents/{consent_id}/pdf", "cal", {}),
    ("/api/v1/patients/{patient_id}/disclosures", "cal", {}),
    ("/api/v1/patients/{patient_id}/disclosures.csv", "cal", {}),
    ("/api/v1/patients/{patient_id}/group-notes", "cal", {}),
    ("/api/v1/patients/{patient_id}/notes/export", "cal", {}),
    ("/api/v1/patients/{patient_id}/notes.pdf", "cal", {}),
    ("/api/v1/patients/{patient_id}/progress-notes", "cal", {}),
    ("/api/v1/progress-notes/{progress_note_id}", "cal", {}),
    ("/api/v1/patients/{patient_id}/export.fhir", "cal", {}),
    ("/api/v1/patients/{patient_id}/per-diem-days", "cal", WEEK),
    ("/api/v1/patients/{patient_id}/coverage", "coord", {}),
    ("/api/v1/patients/{patient_id}/balance", "coord", {}),
    ("/api/v1/patients/{patient_id}/superbill.pdf", "coord", WEEK),
    ("/api/v1/calendar/patients/{patient_id}/sessions.ics", "cal", {}),
    ("/api/v1/sessions", "cal", {"patient_id": "{patient_id}"}),
    ("/api/v1/groups/{group_id}/enrollments", "fay", {}),
    ("/api/v1/sessions/{session_id}/attendance", "fay", {}),
    ("/api/v1/notes/{note_id}", "fay", {}),
    ("/api/fhir/Group/{group_id}", "fay", {}),
    ("/api/v1/notes/unsigned", "cal", {}),
    ("/api/v1/assessments/due", "cal", {}),
    ("/api/v1/reports/attendance", "coord", {"by": "client", **WEEK}),
    ("/api/v1/reports/attendance.csv", "coord", {"by": "client", **WEEK}),
    ("/api/v1/billing/charges", "bill", {}),
    ("/api/v1/billing/charges.csv", "bill", {}),
]
# Read routes the world above does not reach, each audited the same way in its own area.
ELSEWHERE = {
    "/api/v1/plans/{plan_id}/review": "only an active plan is reviewed (plan_review event)",
}


async def _world(client: AsyncTestClient, group: dict[str, Any], make_user) -> dict[str, Any]:
    """Ids for every path above: a plan, a consent, a signed progress note (a charge), a
    lab order and an assessment schedule for the first member; a draft progress note for
    the second; the session's group note."""
    cal, patient_id = group["cal"], group["patients"][0]["id"]
    chart = f"/api/v1/patients/{patient_id}"
    plan = await client.post(f"{chart}/plans", headers=cal, json={})
    consent = await client.post(
        f"{chart}/consents",
        headers=cal,
        json={
            "discloser": "Harbor Recovery IOP",
            "recipients": [{"name": "Dr. Ada Lane"}],
            "purposes": ["tpo"],
            "information": "Attendance since admission",
            "categories": ["attendance"],
            "expires_on": (TODAY + timedelta(days=365)).isoformat(),
            "revocation_text": "You may revoke this consent at any time, in writing.",
            "signed_by": "Zebulon Quartermaine",
            "signed_on": TODAY.isoformat(),
        },
    )
    start = datetime.now(UTC) - timedelta(hours=2)
    times = {
        "service_start": start.isoformat(),
        "service_end": (start + timedelta(minutes=50)).isoformat(),
    }
    soap = dict.fromkeys(("subjective", "objective", "assessment", "plan"), "Slept better.")
    progress = await client.post(
        f"{chart}/progress-notes", headers=cal, json={"format": "soap", "sections": soap} | times
    )
    signed = await client.post(f"/api/v1/progress-notes/{progress.json()['id']}/sign", headers=cal)
    draft = await client.post(  # the second member's draft: the unsigned work list names them
        f"/api/v1/patients/{group['patients'][1]['id']}/progress-notes",
        headers=cal,
        json={"format": "soap", "sections": {}} | times,
    )
    order = await client.post(
        f"{chart}/lab-orders",
        headers=cal,
        json={"test_code": "14334-7", "test_name": "Lithium", "specimen": "serum"},
    )
    note = await client.post(f"/api/v1/sessions/{group['session_id']}/note", headers=group["fay"])
    schedule = await client.post(
        f"{chart}/assessment-schedules",
        headers=cal,
        json={"instrument": "phq9", "every_days": 14, "start_on": TODAY.isoformat()},
    )
    for created in (plan, consent, progress, signed, draft, order, note, schedule):
        assert created.status_code in (200, 201), created.text
    sheet = await client.get(
        f"/api/v1/sessions/{group['session_id']}/attendance", headers=group["fay"]
    )
    await make_user("bill", Role.BILLER)
    return {
        "patient_id": patient_id,
        "plan_id": plan.json()["id"],
        "consent_id": consent.json()["id"],
        "progress_note_id": progress.json()["id"],
        "note_id": note.json()["id"],
        "session_id": group["session_id"],
        "group_id": sheet.json()["session"]["group_id"],
    }


SCOPED = re.compile(r"\{(patient|plan|consent|progress_note)_id\}")


def _revealed(
    template: str, query: dict[str, str], response: Any, patients: list[dict[str, Any]]
) -> set[str]:
    scoped = SCOPED.search(template) or "patient_id" in query
    found = {patients[0]["id"]} if scoped else set()
    if "pdf" in response.headers.get("content-type", ""):
        return found
    body = response.text
    return found | {p["id"] for p in patients if p["id"] in body or p["family_name"] in body}


async def _events_since(database_url: str, after: int) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch(
            "SELECT actor_username, patient_id, detail FROM audit_event WHERE id > $1", after
        )
    finally:
        await conn.close()


async def _last_event(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM audit_event"))
    finally:
        await conn.close()


async def test_every_read_names_each_client_it_reveals_once(
    client: AsyncTestClient, documented_group, make_user, database_url: str
) -> None:
    ids = await _world(client, documented_group, make_user)
    readers = {
        "cal": documented_group["cal"],
        "fay": documented_group["fay"],
        "coord": await sign_in(client, "coord"),
        "bill": await sign_in(client, "bill"),
    }
    failures = []
    for template, reader, query in READS:
        url = template.format(**ids)
        params = {k: v.format(**ids) for k, v in query.items()}
        before = await _last_event(database_url)
        response = await client.get(url, params=params, headers=readers[reader])
        if response.status_code != 200:
            failures.append(f"{template}: {response.status_code} {response.text[:200]}")
            continue
        revealed = _revealed(template, query, response, documented_group["patients"])
        assert revealed, f"{template} revealed no client: the world does not reach it"
        events = await _events_since(database_url, before)
        named: dict[str, int] = {}
        for event in events:
            if event["patient_id"] is None:
                continue
            assert event["actor_username"] == reader, template
            detail = json.loads(event["detail"]) if isinstance(event["detail"], str) else {}
            if not detail.get("purpose"):
                failures.append(f"{template}: event without a purpose")
            named[str(event["patient_id"])] = named.get(str(event["patient_id"]), 0) + 1
        if named != dict.fromkeys(revealed, 1):
            failures.append(f"{template}: revealed {sorted(revealed)}, events {named}")
    assert not failures, "\n".join(failures)


async def test_every_patient_scoped_read_route_is_in_the_table(client: AsyncTestClient) -> None:
    document = (await client.get("/api/schema/openapi.json")).json()
    patient_reads = {
        path
        for path, item in document["paths"].items()
        if "get" in item and re.search(r"\{(patient|plan|consent|note|session|group)_id\}", path)
    }
    listed = {re.sub(r"\{progress_note_id\}", "{note_id}", t) for t, _, _ in READS}
    names_no_client = {"/api/v1/calendar/groups/{group_id}/sessions.ics"}
    missing = patient_reads - names_no_client - listed - set(ELSEWHERE)
    assert not missing, sorted(missing)
