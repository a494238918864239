"""Individual progress notes (DAP, BIRP, SOAP): drafts saved with If-Match, every section
required to sign, locked with a verifiable hash, addenda, co-sign, and the database itself
refusing changes to signed notes."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from backend import admin
from backend.notes import progress
from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.notes


@pytest.fixture
async def clinic(client: AsyncTestClient, make_user) -> dict[str, Any]:
    await make_user("cleo", Role.CLINICIAN)
    headers = await sign_in(client, "cleo")
    body = {"given_name": "Odalys", "family_name": "Ferreira", "birth_date": "1990-02-03"}
    patient = (await client.post("/api/v1/patients", json=body, headers=headers)).json()
    return {"cleo": headers, "patient": patient, "url": f"/api/v1/patients/{patient['id']}"}


def _times(hours_ago: float = 2) -> dict[str, str]:
    start = datetime.now(UTC) - timedelta(hours=hours_ago)
    return {
        "service_start": start.isoformat(),
        "service_end": (start + timedelta(minutes=50)).isoformat(),
    }


async def test_soap_note_drafts_signs_locks_and_verifies(
    client: AsyncTestClient, clinic, database_url: str
) -> None:
    created = await client.post(
        f"{clinic['url']}/progress-notes",
        headers=clinic["cleo"],
        json={"format": "soap", "sections": {"subjective": "Slept better."}} | _times(),
    )
    assert created.status_code == 201, created.text
    note = created.json()
    assert list(note["sections"]) == ["subjective", "objective", "assessment", "plan"]
    assert created.headers["etag"] == '"1"'
    url = f"/api/v1/progress-notes/{note['id']}"

    unsigned = await client.get("/api/v1/notes/unsigned", headers=clinic["cleo"])
    assert [(n["id"], n["kind"]) for n in unsigned.json()] == [(note["id"], "individual")]

    refused = await client.post(f"{url}/sign", headers=clinic["cleo"])
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == [
        "sections.objective",
        "sections.assessment",
        "sections.plan",
    ]
    sections = {"objective": "Calm, euthymic.", "assessment": "Improving.", "plan": "Weekly."}
    saved = await client.patch(
        url, headers=clinic["cleo"] | {"If-Match": '"1"'}, json={"sections": sections}
    )
    assert saved.status_code == 200, saved.text
    stale = await client.patch(
        url, headers=clinic["cleo"] | {"If-Match": '"1"'}, json={"sections": {"plan": "x"}}
    )
    assert stale.status_code == 412 and stale.json()["current_etag"] == '"2"'

    signed = await client.post(f"{url}/sign", headers=clinic["cleo"])
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["status"] == "signed" and body["cosign_required"] is False
    assert body["late_entry"] is False and body["signed_by_name"] == "cleo"

    locked = await client.patch(
        url, headers=clinic["cleo"] | {"If-Match": '"3"'}, json={"sections": {"plan": "y"}}
    )
    assert locked.status_code == 409
    assert locked.headers["content-type"].startswith("application/problem+json")
    addendum = await client.post(
        f"{url}/addenda",
        headers=clinic["cleo"],
        json={"reason": "Correction", "text": "Plan: twice weekly."},
    )
    assert addendum.status_code == 201
    shown = (await client.get(url, headers=clinic["cleo"])).json()
    assert [a["text"] for a in shown["addenda"]] == ["Plan: twice weekly."]
    assert (await client.get("/api/v1/notes/unsigned", headers=clinic["cleo"])).json() == []

    async with admin.transaction(database_url) as session:
        stored = await progress.get(session, note["id"])
        assert progress.verify(stored)
        with pytest.raises(Exception, match="immutable"):
            async with session.begin_nested():
                await session.execute(
                    text("UPDATE progress_note SET sections = '{}' WHERE id = :id"),
                    {"id": note["id"]},
                )


async def test_bad_input_names_the_field_and_stores_nothing(
    client: AsyncTestClient, clinic
) -> None:
    url = f"{clinic['url']}/progress-notes"
    cases = [
        ({"format": "dap", "sections": {"subjective": "x"}} | _times(), "sections.subjective"),
        ({"format": "birp", "service_start": _times()["service_start"]}, "service_end"),
        ({"format": "dap"}, "service_start"),
        ({"format": "xyz"} | _times(), "format"),
    ]
    for body, field in cases:
        response = await client.post(url, headers=clinic["cleo"], json=body)
        assert response.status_code in (400, 422), (body, response.text)
        assert field in response.text, (body, response.text)
    listed = await client.get(url, headers=clinic["cleo"])
    assert listed.json() == []


async def test_late_entry_and_cosign_for_unlicensed_author(
    client: AsyncTestClient, clinic, make_user
) -> None:
    peer = await make_user("pete", Role.FACILITATOR)
    await make_user("sue", Role.SUPERVISOR)
    pete = await sign_in(client, "pete")
    care_team = await client.post(
        f"{clinic['url']}/care-team",
        headers=clinic["cleo"],
        json={"user_id": str(peer.id), "role": "facilitator"},
    )
    assert care_team.status_code in (200, 201), care_team.text
    dap = {"data": "Talked about work.", "assessment": "Stable.", "plan": "Next week."}
    note = (
        await client.post(
            f"{clinic['url']}/progress-notes",
            headers=pete,
            json={"format": "dap", "sections": dap} | _times(hours_ago=80),
        )
    ).json()
    other = await client.post(f"/api/v1/progress-notes/{note['id']}/sign", headers=clinic["cleo"])
    assert other.status_code == 403  # only the author signs their draft
    signed = (await client.post(f"/api/v1/progress-notes/{note['id']}/sign", headers=pete)).json()
    assert signed["late_entry"] is True and signed["cosign_required"] is True
    sue = await sign_in(client, "sue")
    queue = (await client.get("/api/v1/notes/cosign-queue", headers=sue)).json()
    assert [(n["id"], n["patient_name"]) for n in queue] == [(note["id"], "Odalys Ferreira")]
    cosigned = await client.post(f"/api/v1/progress-notes/{note['id']}/cosign", headers=sue)
    assert cosigned.status_code == 200 and cosigned.json()["cosigned_by"] is not None
    assert (await client.get("/api/v1/notes/cosign-queue", headers=sue)).json() == []
