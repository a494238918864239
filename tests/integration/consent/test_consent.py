"""42 CFR Part 2: every §2.31 element required, counseling notes on a consent of their
own, disclosures refused without a covering consent (and nothing recorded), PDFs with
the §2.32 notice, the accounting, revocation of one recipient, expiry, the emergency
exception, and group notes that never name another member."""

from datetime import date, timedelta
from io import BytesIO
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from pypdf import PdfReader
from sqlalchemy import text

from backend import admin
from backend.notes.pdf import NOTICE
from shared.enums import Role
from tests.conftest import sign_in
from tests.integration.conftest import document_attendees

pytestmark = pytest.mark.consent

ELEMENTS = [
    "discloser",
    "recipients",
    "purposes",
    "information",
    "categories",
    "expiration",
    "revocation_text",
    "signed_by",
    "signed_on",
]


@pytest.fixture
async def clinic(client: AsyncTestClient, make_user) -> dict[str, Any]:
    await make_user("cleo", Role.CLINICIAN)
    headers = await sign_in(client, "cleo")
    body = {"given_name": "Odalys", "family_name": "Ferreira", "birth_date": "1990-02-03"}
    patient = (await client.post("/api/v1/patients", json=body, headers=headers)).json()
    return {"cleo": headers, "patient": patient, "url": f"/api/v1/patients/{patient['id']}"}


def _consent(**changes: Any) -> dict[str, Any]:
    return {
        "discloser": "Harbor Recovery IOP",
        "recipients": [{"name": "Dr. Ada Lane"}, {"name": "County Drug Court"}],
        "purposes": ["tpo"],
        "information": "Diagnoses, medications and attendance since admission",
        "categories": ["demographics", "diagnoses", "medications", "attendance"],
        "expires_on": (date.today() + timedelta(days=365)).isoformat(),
        "revocation_text": "You may revoke this consent at any time, in writing.",
        "signed_by": "Odalys Ferreira",
        "signed_on": date.today().isoformat(),
    } | changes


def _text(pdf: bytes) -> list[str]:
    return ["".join(p.extract_text().split()) for p in PdfReader(BytesIO(pdf)).pages]


def _squeezed(value: str) -> str:
    return "".join(value.split())


async def _disclose(client: AsyncTestClient, ctx: dict, **body: Any) -> Any:
    request = {"recipient": "Dr. Ada Lane", "purpose": "treatment", "categories": ["diagnoses"]}
    return await client.post(f"{ctx['url']}/disclosures", headers=ctx["cleo"], json=request | body)


async def test_a_consent_missing_elements_names_each_one(client: AsyncTestClient, clinic) -> None:
    refused = await client.post(f"{clinic['url']}/consents", headers=clinic["cleo"], json={})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ELEMENTS

    partial = await client.post(
        f"{clinic['url']}/consents",
        headers=clinic["cleo"],
        json=_consent(purposes=["other"], recipients=[{"name": " "}]),
    )
    assert partial.status_code == 422
    assert [e["field"] for e in partial.json()["errors"]] == ["recipients.0.name", "purpose_text"]

    created = await client.post(
        f"{clinic['url']}/consents",
        headers=clinic["cleo"],
        json=_consent(expires_on=None, expires_event="end of treatment"),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "active" and len(body["recipients"]) == 2
    assert "Harbor Recovery IOP" in body["description"]
    form = await client.get(f"/api/v1/consents/{body['id']}/pdf", headers=clinic["cleo"])
    assert form.status_code == 200 and form.headers["content-type"] == "application/pdf"
    pages = _text(form.content)
    assert all(_squeezed(NOTICE) in page for page in pages)
    for element in ("Harbor Recovery IOP", "County Drug Court", "end of treatment", "revoke"):
        assert _squeezed(element) in "".join(pages)


async def test_counseling_notes_need_a_consent_of_their_own(
    client: AsyncTestClient, clinic
) -> None:
    mixed = await client.post(
        f"{clinic['url']}/consents",
        headers=clinic["cleo"],
        json=_consent(categories=["counseling_notes", "diagnoses"]),
    )
    assert mixed.status_code == 422
    assert [e["field"] for e in mixed.json()["errors"]] == ["categories"]
    alone = await client.post(
        f"{clinic['url']}/consents",
        headers=clinic["cleo"],
        json=_consent(categories=["counseling_notes"]),
    )
    assert alone.status_code == 201 and alone.json()["counseling_notes"] is True
    both = await _disclose(client, clinic, categories=["counseling_notes", "diagnoses"])
    assert both.status_code == 403


async def test_disclosure_without_consent_is_refused_and_nothing_recorded(
    client: AsyncTestClient, clinic, database_url: str
) -> None:
    refused = await _disclose(client, clinic, categories=["diagnoses", "medications"])
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["type"].endswith("/consent-required")
    assert problem["missing"] == {
        "recipient": "Dr. Ada Lane",
        "purpose": "treatment",
        "categories": ["diagnoses", "medications"],
    }
    accounting = await client.get(f"{clinic['url']}/disclosures", headers=clinic["cleo"])
    assert accounting.status_code == 200 and accounting.json() == []
    async with admin.transaction(database_url) as session:
        assert (await session.execute(text("SELECT count(*) FROM disclosure"))).scalar() == 0
        outcomes = (
            await session.execute(text("SELECT outcome FROM audit_event WHERE action = 'disclose'"))
        ).scalars()
        assert list(outcomes) == ["denied"]


async def test_disclosure_under_consent_and_partial_revocation(
    client: AsyncTestClient, clinic
) -> None:
    consent = (
        await client.post(f"{clinic['url']}/consents", headers=clinic["cleo"], json=_consent())
    ).json()
    disclosed = await _disclose(
        client, clinic, recipient="dr.  ada LANE", categories=["demographics", "diagnoses"]
    )
    assert disclosed.status_code == 200, disclosed.text
    assert disclosed.headers["content-type"] == "application/pdf"
    first_id = disclosed.headers["x-disclosure-id"]
    pages = _text(disclosed.content)
    assert all(_squeezed(NOTICE) in page for page in pages)
    assert _squeezed(consent["description"]) in "".join(pages)
    assert "OdalysFerreira" in pages[0]

    wider = await _disclose(client, clinic, categories=["diagnoses", "labs"])
    assert wider.status_code == 403 and wider.json()["missing"]["categories"] == ["labs"]
    other_purpose = await _disclose(client, clinic, purpose="other")
    assert other_purpose.status_code == 403

    listed = (await client.get(f"{clinic['url']}/disclosures", headers=clinic["cleo"])).json()
    assert [(d["id"], d["consent_id"], d["recipient"]) for d in listed] == [
        (first_id, consent["id"], "dr.  ada LANE")
    ]
    assert listed[0]["categories"] == ["demographics", "diagnoses"]
    assert listed[0]["disclosed_by_name"] == "cleo" and len(listed[0]["artifact_hash"]) == 64

    ada = next(r for r in consent["recipients"] if r["name"] == "Dr. Ada Lane")
    revoked = await client.post(
        f"/api/v1/consents/{consent['id']}/recipients/{ada['id']}/revoke", headers=clinic["cleo"]
    )
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "active"
    assert (await _disclose(client, clinic)).status_code == 403
    court = await _disclose(client, clinic, recipient="County Drug Court", purpose="payment")
    assert court.status_code == 200

    listed = (await client.get(f"{clinic['url']}/disclosures", headers=clinic["cleo"])).json()
    assert [d["recipient"] for d in listed] == ["County Drug Court", "dr.  ada LANE"]
    csv_text = (await client.get(f"{clinic['url']}/disclosures.csv", headers=clinic["cleo"])).text
    assert csv_text.splitlines()[0].startswith("disclosed_at,recipient,purpose")
    assert len(csv_text.splitlines()) == 3 and consent["id"] in csv_text

    whole = await client.post(f"/api/v1/consents/{consent['id']}/revoke", headers=clinic["cleo"])
    assert whole.status_code == 200 and whole.json()["status"] == "revoked"
    again = await _disclose(client, clinic, recipient="County Drug Court", purpose="payment")
    assert again.status_code == 403


async def test_an_expired_consent_is_refused(client: AsyncTestClient, clinic) -> None:
    old = _consent(
        signed_on=(date.today() - timedelta(days=700)).isoformat(),
        expires_on=(date.today() - timedelta(days=1)).isoformat(),
    )
    created = await client.post(f"{clinic['url']}/consents", headers=clinic["cleo"], json=old)
    assert created.status_code == 201 and created.json()["status"] == "expired"
    assert (await _disclose(client, clinic)).status_code == 403


async def test_a_medical_emergency_is_disclosed_and_accounted_as_such(
    client: AsyncTestClient, clinic
) -> None:
    vague = await _disclose(client, clinic, recipient="St. Mary ED", exception="medical_emergency")
    assert vague.status_code == 422
    assert [e["field"] for e in vague.json()["errors"]] == ["exception_detail"]
    detail = "Unresponsive on arrival; ED needs current medications"
    allowed = await _disclose(
        client,
        clinic,
        recipient="St. Mary ED",
        categories=["medications", "allergies"],
        exception="medical_emergency",
        exception_detail=detail,
    )
    assert allowed.status_code == 200, allowed.text
    assert _squeezed(detail) in "".join(_text(allowed.content))
    (row,) = (await client.get(f"{clinic['url']}/disclosures", headers=clinic["cleo"])).json()
    assert (row["consent_id"], row["exception"], row["exception_detail"]) == (
        None,
        "medical_emergency",
        detail,
    )


async def test_staff_without_a_clinical_disclosure_role_are_refused(
    client: AsyncTestClient, clinic, make_user
) -> None:
    await make_user("coord", Role.COORDINATOR)
    coordinator = await sign_in(client, "coord")
    listed = await client.get(f"{clinic['url']}/consents", headers=coordinator)
    assert listed.status_code == 403
    await make_user("stranger", Role.CLINICIAN)
    stranger = await sign_in(client, "stranger")
    assert (await client.get(f"{clinic['url']}/consents", headers=stranger)).status_code == 403


async def test_a_group_members_disclosure_never_names_another_member(
    client: AsyncTestClient, documented_group
) -> None:
    ctx = documented_group
    note = (
        await client.post(f"/api/v1/sessions/{ctx['session_id']}/note", headers=ctx["fay"])
    ).json()
    url = f"/api/v1/notes/{note['id']}"
    await client.patch(url, headers=ctx["fay"] | {"If-Match": '"1"'}, json={"topic": "Triggers"})
    for patient, narrative in zip(
        ctx["patients"], ["Named three triggers", "Quiet today", "Absent"], strict=True
    ):
        await client.patch(
            f"{url}/entries/{patient['id']}",
            headers=ctx["fay"] | {"If-Match": '"1"'},
            json={"narrative": narrative},
        )
    await document_attendees(client, ctx["fay"], ctx["session_id"])
    assert (await client.post(f"{url}/sign", headers=ctx["fay"])).status_code == 200
    zeb = ctx["patients"][0]
    chart = {"cleo": ctx["cal"], "url": f"/api/v1/patients/{zeb['id']}"}
    categories = ["demographics", "group_notes", "attendance"]
    consent = await client.post(
        f"{chart['url']}/consents",
        headers=ctx["cal"],
        json=_consent(categories=categories, signed_by="Zebulon Quartermaine"),
    )
    assert consent.status_code == 201, consent.text
    disclosed = await _disclose(client, chart, categories=categories)
    assert disclosed.status_code == 200, disclosed.text
    shown = "".join(_text(disclosed.content))
    assert "ZebulonQuartermaine" in shown and "Namedthreetriggers" in shown
    assert "Quiettoday" not in shown
    for other in ctx["patients"][1:]:
        for token in (other["given_name"], other["family_name"], other["mrn"], other["id"]):
            assert _squeezed(token) not in shown
