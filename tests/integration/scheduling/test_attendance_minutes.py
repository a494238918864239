"""Minutes attended agree with the status, in the API and in the database: none for a
member who did not come, the whole session by default for one who was present, fewer than
the session for one who came late or left early; billing counts only those minutes."""

from typing import Any

import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from backend import admin
from backend.lib.problems import EXCEPTION_HANDLERS
from shared.enums import Role
from tests.conftest import sign_in
from tests.integration.interop.test_import import CSV

pytestmark = [pytest.mark.scheduling, pytest.mark.integrity]


async def _attend(client: AsyncTestClient, ctx: dict, patient: int, **body: Any) -> Any:
    return await client.put(
        f"/api/v1/sessions/{ctx['session_id']}/attendance/{ctx['patients'][patient]['id']}",
        headers=ctx["cal"],
        json=body,
    )


def _refused_minutes(response: Any) -> None:
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["minutes"]


async def test_absent_with_minutes_is_refused_and_marking_absent_clears_them(
    client: AsyncTestClient, documented_group
) -> None:
    ctx = documented_group
    _refused_minutes(await _attend(client, ctx, 0, status="absent", minutes=180))
    _refused_minutes(await _attend(client, ctx, 0, status="excused", minutes=30))
    present = await _attend(client, ctx, 0, status="present", minutes=80)
    assert present.json()["minutes"] == 80
    absent = await _attend(client, ctx, 0, status="absent")
    assert (absent.json()["status"], absent.json()["minutes"]) == ("absent", None)
    sheet = (
        await client.get(f"/api/v1/sessions/{ctx['session_id']}/attendance", headers=ctx["cal"])
    ).json()
    assert {(r["status"], r["minutes"]) for r in sheet["rows"]} == {
        ("absent", None),
        ("late", 70),
    }


async def test_present_defaults_to_the_session_length_and_never_exceeds_it(
    client: AsyncTestClient, documented_group
) -> None:
    ctx = documented_group
    present = await _attend(client, ctx, 0, status="present")
    assert present.json()["minutes"] == 90
    _refused_minutes(await _attend(client, ctx, 0, status="present", minutes=180))
    _refused_minutes(await _attend(client, ctx, 0, status="present", minutes=0))


async def test_late_or_left_early_needs_fewer_minutes_than_the_session(
    client: AsyncTestClient, documented_group
) -> None:
    ctx = documented_group
    _refused_minutes(await _attend(client, ctx, 1, status="late", minutes=90))
    _refused_minutes(await _attend(client, ctx, 1, status="left_early", minutes=120))
    _refused_minutes(await _attend(client, ctx, 1, status="late"))
    assert (await _attend(client, ctx, 1, status="left_early", minutes=89)).status_code == 200


async def test_the_database_refuses_minutes_that_contradict_the_status(
    documented_group, database_url: str
) -> None:
    ctx = documented_group
    ids = {
        "session": ctx["session_id"],
        "absent": ctx["patients"][2]["id"],
        "late": ctx["patients"][1]["id"],
    }
    writes = [
        # The check: a member who did not come has no minutes; one who came has some.
        "UPDATE attendance SET minutes = 180 WHERE patient_id = :absent",
        "UPDATE attendance SET status = 'present', minutes = NULL WHERE patient_id = :absent",
        # The trigger: never more than the session (90), fewer when late.
        "UPDATE attendance SET status = 'present', minutes = 91 WHERE patient_id = :absent",
        "UPDATE attendance SET minutes = 90 WHERE patient_id = :late",
        "INSERT INTO attendance (session_id, patient_id, status, minutes, recorded_by)"
        " SELECT :session, :absent, 'absent', 180, recorded_by FROM attendance"
        " WHERE patient_id = :late ON CONFLICT (session_id, patient_id)"
        " DO UPDATE SET minutes = 180",
    ]
    for statement in writes:
        with pytest.raises(IntegrityError):
            async with admin.transaction(database_url) as session:
                await session.execute(text(statement), ids)


async def test_a_write_that_skips_the_service_still_answers_422_naming_minutes(
    documented_group, database_url: str
) -> None:
    """Any path that forgets the rule meets the database's (the check, then the trigger):
    the client gets a 422 naming the field, not a 500."""
    writes = [
        ("UPDATE attendance SET minutes = 180 WHERE patient_id = :id", 2),
        ("UPDATE attendance SET minutes = 95 WHERE patient_id = :id", 1),
    ]

    @get("/careless/{index:int}")
    async def careless(index: int) -> None:
        statement, member = writes[index]
        async with admin.transaction(database_url) as session:
            await session.execute(
                text(statement), {"id": documented_group["patients"][member]["id"]}
            )

    app = Litestar([careless], exception_handlers=EXCEPTION_HANDLERS)  # type: ignore[arg-type]
    async with AsyncTestClient(app) as careless_client:
        for index in range(len(writes)):
            _refused_minutes(await careless_client.get(f"/careless/{index}"))


async def test_an_import_refuses_rows_whose_minutes_contradict_the_status(
    client: AsyncTestClient, make_user
) -> None:
    await make_user("ada", Role.ADMIN)
    files = CSV | {
        "attendance.csv": (
            "session_source_id,patient_source_id,status,minutes\n"
            "S1,P1,absent,180\nS1,P2,late,90\nS2,P1,present,\n"
        )
    }
    response = await client.post(
        "/api/v1/imports",
        params={"source_system": "legacy-x", "dry_run": "true"},
        json={"files": files},
        headers=await sign_in(client, "ada"),
    )
    assert response.status_code == 200, response.text
    assert [(p["file"], p["row"], p["field"]) for p in response.json()["problems"]] == [
        ("attendance.csv", 2, "minutes"),
        ("attendance.csv", 3, "minutes"),
    ]
