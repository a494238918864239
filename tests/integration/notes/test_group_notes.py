"""Group notes: entries per expected member with attribution and versions, the name-leak
check at signing, locking with a verifiable hash, addenda, and member views that never
reveal another member."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from backend import admin
from backend.notes import service as notes
from shared.enums import Role
from tests.conftest import sign_in
from tests.integration.conftest import document_attendees

pytestmark = pytest.mark.notes


async def _open(client: AsyncTestClient, ctx: dict) -> dict:
    response = await client.post(f"/api/v1/sessions/{ctx['session_id']}/note", headers=ctx["fay"])
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_entries_for_every_expected_member_with_attendance(
    client: AsyncTestClient, documented_group
) -> None:
    note = await _open(client, documented_group)
    assert [(e["patient_name"], e["attendance"]) for e in note["entries"]] == [
        ("Thaddeus Brightwater", "absent"),
        ("Marisol Okonkwo-Vance", "late"),
        ("Zebulon Quartermaine", "present"),
    ]
    absent = documented_group["patients"][2]["id"]
    url = f"/api/v1/notes/{note['id']}/entries/{absent}"
    refused = await client.patch(
        url, json={"narrative": "x"}, headers=documented_group["fay"] | {"If-Match": '"1"'}
    )
    assert refused.status_code == 422


async def test_co_facilitators_edit_different_entries_and_collide_on_one(
    client: AsyncTestClient, documented_group
) -> None:
    ctx = documented_group
    note = await _open(client, ctx)
    zeb, mari = ctx["patients"][0]["id"], ctx["patients"][1]["id"]
    base = f"/api/v1/notes/{note['id']}/entries"
    a = await client.patch(
        f"{base}/{zeb}", json={"participation": "active"}, headers=ctx["fay"] | {"If-Match": '"1"'}
    )
    b = await client.patch(
        f"{base}/{mari}",
        json={"participation": "minimal"},
        headers=ctx["cal"] | {"If-Match": '"1"'},
    )
    assert (a.status_code, b.status_code) == (200, 200)
    stale = await client.patch(
        f"{base}/{zeb}", json={"affect": "flat"}, headers=ctx["cal"] | {"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == '"2"'
    note = (await client.get(f"/api/v1/notes/{note['id']}", headers=ctx["fay"])).json()
    authors = {e["patient_name"]: len(e["author_ids"]) for e in note["entries"]}
    assert authors["Zebulon Quartermaine"] == 1 and authors["Marisol Okonkwo-Vance"] == 1


async def test_signing_refuses_name_leaks_then_locks_with_a_verifiable_hash(
    client: AsyncTestClient, documented_group, database_url: str
) -> None:
    ctx = documented_group
    note = await _open(client, ctx)
    url = f"/api/v1/notes/{note['id']}"
    zeb, mari = ctx["patients"][0], ctx["patients"][1]
    shared = await client.patch(
        url,
        headers=ctx["fay"] | {"If-Match": '"1"'},
        json={"topic": "Urge surfing", "group_process": "zebulon opened the group warmly"},
    )
    assert shared.status_code == 200
    entry = await client.patch(
        f"{url}/entries/{mari['id']}",
        headers=ctx["fay"] | {"If-Match": '"1"'},
        json={"narrative": f"Supported {zeb['mrn']} during role play"},
    )
    assert entry.status_code == 200
    await document_attendees(client, ctx["fay"], ctx["session_id"])
    refused = await client.post(f"{url}/sign", headers=ctx["fay"])
    assert refused.status_code == 422
    assert [(leak["field"], leak["text"]) for leak in refused.json()["leaks"]] == [
        (f"entries.{mari['id']}.narrative", zeb["mrn"]),
        ("shared.group_process", "zebulon"),
    ]
    await client.patch(
        url,
        headers=ctx["fay"] | {"If-Match": '"2"'},
        json={"group_process": "A member opened the group warmly"},
    )
    await client.patch(
        f"{url}/entries/{mari['id']}",
        headers=ctx["fay"] | {"If-Match": '"3"'},
        json={"narrative": "Supported a peer during role play"},
    )
    signed = await client.post(f"{url}/sign", headers=ctx["fay"])
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed" and len(signed.json()["content_hash"]) == 64

    locked = await client.patch(url, headers=ctx["fay"] | {"If-Match": '"4"'}, json={"topic": "x"})
    assert locked.status_code == 409
    addendum = await client.post(
        f"{url}/addenda",
        headers=ctx["cal"],
        json={"reason": "Late detail", "text": "Group ran 10 minutes over."},
    )
    assert addendum.status_code == 201
    async with admin.transaction(database_url) as session:
        stored = await notes.get(session, signed.json()["id"])
        assert await notes.verify(session, stored)


async def test_a_members_chart_never_shows_another_member(
    client: AsyncTestClient, documented_group
) -> None:
    ctx = documented_group
    note = await _open(client, ctx)
    url = f"/api/v1/notes/{note['id']}"
    await client.patch(url, headers=ctx["fay"] | {"If-Match": '"1"'}, json={"topic": "Triggers"})
    for patient, text in zip(
        ctx["patients"][:2], ["Named three triggers", "Quiet today"], strict=True
    ):
        await client.patch(
            f"{url}/entries/{patient['id']}",
            headers=ctx["fay"] | {"If-Match": '"1"'},
            json={"narrative": text},
        )
    await document_attendees(client, ctx["fay"], ctx["session_id"])
    assert (await client.post(f"{url}/sign", headers=ctx["fay"])).status_code == 200
    zeb, mari = ctx["patients"][0], ctx["patients"][1]
    for body in (
        {"reason": "Late detail", "text": "Group ran 10 minutes over."},
        {"reason": "For one member", "text": "Asked for a referral.", "patient_id": mari["id"]},
    ):
        added = await client.post(f"{url}/addenda", headers=ctx["cal"], json=body)
        assert added.status_code == 201
    chart = f"/api/v1/patients/{zeb['id']}"
    view = await client.get(f"{chart}/group-notes", headers=ctx["cal"])
    assert view.status_code == 200
    assert [n["entry"]["narrative"] for n in view.json()] == ["Named three triggers"]
    assert [a["text"] for a in view.json()[0]["addenda"]] == ["Group ran 10 minutes over."]
    export = await client.get(f"{chart}/notes/export", headers=ctx["cal"])
    assert export.status_code == 200
    assert export.json()["group_notes"][0]["entry"]["narrative"] == "Named three triggers"
    printed = await client.get(f"{chart}/notes.pdf", headers=ctx["cal"])
    assert printed.status_code == 200
    assert printed.headers["content-type"] == "application/pdf"
    pdf_text = "".join(page.extract_text() for page in PdfReader(BytesIO(printed.content)).pages)
    assert "Zebulon Quartermaine" in pdf_text and "Named three triggers" in pdf_text
    assert "Group ran 10 minutes over." in pdf_text
    for shown in (view.text, export.text, pdf_text):
        assert "Asked for a referral" not in shown
        for other in ctx["patients"][1:]:
            for token in (other["given_name"], other["family_name"], other["mrn"], other["id"]):
                assert token not in shown


async def test_peer_facilitator_notes_go_to_the_supervisor_cosign_queue(
    client: AsyncTestClient, documented_group, make_user
) -> None:
    ctx = documented_group
    note = await _open(client, ctx)
    unsigned = (await client.get("/api/v1/notes/unsigned", headers=ctx["fay"])).json()
    assert [n["id"] for n in unsigned] == [note["id"]]
    url = f"/api/v1/notes/{note['id']}"
    await client.patch(url, headers=ctx["fay"] | {"If-Match": '"1"'}, json={"topic": "Boundaries"})
    await document_attendees(client, ctx["fay"], ctx["session_id"])
    signed = (await client.post(f"{url}/sign", headers=ctx["fay"])).json()
    assert signed["cosign_required"] is True
    assert (await client.get("/api/v1/notes/unsigned", headers=ctx["fay"])).json() == []
    await make_user("sup", Role.SUPERVISOR)
    supervisor = await sign_in(client, "sup")
    queue = (await client.get("/api/v1/notes/cosign-queue", headers=supervisor)).json()
    assert [n["id"] for n in queue] == [note["id"]]
    cosigned = await client.post(f"{url}/cosign", headers=supervisor)
    assert cosigned.status_code == 200 and cosigned.json()["cosigned_by"] is not None
    assert (await client.get("/api/v1/notes/cosign-queue", headers=supervisor)).json() == []


async def test_group_template_decides_required_fields(client: AsyncTestClient, make_user) -> None:
    fac = await make_user("tpl", Role.CLINICIAN, Role.COORDINATOR)
    headers = await sign_in(client, "tpl")
    group = (
        await client.post(
            "/api/v1/groups",
            headers=headers,
            json={
                "name": "Templated",
                "facilitator_ids": [str(fac.id)],
                "note_template": {
                    "prompts": {"topic": "Curriculum unit"},
                    "required": ["topic", "interventions"],
                },
            },
        )
    ).json()
    yesterday = date.today() - timedelta(days=1)
    session_id = (
        await client.post(
            "/api/v1/series",
            headers=headers,
            json={
                "group_id": group["id"],
                "rrule": "FREQ=DAILY;COUNT=1",
                "timezone": "America/New_York",
                "start_local": f"{yesterday.isoformat()}T10:00",
                "duration_minutes": 60,
            },
        )
    ).json()["sessions"][0]["id"]
    note = (await client.post(f"/api/v1/sessions/{session_id}/note", headers=headers)).json()
    url = f"/api/v1/notes/{note['id']}"
    await client.patch(url, headers=headers | {"If-Match": '"1"'}, json={"topic": "Unit 3"})
    refused = await client.post(f"{url}/sign", headers=headers)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["interventions"]
    await client.patch(url, headers=headers | {"If-Match": '"2"'}, json={"interventions": "CBT"})
    signed = await client.post(f"{url}/sign", headers=headers)
    assert signed.status_code == 200
    assert signed.json()["cosign_required"] is False  # a clinician signed
