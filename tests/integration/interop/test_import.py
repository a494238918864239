"""Importing from a legacy system: dry run, all-or-nothing, idempotent re-runs,
reconciliation counts, FHIR Bundles and the ``emr import`` command."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from backend.admin import create_user
from backend.interop.import_bundle import read_bundle
from backend.interop.import_cli import import_path
from shared.enums import Role
from tests.conftest import PASSWORD, TEMPLATE, _admin, _with_database, sign_in
from tests.helpers import emr

pytestmark = pytest.mark.consent

TABLES = (
    "patient",
    "diagnosis",
    "medication",
    "therapy_group",
    "group_session",
    "attendance",
    "treatment_plan",
    "import_key",
)

CSV = {
    "patients.csv": (
        "source_id,given_name,family_name,birth_date,sex_at_birth,phone,email\n"
        "P1,Quinta,Marchetti,1980-02-03,female,555-201-3344,quinta@example.org\n"
        "P2,Osric,Vandermeer,1975-07-08,male,,\n"
    ),
    "diagnoses.csv": (
        "patient_source_id,code,description,onset\n"
        'P1,F33.1,"Major depressive disorder, recurrent, moderate",2020-01-01\n'
        "P2,F10.20,Alcohol use disorder,\n"
    ),
    "medications.csv": (
        "patient_source_id,name,strength,dose_form,start_date,stop_date,source\n"
        "P1,Sertraline,50 mg,tablet,2021-03-01,,client_reported\n"
        "P2,Naltrexone,50 mg,tablet,2020-01-01,2021-01-01,other_prescriber\n"
    ),
    "sessions.csv": (
        "source_id,group_name,starts_at,duration_minutes,timezone\n"
        "S1,Legacy Relapse Prevention,2023-05-01T10:00:00-04:00,90,America/New_York\n"
        "S2,Legacy Relapse Prevention,2023-05-08T10:00:00-04:00,90,America/New_York\n"
    ),
    "attendance.csv": (
        "session_source_id,patient_source_id,status,minutes\n"
        "S1,P1,present,90\nS1,P2,late,60\nS2,P1,absent,\n"
    ),
    "plans.csv": (
        "patient_source_id,problem,icd10,goal,objective,kind,baseline,target,direction,"
        "target_date,intervention_modality,intervention_frequency\n"
        "P1,Depressed mood,F33.1,Feel like myself again,Mood rating,rating,3,7,increase,"
        "2030-01-01,CBT,weekly\n"
        "P1,Depressed mood,F33.1,Feel like myself again,Low days per week,count,5,1,decrease,"
        "2030-01-01,group,3x/week\n"
    ),
}

BAD_CSV = {
    "patients.csv": (
        "source_id,given_name,family_name,birth_date,email\n"
        "P1,Quinta,Marchetti,,quinta@example.org\n"
        "P2,Osric,Vandermeer,1975-07-08,not-an-email\n"
    ),
    "diagnoses.csv": "patient_source_id,code\nP2,XYZ\nP9,F33.1\n",
    "sessions.csv": (
        "source_id,group_name,starts_at,duration_minutes\nS1,Legacy,2023-05-01T10:00:00,90\n"
    ),
}


async def _counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}  # noqa: S608
    finally:
        await conn.close()


@pytest.fixture
async def admin(client: AsyncTestClient, make_user) -> dict[str, str]:
    await make_user("ada", Role.ADMIN)
    return await sign_in(client, "ada")


async def _import(
    client: AsyncTestClient, headers: dict[str, str], body: dict[str, Any], *, dry_run: bool
) -> Any:
    response = await client.post(
        "/api/v1/imports",
        params={"source_system": "legacy-x", "dry_run": str(dry_run).lower()},
        json=body,
        headers=headers,
    )
    return response


async def test_dry_run_reports_each_bad_row_and_writes_nothing(
    client: AsyncTestClient, admin: dict[str, str], database_url: str
) -> None:
    before = await _counts(database_url)
    response = await _import(client, admin, {"files": BAD_CSV}, dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert not report["ok"]
    found = {(p["file"], p["row"], p["field"]) for p in report["problems"]}
    assert ("patients.csv", 2, "birth_date") in found
    assert ("patients.csv", 3, "email") in found
    assert ("diagnoses.csv", 2, "code") in found
    assert ("diagnoses.csv", 3, "patient_source_id") in found
    assert ("sessions.csv", 2, "starts_at") in found
    assert report["counts"]["patient"] == {"in_file": 2, "created": 0, "unchanged": 0, "failed": 2}
    assert await _counts(database_url) == before

    refused = await _import(client, admin, {"files": BAD_CSV}, dry_run=False)
    assert refused.status_code == 422
    assert await _counts(database_url) == before


async def test_csv_import_creates_everything_once(
    client: AsyncTestClient, admin: dict[str, str], database_url: str
) -> None:
    before = await _counts(database_url)
    dry = (await _import(client, admin, {"files": CSV}, dry_run=True)).json()
    assert dry["ok"] and await _counts(database_url) == before

    response = await _import(client, admin, {"files": CSV}, dry_run=False)
    assert response.status_code == 200, response.text
    counts = response.json()["counts"]
    assert counts == dry["counts"]
    expected = {"patient": 2, "diagnosis": 2, "medication": 2, "session": 2, "attendance": 3}
    for entity, n in (expected | {"plan": 1}).items():
        assert counts[entity] == {"in_file": n, "created": n, "unchanged": 0, "failed": 0}
    after = await _counts(database_url)
    assert after["patient"] - before["patient"] == 2
    assert after["group_session"] - before["group_session"] == 2
    assert after["attendance"] - before["attendance"] == 3
    assert after["treatment_plan"] - before["treatment_plan"] == 1
    assert after["import_key"] - before["import_key"] == 12

    again = (await _import(client, admin, {"files": CSV}, dry_run=False)).json()
    assert all(
        c["created"] == 0 and c["unchanged"] == c["in_file"] for c in again["counts"].values()
    )
    assert await _counts(database_url) == after


def _bundle() -> dict[str, Any]:
    patient = {
        "resourceType": "Patient",
        "id": "pat-1",
        "identifier": [
            {"system": "urn:emr:mrn", "value": "MRN900001"},
            {"system": "urn:emr:legacy:patient", "value": "L-1"},
        ],
        "name": [{"use": "official", "family": "Pemberton-Oyelaran", "given": ["Ines"]}],
        "gender": "female",
        "birthDate": "1990-04-05",
        "telecom": [{"system": "phone", "value": "555 867 5309"}],
    }
    subject = {"reference": "Patient/pat-1"}

    def condition(code: str, display: str) -> dict[str, Any]:
        return {
            "resourceType": "Condition",
            "id": f"cond-{code}",
            "subject": subject,
            "code": {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/sid/icd-10-cm",
                        "code": code,
                        "display": display,
                    }
                ]
            },
            "onsetDateTime": "2019-06-01",
        }

    goal = {
        "resourceType": "Goal",
        "id": "goal-1",
        "subject": subject,
        "description": {"text": "Sleep through the night"},
        "addresses": [{"reference": "Condition/cond-F33.1"}],
        "target": [
            {
                "measure": {"text": "Nights woken per week"},
                "detailQuantity": {"value": 1},
                "dueDate": "2030-06-01",
                "extension": [{"url": "urn:emr:legacy:baseline", "valueDecimal": 6}],
            }
        ],
    }
    care_plan = {
        "resourceType": "CarePlan",
        "id": "plan-1",
        "status": "active",
        "intent": "plan",
        "subject": subject,
        "goal": [{"reference": "Goal/goal-1"}],
        "activity": [{"detail": {"code": {"text": "CBT"}, "scheduledString": "weekly"}}],
    }

    def encounter(n: int, status: str, minutes: int | None = None) -> dict[str, Any]:
        length = {"length": {"value": minutes, "unit": "min"}} if minutes else {}
        return length | {
            "resourceType": "Encounter",
            "id": f"enc-{n}",
            "status": "finished",
            "subject": subject,
            "serviceType": {"text": "Legacy Mindfulness Group"},
            "period": {
                "start": f"2023-03-0{n}T17:00:00-05:00",
                "end": f"2023-03-0{n}T18:30:00-05:00",
            },
            "extension": [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/timezone",
                    "valueCode": "America/Chicago",
                },
                {"url": "urn:emr:legacy:attendance", "valueCode": status},
            ],
        }

    resources = [
        patient,
        condition("F33.1", "Major depressive disorder, recurrent, moderate"),
        condition("F41.1", "Generalized anxiety disorder"),
        goal,
        care_plan,
        encounter(1, "present"),
        encounter(2, "late", 70),  # late: how long the member stayed
        encounter(3, "absent"),
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


async def test_fhir_bundle_import_is_idempotent(
    client: AsyncTestClient, admin: dict[str, str], database_url: str
) -> None:
    before = await _counts(database_url)
    response = await client.post(
        "/api/v1/imports?source_system=legacy-x",
        content=json.dumps(_bundle()),
        headers=admin | {"Content-Type": "application/fhir+json"},
    )
    assert response.status_code == 200, response.text
    counts = response.json()["counts"]
    expected = {"patient": 1, "diagnosis": 2, "plan": 1, "session": 3, "attendance": 3}
    for entity, n in expected.items():
        assert counts[entity] == {"in_file": n, "created": n, "unchanged": 0, "failed": 0}
    after = await _counts(database_url)
    assert after["diagnosis"] - before["diagnosis"] == 2
    assert after["group_session"] - before["group_session"] == 3
    assert after["attendance"] - before["attendance"] == 3

    again = await _import(client, admin, _bundle(), dry_run=False)
    assert all(c["created"] == 0 for c in again.json()["counts"].values())
    assert await _counts(database_url) == after


async def test_only_admins_import(client: AsyncTestClient, make_user) -> None:
    await make_user("cal", Role.CLINICIAN)
    response = await _import(client, await sign_in(client, "cal"), {"files": CSV}, dry_run=True)
    assert response.status_code == 403


def test_cli_dry_run_prints_the_report_and_exits_1(
    project_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "legacy"
    folder.mkdir()
    for name, text in BAD_CSV.items():
        (folder / name).write_text(text)
    env = project_env | {"DATABASE_URL": database_url}
    result = emr("import", str(folder), "--source-system", "legacy-x", "--dry-run", env=env)
    assert result.returncode == 1, result.stderr
    assert "patients.csv:2 birth_date" in result.stderr
    assert "patient" in result.stdout and "in_file" in result.stdout

    for name, text in CSV.items():
        (folder / name).write_text(text)
    clean = emr("import", str(folder), "--source-system", "legacy-x", "--dry-run", env=env)
    assert clean.returncode == 0, clean.stderr


async def test_exported_chart_imports_into_a_fresh_database(
    client: AsyncTestClient,
    documented_group: dict[str, Any],
    pg_admin_url: str,
    template_url: str,
) -> None:
    """Round trip: the exporter's Bundle of one group member into another database."""
    patient = documented_group["patients"][0]
    headers = documented_group["cal"]
    await client.post(
        f"/api/v1/patients/{patient['id']}/diagnoses",
        json={"code": "F33.1"},
        headers=headers,
    )
    exported = await client.get(f"/api/v1/patients/{patient['id']}/export.fhir", headers=headers)
    assert exported.status_code == 200, exported.text
    found = read_bundle(exported.json())
    assert not found.problems, found.problems

    name = f"emr_import_{uuid.uuid4().hex[:12]}"
    await _admin(pg_admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    other = _with_database(pg_admin_url, name)
    try:
        await create_user(other, "ada", PASSWORD, [Role.ADMIN.value], "")
        report = await import_path(other, found, "emr-a", dry_run=False, username=None)
        assert report.ok, report.problems
        for entity in ("patient", "diagnosis", "session", "attendance"):
            counts = report.counts[entity]
            assert counts["created"] == counts["in_file"] >= 1, (entity, counts)
        assert report.counts["attendance"]["in_file"] == 1  # never other members
        before = await _counts(other)
        again = await import_path(
            other, read_bundle(exported.json()), "emr-a", dry_run=False, username=None
        )
        assert all(c["created"] == 0 for c in again.counts.values())
        assert await _counts(other) == before
    finally:
        await _admin(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
