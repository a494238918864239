"""Lab orders and results through the API: flags computed on the way in, critical values
alerting exactly the care team, refusals that name the field and store nothing, CSV and
HL7 imports (all or nothing), newest-first lists and oldest-first trends, the order
lifecycle, roles, and the audit trail."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.medications

LITHIUM = {
    "analyte": "Lithium",
    "unit": "mmol/L",
    "ref_low": 0.6,
    "ref_high": 1.2,
    "critical_low": 0.3,
    "critical_high": 1.5,
}


@pytest.fixture
async def clinic(client: AsyncTestClient, make_user) -> dict[str, Any]:
    """Cleo registers Odalys (so is on her care team) and adds Pete; Nora has her own
    client; Sue supervises; Coco coordinates; Aldo audits."""
    users = {
        name: await make_user(name, role)
        for name, role in [
            ("cleo", Role.CLINICIAN),
            ("pete", Role.FACILITATOR),
            ("nora", Role.CLINICIAN),
            ("sue", Role.SUPERVISOR),
            ("coco", Role.COORDINATOR),
            ("aldo", Role.AUDITOR),
        ]
    }
    headers = {name: await sign_in(client, name) for name in users}
    body = {"given_name": "Odalys", "family_name": "Ferreira", "birth_date": "1990-02-03"}
    odalys = (await client.post("/api/v1/patients", json=body, headers=headers["cleo"])).json()
    added = await client.post(
        f"/api/v1/patients/{odalys['id']}/care-team",
        headers=headers["cleo"],
        json={"user_id": str(users["pete"].id), "role": "facilitator"},
    )
    assert added.status_code in (200, 201), added.text
    return {
        **headers,
        "ids": {name: str(user.id) for name, user in users.items()},
        "patient": odalys["id"],
        "url": f"/api/v1/patients/{odalys['id']}",
    }


async def _order(
    client: AsyncTestClient, clinic: dict[str, Any], code: str = "LITH", name: str = "Lithium"
) -> dict[str, Any]:
    response = await client.post(
        f"{clinic['url']}/lab-orders",
        headers=clinic["cleo"],
        json={"test_code": code, "test_name": name, "panel": False, "specimen": "serum"},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _results(
    client: AsyncTestClient, clinic: dict[str, Any], order_id: str, *results: dict[str, Any]
) -> Any:
    return await client.post(
        f"/api/v1/lab-orders/{order_id}/results",
        headers=clinic["cleo"],
        json={"results": list(results)},
    )


async def _stored(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM lab_result"))
    finally:
        await conn.close()


async def test_order_collect_and_result_with_computed_flags(
    client: AsyncTestClient, clinic
) -> None:
    order = await _order(client, clinic, "BMP-UDS", "Lithium, sodium and drug screen")
    assert order["status"] == "ordered" and order["ordering_clinician_id"] == clinic["ids"]["cleo"]
    collected = await client.post(
        f"/api/v1/lab-orders/{order['id']}/collect", headers=clinic["cleo"]
    )
    assert collected.status_code == 200, collected.text
    assert collected.json()["status"] == "collected" and collected.json()["collected_at"]

    response = await _results(
        client,
        clinic,
        order["id"],
        LITHIUM | {"value": 1.2},
        {"analyte": "Sodium", "value": 131, "unit": "mEq/L", "ref_low": 135, "ref_high": 145},
        {"analyte": "TSH", "value": 6.1, "unit": "uIU/mL", "ref_high": 4.5},
        {"analyte": "Cannabinoids", "qualitative": "Positive", "cutoff": 50, "unit": "ng/mL"},
        {"analyte": "Opiates", "qualitative": "negative", "cutoff": 300, "unit": "ng/mL"},
        {"analyte": "Culture", "value_text": "no growth"},
    )
    assert response.status_code == 201, response.text
    stored = {r["analyte"]: r for r in response.json()}
    assert {a: r["flag"] for a, r in stored.items()} == {
        "Lithium": "normal",  # equal to ref_high
        "Sodium": "low",
        "TSH": "high",
        "Cannabinoids": "positive",
        "Opiates": "normal",
        "Culture": "normal",
    }
    assert stored["Cannabinoids"]["confirmation"] == "pending"
    assert stored["Cannabinoids"]["qualitative"] == "positive"
    assert stored["Opiates"]["confirmation"] is None
    assert stored["TSH"]["unit"] == "\u00b5IU/mL"
    assert all(r["source"] == "manual" for r in stored.values())

    orders = (await client.get(f"{clinic['url']}/lab-orders", headers=clinic["pete"])).json()
    assert [(o["id"], o["status"]) for o in orders] == [(order["id"], "resulted")]
    assert (await client.get("/api/v1/alerts", headers=clinic["cleo"])).json() == []


async def test_critical_value_alerts_every_care_team_member(
    client: AsyncTestClient, clinic
) -> None:
    order = await _order(client, clinic)
    response = await _results(client, clinic, order["id"], LITHIUM | {"value": 2.1})
    assert response.status_code == 201, response.text
    (result,) = response.json()
    assert result["flag"] == "critical high"

    for member in ("cleo", "pete"):
        (alert,) = (await client.get("/api/v1/alerts", headers=clinic[member])).json()
        assert alert["kind"] == "critical_lab" and alert["patient_id"] == clinic["patient"]
        assert "Lithium 2.1 mmol/L" in alert["message"], alert["message"]
    for outsider in ("nora", "sue", "coco"):
        assert (await client.get("/api/v1/alerts", headers=clinic[outsider])).json() == []

    trail = await client.get(
        "/api/v1/audit/events",
        params={"patient_id": clinic["patient"], "action": "alert"},
        headers=clinic["aldo"],
    )
    (event,) = trail.json()["items"]
    assert event["entity"] == "clinical_alert" and event["entity_id"] == result["id"]
    expected = sorted(clinic["ids"][m] for m in ("cleo", "pete"))
    assert sorted(event["detail"]["recipients"]) == expected


async def test_unknown_unit_names_the_field_and_stores_nothing(
    client: AsyncTestClient, clinic, database_url: str
) -> None:
    order = await _order(client, clinic)
    response = await _results(
        client,
        clinic,
        order["id"],
        LITHIUM | {"value": 0.9, "unit": "mmol/dL"},
        LITHIUM | {"value": 2.5, "ref_low": 3.0},
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in problem["errors"]] == [
        "results[0].unit",
        "results[1].ref_low",
    ]
    assert problem["detail"].startswith("results[0].unit: unknown unit")
    assert await _stored(database_url) == 0
    orders = (await client.get(f"{clinic['url']}/lab-orders", headers=clinic["cleo"])).json()
    assert orders[0]["status"] == "ordered"
    assert (await client.get("/api/v1/alerts", headers=clinic["cleo"])).json() == []


async def test_results_for_a_nonexistent_or_cancelled_order_name_order_id(
    client: AsyncTestClient, clinic, database_url: str
) -> None:
    missing = await _results(client, clinic, str(uuid.uuid4()), LITHIUM | {"value": 0.9})
    assert missing.status_code == 422, missing.text
    assert [e["field"] for e in missing.json()["errors"]] == ["order_id"]

    order = await _order(client, clinic)
    cancelled = await client.post(
        f"/api/v1/lab-orders/{order['id']}/cancel", headers=clinic["cleo"]
    )
    assert cancelled.json()["status"] == "cancelled"
    refused = await _results(client, clinic, order["id"], LITHIUM | {"value": 0.9})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "results[0].order_id", "message": "the order is cancelled"}
    ]
    again = await client.post(f"/api/v1/lab-orders/{order['id']}/collect", headers=clinic["cleo"])
    assert again.status_code == 409
    assert await _stored(database_url) == 0


def _csv(*rows: str) -> str:
    header = "order_id,analyte,value,unit,ref_low,ref_high,critical_low,critical_high,"
    header += "qualitative,cutoff,resulted_at"
    return "\n".join([header, *rows]) + "\n"


async def _import(
    client: AsyncTestClient, clinic: dict[str, Any], body: str, media_type: str = "text/csv"
) -> Any:
    return await client.post(
        f"{clinic['url']}/lab-results/import",
        headers=clinic["cleo"] | {"Content-Type": media_type},
        content=body.encode(),
    )


async def test_csv_import_stores_every_row_with_flags(client: AsyncTestClient, clinic) -> None:
    lithium, screen = await _order(client, clinic), await _order(client, clinic, "UDS", "UDS")
    body = _csv(
        f"{lithium['id']},Lithium,0.4,mmol/L,0.6,1.2,0.3,1.5,,,2025-01-06T08:00:00-05:00",
        f"{lithium['id']},Lithium,0.2,mmol/L,0.6,1.2,0.3,1.5,,,2025-01-07 08:00",
        f"{screen['id']},Amphetamines,,ng/mL,,,,,POS,500,",
        f"{screen['id']},Benzodiazepines,120,ng/mL,,,,,,200,",
    )
    response = await _import(client, clinic, body)
    assert response.status_code == 201, response.text
    rows = response.json()
    assert [(r["analyte"], r["flag"]) for r in rows] == [
        ("Lithium", "low"),
        ("Lithium", "critical low"),
        ("Amphetamines", "positive"),
        ("Benzodiazepines", "normal"),
    ]
    assert {r["source"] for r in rows} == {"csv"}
    # A time without an offset is the clinic's local time (America/New_York).
    assert datetime.fromisoformat(rows[1]["resulted_at"]) == datetime(2025, 1, 7, 13, tzinfo=UTC)
    assert rows[2]["confirmation"] == "pending"
    assert len((await client.get("/api/v1/alerts", headers=clinic["pete"])).json()) == 1
    orders = (await client.get(f"{clinic['url']}/lab-orders", headers=clinic["cleo"])).json()
    assert {o["status"] for o in orders} == {"resulted"}


async def test_one_bad_csv_row_refuses_the_whole_file(
    client: AsyncTestClient, clinic, database_url: str
) -> None:
    order = await _order(client, clinic)
    body = _csv(
        f"{order['id']},Lithium,0.9,mmol/L,0.6,1.2,,,,,",
        f"{order['id']},Lithium,0.9,mmol/l2,0.6,1.2,,,,,",
        f"{order['id']},Lithium,high,mmol/L,0.6,1.2,,,,,",
        f"{uuid.uuid4()},Lithium,0.9,mmol/L,,,,,,,",
        f"{order['id']},Lithium,nan,mmol/L,,,,,,,",
    )
    response = await _import(client, clinic, body)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [
        "row 3: unit",
        "row 4: value",
        "row 5: order_id",
        "row 6: value",
    ]
    assert await _stored(database_url) == 0

    unknown_column = await _import(client, clinic, "order_id,analyte,unit,colour\n")
    assert [e["field"] for e in unknown_column.json()["errors"]] == ["row 1: colour"]
    wrong_type = await _import(client, clinic, "{}", "application/json")
    assert wrong_type.status_code == 415


async def test_trend_is_oldest_first_and_list_newest_first(client: AsyncTestClient, clinic) -> None:
    order = await _order(client, clinic)
    now = datetime.now(UTC)
    days_ago = [3, 10, 1, 20]
    sent = [
        LITHIUM | {"value": value, "resulted_at": (now - timedelta(days=d)).isoformat()}
        for value, d in zip([0.8, 1.3, 1.6, 0.5], days_ago, strict=True)
    ]
    assert (await _results(client, clinic, order["id"], *sent)).status_code == 201
    await _results(
        client, clinic, order["id"], {"analyte": "Sodium", "value": 140, "unit": "mEq/L"}
    )

    trend = await client.get(
        f"{clinic['url']}/lab-results/trend", params={"analyte": "lithium"}, headers=clinic["pete"]
    )
    assert trend.status_code == 200, trend.text
    body = trend.json()
    assert [(p["value"], p["flag"]) for p in body["points"]] == [
        (0.5, "low"),
        (1.3, "high"),
        (0.8, "normal"),
        (1.6, "critical high"),
    ]
    assert (body["analyte"], body["unit"], body["ref_low"], body["ref_high"]) == (
        "Lithium",
        "mmol/L",
        0.6,
        1.2,
    )
    listed = await client.get(
        f"{clinic['url']}/lab-results", params={"analyte": "Lithium"}, headers=clinic["cleo"]
    )
    assert [r["value"] for r in listed.json()] == [1.6, 0.8, 1.3, 0.5]
    everything = (await client.get(f"{clinic['url']}/lab-results", headers=clinic["cleo"])).json()
    assert everything[0]["analyte"] == "Sodium" and len(everything) == 5

    reads = await client.get(
        "/api/v1/audit/events",
        params={"patient_id": clinic["patient"], "action": "read"},
        headers=clinic["aldo"],
    )
    assert {e["entity"] for e in reads.json()["items"]} >= {"lab_results"}


def _oru(order_id: str, *obx: str, kind: str = "ORU^R01^ORU_R01") -> str:
    return "\r".join(
        [
            f"MSH|^~\\&|LAB|ACME|EMR|CLINIC|20250301120000-0500||{kind}|MSG0001|P|2.5.1",
            "PID|1||MRN1001^^^CLINIC^MR||Ferreira^Odalys||19900203|F",
            f"OBR|1|{order_id}|FILL1|PANEL^Lithium and screen^L|||20250301080000-0500",
            *obx,
        ]
    )


async def test_hl7_oru_import_flags_and_alerts(client: AsyncTestClient, clinic) -> None:
    order = await _order(client, clinic)
    message = _oru(
        order["id"],
        "OBX|1|NM|LITH^Lithium^L||2.1|mmol/L|0.6-1.2|HH|||F|||20250301110000-0500",
        "OBX|2|ST|THC^Cannabinoids^L||Positive||Negative|A|||F",
        "OBX|3|NM|NA^Sodium^L||139|mEq/L|135-145|N|||F",
    )
    response = await _import(client, clinic, message, "x-application/hl7-v2+er7")
    assert response.status_code == 201, response.text
    rows = response.json()
    assert [(r["analyte"], r["flag"], r["source"]) for r in rows] == [
        ("Lithium", "critical high", "hl7"),
        ("Cannabinoids", "positive", "hl7"),
        ("Sodium", "normal", "hl7"),
    ]
    assert datetime.fromisoformat(rows[0]["resulted_at"]) == datetime(2025, 3, 1, 16, tzinfo=UTC)
    (alert,) = (await client.get("/api/v1/alerts", headers=clinic["pete"])).json()
    assert "Lithium 2.1 mmol/L" in alert["message"]

    not_results = await _import(
        client, clinic, _oru(order["id"], kind="ADT^A01"), "x-application/hl7-v2+er7"
    )
    assert [e["field"] for e in not_results.json()["errors"]] == ["MSH-9"]
    unknown = await _import(
        client,
        clinic,
        _oru(str(uuid.uuid4()), "OBX|1|NM|NA^Sodium^L||139|mEq/L|135-145|N|||F"),
        "x-application/hl7-v2+er7",
    )
    assert [e["field"] for e in unknown.json()["errors"]] == ["OBR 1: order_id"]


async def test_roles_and_chart_access(client: AsyncTestClient, clinic) -> None:
    body = {"test_code": "LITH", "test_name": "Lithium", "specimen": "serum"}
    url = f"{clinic['url']}/lab-orders"
    assert (await client.post(url, json=body, headers=clinic["pete"])).status_code == 403
    assert (await client.post(url, json=body, headers=clinic["nora"])).status_code == 403
    assert (await client.get(url, headers=clinic["coco"])).status_code == 403
    assert (await client.get(url, headers=clinic["nora"])).status_code == 403
    assert (await client.get(url, headers=clinic["pete"])).status_code == 200
    order = await _order(client, clinic)
    refused = await client.post(
        f"/api/v1/lab-orders/{order['id']}/results",
        headers=clinic["nora"],
        json={"results": [LITHIUM | {"value": 0.9}]},
    )
    assert refused.status_code == 403
