"""FHIR R4 API, client export and transfer of care: every resource validates against the
fhir.resources R4B (4.3, R4-compatible) models; Part 2 labels follow the client's program;
chart access and consent gate what leaves; no other group member ever appears."""

import base64
import json
import uuid
from datetime import date, timedelta
from io import BytesIO
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from backend import admin
from backend.consent.models import Consent, ConsentRecipient
from backend.notes.pdf import NOTICE
from backend.scheduling.models import Session
from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.consent

PART2 = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "42CFRPart2"}
TYPES = [
    "Patient",
    "Condition",
    "AllergyIntolerance",
    "MedicationRequest",
    "CarePlan",
    "Goal",
    "Observation",
    "QuestionnaireResponse",
    "Appointment",
    "Encounter",
    "Provenance",
]


def valid(resource: dict[str, Any]) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def plan_content() -> dict[str, Any]:
    objective = {
        "text": "PHQ-9 below 10",
        "kind": "instrument",
        "instrument": "phq9",
        "baseline": 18,
        "target": 9,
        "direction": "decrease",
        "target_date": (date.today() + timedelta(days=60)).isoformat(),
        "interventions": [{"modality": "CBT", "frequency": "weekly"}],
    }
    goal = {"text": "I want to feel like myself again", "objectives": [objective]}
    return {"problems": [{"description": "Depression", "icd10": "F32.1", "goals": [goal]}]}


@pytest.fixture
async def chart(client: AsyncTestClient, make_user, documented_group) -> dict[str, Any]:
    """Member A of the documented group, in a Part 2 program, with a full chart."""
    await make_user("root", Role.ADMIN)
    root, cal = await sign_in(client, "root"), documented_group["cal"]
    program = await client.post(
        "/api/v1/programs",
        headers=root,
        json={"name": "Opioid IOP", "level_of_care": "iop", "part2": True},
    )
    member = documented_group["patients"][0]
    url = f"/api/v1/patients/{member['id']}"
    steps = [
        (f"{url}/episodes", {"program_id": program.json()["id"], "admitted_on": str(date.today())}),
        (f"{url}/diagnoses", {"code": "F32.1"}),
        (f"{url}/allergies", {"substance": "Penicillin", "reaction": "hives", "severity": "mild"}),
        (f"{url}/assessments", {"instrument": "phq9", "answers": [2] * 9}),
    ]
    for path, body in steps:
        response = await client.post(path, headers=cal, json=body)
        assert response.status_code == 201, response.text
    plan = (await client.post(f"{url}/plans", headers=cal, json={"content": plan_content()})).json()
    await client.post(f"/api/v1/plans/{plan['id']}/sign", headers=cal)
    signed = await client.post(
        f"/api/v1/plans/{plan['id']}/client-signature",
        headers=cal,
        json={"kind": "typed", "data": "Zebulon Quartermaine"},
    )
    assert signed.json()["status"] == "active", signed.text
    rx = await client.post(
        f"{url}/prescriptions",
        headers=cal,
        json={
            "drug_name": "Sertraline",
            "strength": "50 mg",
            "dose_form": "tablet",
            "dose_amount": 50,
            "dose_unit": "mg",
            "route": "PO",
            "frequency": "daily",
            "quantity": 30,
            "quantity_unit": "tablet",
        },
    )
    assert rx.status_code == 201, rx.text
    sign = await client.post(
        f"/api/v1/prescriptions/{rx.json()['id']}/sign", headers=cal | {"If-Match": '"1"'}
    )
    assert sign.status_code == 200, sign.text
    return documented_group | {"member": member, "url": url}


async def test_every_resource_reads_searches_and_validates_with_part2_labels(
    client: AsyncTestClient, chart
) -> None:
    cal, member_id = chart["cal"], chart["member"]["id"]
    metadata = await client.get("/api/fhir/metadata")
    assert metadata.headers["content-type"].startswith("application/fhir+json")
    valid(metadata.json())
    for kind in TYPES:
        params = {"_id" if kind == "Patient" else "patient": member_id}
        found = await client.get(f"/api/fhir/{kind}", params=params, headers=cal)
        assert found.status_code == 200, (kind, found.text)
        assert found.headers["content-type"].startswith("application/fhir+json")
        bundle = found.json()
        valid(bundle)
        assert bundle["type"] == "searchset" and bundle["total"] >= 1, kind
        for entry in bundle["entry"]:
            resource = entry["resource"]
            assert PART2 in resource["meta"]["security"], kind
            read = await client.get(f"/api/fhir/{kind}/{resource['id']}", headers=cal)
            assert read.status_code == 200, (kind, read.text)
            assert read.json() == resource
            valid(read.json())
    observations = (
        await client.get("/api/fhir/Observation", params={"patient": member_id}, headers=cal)
    ).json()
    codes = [c["code"] for e in observations["entry"] for c in e["resource"]["code"]["coding"]]
    assert "44261-6" in codes
    by_mrn = await client.get(
        "/api/fhir/Patient",
        params={"identifier": f"urn:emr:mrn|{chart['member']['mrn']}"},
        headers=cal,
    )
    assert by_mrn.json()["entry"][0]["resource"]["id"] == member_id
    assert (
        await client.get("/api/fhir/Goal", params={"subject": "x"}, headers=cal)
    ).status_code == 400


async def test_labels_absent_outside_part2_and_chart_access_enforced(
    client: AsyncTestClient, chart, make_user, database_url: str
) -> None:
    other = chart["patients"][1]
    patient = (await client.get(f"/api/fhir/Patient/{other['id']}", headers=chart["cal"])).json()
    valid(patient)
    assert "meta" not in patient
    await make_user("stranger", Role.CLINICIAN)
    stranger = await sign_in(client, "stranger")
    member_id = chart["member"]["id"]
    for path in (
        f"/api/fhir/Patient/{member_id}",
        f"/api/fhir/Condition?patient={member_id}",
        f"/api/v1/patients/{member_id}/export.fhir",
    ):
        assert (await client.get(path, headers=stranger)).status_code == 403, path
    async with admin.transaction(database_url) as session:
        row = await session.get(Session, uuid.UUID(chart["session_id"]))
        assert row is not None
        group_id = row.group_id
    roster = await client.get(f"/api/fhir/Group/{group_id}", headers=chart["fay"])
    assert roster.status_code == 200, roster.text
    valid(roster.json())
    assert (await client.get(f"/api/fhir/Group/{group_id}", headers=stranger)).status_code == 403


async def test_export_bundle_validates_and_names_no_other_member(
    client: AsyncTestClient, chart
) -> None:
    response = await client.get(f"{chart['url']}/export.fhir", headers=chart["cal"])
    assert response.status_code == 200, response.text
    bundle = response.json()
    valid(bundle)
    assert bundle["type"] == "collection"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert set(TYPES) <= kinds and "Group" not in kinds
    for entry in bundle["entry"]:
        resource = entry["resource"]
        valid(resource)
        if resource["resourceType"] != "Provenance":
            ids = resource["identifier"]
            ours = ids if isinstance(ids, list) else [ids]
            assert any(i["value"] == resource["id"] for i in ours), resource["resourceType"]
    text = json.dumps(bundle)
    for other in chart["patients"][1:]:
        for value in (other["id"], other["mrn"], other["family_name"], other["given_name"]):
            assert value not in text
    statuses = {
        e["resource"]["status"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Appointment"
    }
    assert statuses == {"fulfilled"}


async def test_transfer_needs_a_consent_and_carries_the_notice(
    client: AsyncTestClient, chart, database_url: str
) -> None:
    body = {"recipient": "Harbor Recovery Center", "purpose": "treatment"}
    url = f"{chart['url']}/transfer"
    refused = await client.post(url, headers=chart["cal"], json=body)
    assert refused.status_code == 403, refused.text
    async with admin.transaction(database_url) as session:
        staff = (await client.get("/api/v1/auth/me", headers=chart["cal"])).json()
        consent = Consent(
            patient_id=uuid.UUID(chart["member"]["id"]),
            discloser="Demo Behavioral Health",
            purposes=["treatment"],
            information="Transfer summary",
            categories=[
                "demographics",
                "diagnoses",
                "treatment_plan",
                "medications",
                "allergies",
                "assessments",
                "attendance",
            ],
            revocation_text="Revoke in writing at any time.",
            signed_by="Zebulon Quartermaine",
            signed_on=date.today(),
            recorded_by=uuid.UUID(staff["id"]),
        )
        session.add(consent)
        await session.flush()
        session.add(ConsentRecipient(consent_id=consent.id, name="Harbor Recovery Center"))
    allowed = await client.post(url, headers=chart["cal"], json=body)
    assert allowed.status_code == 200, allowed.text
    packet = allowed.json()
    document = packet["bundle"]
    valid(document)
    assert document["type"] == "document"
    assert document["entry"][0]["resource"]["resourceType"] == "Composition"
    for entry in document["entry"]:
        valid(entry["resource"])
    pdf = base64.b64decode(packet["pdf_base64"])
    text = " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(BytesIO(pdf)).pages
    )
    assert " ".join(NOTICE.split()) in text
    assert "Sertraline" in text and "F32.1" in text and str(consent.id) in text
    assert "Okonkwo-Vance" not in text
