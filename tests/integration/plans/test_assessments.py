"""Measurement-based care through the API: PHQ-9 and GAD-7 bands at every boundary, safety
flags alerting exactly the care team, refusals that name the field and store nothing,
progress points for instrument objectives, schedules and the due list, and the audit trail."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel import select

from backend import admin
from backend.config import Settings
from backend.measures.models import Assessment, ClinicalAlert
from backend.plans.models import ProgressPoint, TreatmentPlan
from shared.enums import Role
from shared.schemas.plans import PlanContent
from tests.conftest import sign_in

pytestmark = pytest.mark.plans

PHQ9_BOUNDARIES = [
    ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, "minimal"),
    ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "minimal"),
    ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild"),
    ([3, 3, 3, 0, 0, 0, 0, 0, 0], 9, "mild"),
    ([3, 3, 3, 1, 0, 0, 0, 0, 0], 10, "moderate"),
    ([2, 2, 2, 2, 2, 2, 2, 0, 0], 14, "moderate"),
    ([3, 3, 3, 3, 3, 0, 0, 0, 0], 15, "moderately severe"),
    ([3, 3, 3, 3, 3, 3, 1, 0, 0], 19, "moderately severe"),
    ([3, 3, 3, 3, 3, 3, 2, 0, 0], 20, "severe"),
    ([3, 3, 3, 3, 3, 3, 3, 3, 3], 27, "severe"),
]
GAD7_BOUNDARIES = [
    ([0, 0, 0, 0, 0, 0, 0], 0, "minimal"),
    ([1, 1, 1, 1, 0, 0, 0], 4, "minimal"),
    ([1, 1, 1, 1, 1, 0, 0], 5, "mild"),
    ([3, 3, 3, 0, 0, 0, 0], 9, "mild"),
    ([3, 3, 3, 1, 0, 0, 0], 10, "moderate"),
    ([2, 2, 2, 2, 2, 2, 2], 14, "moderate"),
    ([3, 3, 3, 3, 3, 0, 0], 15, "severe"),
    ([3, 3, 3, 3, 3, 3, 3], 21, "severe"),
]
ITEM_9 = [0, 0, 0, 0, 0, 0, 0, 0, 1]


@pytest.fixture
async def clinic(client: AsyncTestClient, make_user) -> dict[str, Any]:
    """Cleo registers Odalys (so is on her care team) and adds Pete; Nora has her own
    client, Bartholomew; Sue supervises; Coco coordinates; Aldo audits."""
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
    odalys, bart = [
        (
            await client.post(
                "/api/v1/patients",
                headers=headers[who],
                json={"given_name": given, "family_name": family, "birth_date": "1990-02-03"},
            )
        ).json()
        for who, given, family in [("cleo", "Odalys", "Ferreira"), ("nora", "Bartholomew", "Ng")]
    ]
    added = await client.post(
        f"/api/v1/patients/{odalys['id']}/care-team",
        headers=headers["cleo"],
        json={"user_id": str(users["pete"].id), "role": "facilitator"},
    )
    assert added.status_code in (200, 201), added.text
    return {
        **headers,
        "ids": {name: user.id for name, user in users.items()},
        "odalys": odalys,
        "bart": bart,
        "url": f"/api/v1/patients/{odalys['id']}",
    }


async def _administer(
    client: AsyncTestClient, clinic: dict[str, Any], instrument: str, answers: list[Any], **extra
) -> dict[str, Any]:
    response = await client.post(
        f"{clinic['url']}/assessments",
        headers=clinic["cleo"],
        json={"instrument": instrument, "answers": answers} | extra,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _active_plan(database_url: str, patient_id: str, author: uuid.UUID) -> dict[str, str]:
    """An active plan whose objectives target PHQ-9 and GAD-7; returns their ids."""
    ids = {"phq9": uuid.uuid4(), "gad7": uuid.uuid4()}
    objectives = [
        {
            "id": str(ids[key]),
            "text": f"{key} total below 10",
            "kind": "instrument",
            "instrument": key,
            "baseline": 16,
            "target": 9,
            "direction": "decrease",
            "target_date": (date.today() + timedelta(days=90)).isoformat(),
        }
        for key in ids
    ]
    content = PlanContent.model_validate(
        {
            "problems": [
                {
                    "description": "Major depressive disorder, recurrent",
                    "goals": [{"text": "I want to enjoy things again", "objectives": objectives}],
                }
            ]
        }
    )
    async with admin.transaction(database_url) as session:
        session.add(
            TreatmentPlan(
                patient_id=uuid.UUID(patient_id),
                number=1,
                status="active",
                content=content.model_dump(mode="json"),
                created_by=author,
            )
        )
    return {key: str(value) for key, value in ids.items()}


async def _points(database_url: str) -> list[ProgressPoint]:
    async with admin.transaction(database_url) as session:
        return list((await session.exec(select(ProgressPoint))).all())


async def test_phq9_and_gad7_totals_and_bands_at_every_boundary(
    client: AsyncTestClient, clinic
) -> None:
    for instrument, cases in [("phq9", PHQ9_BOUNDARIES), ("gad7", GAD7_BOUNDARIES)]:
        for answers, total, severity in cases:
            body = await _administer(client, clinic, instrument, answers)
            assert (body["instrument"], body["total"], body["severity"]) == (
                instrument,
                total,
                severity,
            ), answers
            assert body["via"] == "clinician" and body["answers"] == answers
            assert body["flags"] == (["suicidal_ideation"] if answers[-1] and total == 27 else [])

    listed = await client.get(
        f"{clinic['url']}/assessments", params={"instrument": "gad7"}, headers=clinic["cleo"]
    )
    assert [a["total"] for a in listed.json()] == [t for _, t, _ in reversed(GAD7_BOUNDARIES)]
    everything = (await client.get(f"{clinic['url']}/assessments", headers=clinic["cleo"])).json()
    assert len(everything) == len(PHQ9_BOUNDARIES) + len(GAD7_BOUNDARIES)
    assert everything[0]["instrument"] == "gad7" and everything[-1]["instrument"] == "phq9"
    times = [a["administered_at"] for a in everything]
    assert times == sorted(times, reverse=True)


async def test_item_9_flags_and_alerts_each_care_team_member_only(
    client: AsyncTestClient, clinic
) -> None:
    body = await _administer(client, clinic, "phq9", ITEM_9, via="client_tablet")
    assert (body["total"], body["severity"], body["flags"], body["via"]) == (
        1,
        "minimal",
        ["suicidal_ideation"],
        "client_tablet",
    )
    for member in ("cleo", "pete"):
        alerts = (await client.get("/api/v1/alerts", headers=clinic[member])).json()
        assert [(a["kind"], a["assessment_id"]) for a in alerts] == [
            ("suicidal_ideation", body["id"])
        ], member
        (alert,) = alerts
        assert alert["patient_name"] == "Odalys Ferreira"
        assert alert["patient_id"] == clinic["odalys"]["id"]
        assert "PHQ-9 item 9" in alert["message"] and "Several days" in alert["message"]
        assert "Bartholomew" not in alert["message"]
    for outsider in ("nora", "sue", "coco"):
        assert (await client.get("/api/v1/alerts", headers=clinic[outsider])).json() == []

    trail = await client.get(
        "/api/v1/audit/events",
        params={"patient_id": clinic["odalys"]["id"], "action": "alert"},
        headers=clinic["aldo"],
    )
    (event,) = trail.json()["items"]
    assert event["entity"] == "clinical_alert" and event["entity_id"] == body["id"]
    assert sorted(event["detail"]["recipients"]) == sorted(
        str(clinic["ids"][m]) for m in ("cleo", "pete")
    )


async def test_cssrs_ideation_and_behaviour_alert_with_risk_level(
    client: AsyncTestClient, clinic
) -> None:
    body = await _administer(client, clinic, "cssrs", [1, 0, 0, 0, 0, 1])
    assert body["severity"] == "high risk"
    assert body["flags"] == ["suicidal_ideation", "suicidal_behavior"]
    alerts = (await client.get("/api/v1/alerts", headers=clinic["pete"])).json()
    assert sorted(a["kind"] for a in alerts) == ["suicidal_behavior", "suicidal_ideation"]
    assert all(a["message"].startswith("C-SSRS item") for a in alerts)

    quiet = await _administer(client, clinic, "cssrs", [0] * 6)
    assert (quiet["severity"], quiet["flags"]) == ("no risk", [])
    hazardous = await _administer(client, clinic, "auditc", [2, 1, 1])
    assert hazardous["flags"] == ["hazardous_drinking"]
    assert len((await client.get("/api/v1/alerts", headers=clinic["pete"])).json()) == 2


async def test_acknowledging_an_alert_clears_it_for_that_recipient_only(
    client: AsyncTestClient, clinic
) -> None:
    await _administer(client, clinic, "phq9", ITEM_9)
    (alert,) = (await client.get("/api/v1/alerts", headers=clinic["cleo"])).json()
    url = f"/api/v1/alerts/{alert['id']}/acknowledge"

    foreign = await client.post(url, headers=clinic["pete"])
    assert foreign.status_code == 404
    assert foreign.headers["content-type"].startswith("application/problem+json")

    done = await client.post(url, headers=clinic["cleo"])
    assert done.status_code == 200, done.text
    assert done.json()["acknowledged_at"] is not None
    again = await client.post(url, headers=clinic["cleo"])
    assert again.status_code == 200
    assert again.json()["acknowledged_at"] == done.json()["acknowledged_at"]
    assert (await client.get("/api/v1/alerts", headers=clinic["cleo"])).json() == []
    assert len((await client.get("/api/v1/alerts", headers=clinic["pete"])).json()) == 1


INVALID = [
    ({"instrument": "phq9", "answers": [0] * 8}, "answers"),
    ({"instrument": "phq9", "answers": [0] * 10}, "answers"),
    ({"instrument": "phq9", "answers": [0, 0, 0, "a", 0, 0, 0, 0, 0]}, "answers[3]"),
    ({"instrument": "phq9", "answers": [0, 0, 0, 4, 0, 0, 0, 0, 0]}, "answers[3]"),
    ({"instrument": "phq9", "answers": [-1, 0, 0, 0, 0, 0, 0, 0, 0]}, "answers[0]"),
    ({"instrument": "phq9", "answers": [0, 0, 1.5, 0, 0, 0, 0, 0, 0]}, "answers[2]"),
    ({"instrument": "phq9", "answers": [0, 0, 0, 0, True, 0, 0, 0, 0]}, "answers[4]"),
    ({"instrument": "phq9", "answers": [0, 0, 0, 0, 0, None, 0, 0, 0]}, "answers[5]"),
    ({"instrument": "phq9", "answers": [0, 0, 0, 0, 0, 0, 0, 0, 4]}, "answers[8]"),
    ({"instrument": "phq9", "answers": "000000000"}, "answers"),
    ({"instrument": "phq9"}, "answers"),
    ({"instrument": "beck", "answers": [0] * 21}, "instrument"),
    ({"answers": [0] * 9}, "instrument"),
    ({"instrument": "phq9", "answers": ITEM_9, "via": "phone"}, "via"),
    ({"instrument": "cssrs", "answers": [2, 0, 0, 0, 0, 0]}, "answers[0]"),
]


async def test_invalid_answers_name_the_field_and_store_nothing(
    client: AsyncTestClient, clinic, database_url: str
) -> None:
    await _active_plan(database_url, clinic["odalys"]["id"], clinic["ids"]["cleo"])
    for body, field in INVALID:
        response = await client.post(
            f"{clinic['url']}/assessments", headers=clinic["cleo"], json=body
        )
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == [field], (body, response.text)

    assert (await client.get(f"{clinic['url']}/assessments", headers=clinic["cleo"])).json() == []
    assert (await client.get("/api/v1/alerts", headers=clinic["cleo"])).json() == []
    assert await _points(database_url) == []
    async with admin.transaction(database_url) as session:
        assert (await session.exec(select(Assessment))).all() == []
        assert (await session.exec(select(ClinicalAlert))).all() == []
    unknown = await client.get(
        f"{clinic['url']}/assessments", params={"instrument": "beck"}, headers=clinic["cleo"]
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "instrument"


async def test_assessment_feeds_the_objective_that_targets_its_instrument(
    client: AsyncTestClient, clinic, database_url: str
) -> None:
    objectives = await _active_plan(database_url, clinic["odalys"]["id"], clinic["ids"]["cleo"])
    body = await _administer(client, clinic, "phq9", [3, 3, 3, 1, 0, 0, 0, 0, 0])
    (point,) = await _points(database_url)
    assert str(point.objective_id) == objectives["phq9"]
    assert (point.value, point.source, str(point.source_id)) == (10, "assessment", body["id"])
    assert point.recorded_by == clinic["ids"]["cleo"]
    assert point.recorded_at == datetime.fromisoformat(body["administered_at"])


async def test_who_may_administer_and_read(client: AsyncTestClient, clinic) -> None:
    body = {"instrument": "gad7", "answers": [0] * 7}
    for who, status in [("coco", 403), ("aldo", 403), ("nora", 403)]:
        response = await client.post(f"{clinic['url']}/assessments", headers=clinic[who], json=body)
        assert response.status_code == status, (who, response.text)
        listed = await client.get(f"{clinic['url']}/assessments", headers=clinic[who])
        assert listed.status_code == status, who
    missing = await client.post(
        f"/api/v1/patients/{uuid.uuid4()}/assessments", headers=clinic["cleo"], json=body
    )
    assert missing.status_code == 404
    pete = await client.post(f"{clinic['url']}/assessments", headers=clinic["pete"], json=body)
    assert pete.status_code == 201, pete.text


async def test_instrument_definitions_render_a_questionnaire(
    client: AsyncTestClient, clinic
) -> None:
    response = await client.get("/api/v1/instruments", headers=clinic["coco"])
    assert response.status_code == 200
    found = {i["key"]: i for i in response.json()}
    assert sorted(found) == ["auditc", "cssrs", "gad7", "pcl5", "phq9"]
    phq9 = found["phq9"]
    assert (phq9["name"], phq9["max_total"], len(phq9["items"])) == ("PHQ-9", 27, 9)
    assert [c["label"] for c in phq9["items"][8]["choices"]] == [
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    ]
    assert phq9["items"][8]["text"].startswith("Thoughts that you would be better off dead")
    auditc = found["auditc"]["items"]
    assert auditc[0]["choices"][4]["label"] != auditc[1]["choices"][4]["label"]
    assert [len(found[k]["items"]) for k in ("gad7", "pcl5", "cssrs")] == [7, 20, 6]


async def test_due_list_from_schedules_and_last_administration(
    client: AsyncTestClient, clinic, settings: Settings
) -> None:
    today = datetime.now(ZoneInfo(settings.timezone)).date()

    async def schedule(who: str, patient: dict, instrument: str, every: int, start: date):
        response = await client.post(
            f"/api/v1/patients/{patient['id']}/assessment-schedules",
            headers=clinic[who],
            json={"instrument": instrument, "every_days": every, "start_on": start.isoformat()},
        )
        assert response.status_code == 201, response.text
        return response.json()

    odalys, bart = clinic["odalys"], clinic["bart"]
    first = await schedule("cleo", odalys, "phq9", 14, today - timedelta(days=20))
    assert first["due_on"] == (today - timedelta(days=20)).isoformat() and first["active"]
    await schedule("cleo", odalys, "gad7", 7, today + timedelta(days=2))
    await schedule("cleo", odalys, "pcl5", 7, today + timedelta(days=3))
    await schedule("cleo", odalys, "auditc", 30, today - timedelta(days=40))
    await _administer(client, clinic, "auditc", [0, 0, 0])
    stopped = await schedule("cleo", odalys, "cssrs", 1, today - timedelta(days=5))
    ended = await client.delete(
        f"/api/v1/assessment-schedules/{stopped['id']}", headers=clinic["cleo"]
    )
    assert ended.status_code == 204
    await schedule("nora", bart, "phq9", 1, today - timedelta(days=10))
    given = await client.post(
        f"/api/v1/patients/{bart['id']}/assessments",
        headers=clinic["nora"],
        json={"instrument": "phq9", "answers": [0] * 9},
    )
    assert given.status_code == 201

    def rows(response) -> list[tuple[str, str, str, bool]]:
        assert response.status_code == 200, response.text
        return [
            (d["patient_name"], d["instrument"], d["due_on"], d["overdue"]) for d in response.json()
        ]

    day = lambda n: (today + timedelta(days=n)).isoformat()  # noqa: E731
    assert rows(await client.get("/api/v1/assessments/due", headers=clinic["cleo"])) == [
        ("Odalys Ferreira", "phq9", day(-20), True),
        ("Odalys Ferreira", "gad7", day(2), False),
    ]
    assert rows(await client.get("/api/v1/assessments/due", headers=clinic["nora"])) == [
        ("Bartholomew Ng", "phq9", day(1), False)
    ]
    assert rows(await client.get("/api/v1/assessments/due", headers=clinic["sue"])) == [
        ("Odalys Ferreira", "phq9", day(-20), True),
        ("Bartholomew Ng", "phq9", day(1), False),
        ("Odalys Ferreira", "gad7", day(2), False),
    ]
    coco = await client.get("/api/v1/assessments/due", headers=clinic["coco"])
    assert coco.status_code == 403

    listed = await client.get(f"{clinic['url']}/assessment-schedules", headers=clinic["cleo"])
    assert [(s["instrument"], s["due_on"]) for s in listed.json()] == [
        ("phq9", day(-20)),
        ("gad7", day(2)),
        ("pcl5", day(3)),
        ("auditc", day(30)),
    ]
    foreign = await client.delete(
        f"/api/v1/assessment-schedules/{first['id']}", headers=clinic["nora"]
    )
    assert foreign.status_code == 403


async def test_schedule_refusals_name_the_field(client: AsyncTestClient, clinic) -> None:
    url = f"{clinic['url']}/assessment-schedules"
    start = date.today().isoformat()
    for body, field in [
        ({"instrument": "phq9", "every_days": 0, "start_on": start}, "every_days"),
        ({"instrument": "phq9", "every_days": 366, "start_on": start}, "every_days"),
        ({"instrument": "beck", "every_days": 7, "start_on": start}, "instrument"),
        ({"instrument": "phq9", "every_days": 7, "start_on": "soon"}, "start_on"),
    ]:
        response = await client.post(url, headers=clinic["cleo"], json=body)
        assert response.status_code == 422, (body, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], response.text
    assert (await client.get(url, headers=clinic["cleo"])).json() == []
    gone = await client.delete(
        f"/api/v1/assessment-schedules/{uuid.uuid4()}", headers=clinic["cleo"]
    )
    assert gone.status_code == 404


async def test_create_and_reads_are_audited(client: AsyncTestClient, clinic) -> None:
    body = await _administer(client, clinic, "gad7", [1] * 7)
    await client.get(f"{clinic['url']}/assessments", headers=clinic["cleo"])
    trail = await client.get(
        "/api/v1/audit/events",
        params={"patient_id": clinic["odalys"]["id"], "user": "cleo"},
        headers=clinic["aldo"],
    )
    events = [(e["action"], e["entity"], e["entity_id"]) for e in trail.json()["items"]]
    assert ("create", "assessment", body["id"]) in events
    assert ("read", "assessments", None) in events
