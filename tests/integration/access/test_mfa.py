"""TOTP enrolment, sign-in with a code, replay refusal, recovery codes, MFA policy."""

import time
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from backend.accounts.rules import totp
from backend.app import create_app
from backend.config import Settings
from shared.enums import Role
from tests.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.access
TOKEN = "/api/v1/auth/token"


async def _enrol(client: AsyncTestClient, username: str) -> tuple[str, list[str]]:
    auth = await sign_in(client, username)
    enrolment = await client.post("/api/v1/auth/mfa/enroll", headers=auth)
    assert enrolment.status_code == 200
    body = enrolment.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/EMR:" + username)
    assert body["qr_svg"].lstrip().startswith("<svg")
    wrong = await client.post("/api/v1/auth/mfa/confirm", json={"otp": "000000"}, headers=auth)
    assert wrong.status_code == 422
    confirm = await client.post(
        "/api/v1/auth/mfa/confirm", json={"otp": totp(body["secret"], time.time())}, headers=auth
    )
    assert confirm.status_code == 200
    return body["secret"], confirm.json()["recovery_codes"]


async def test_enrolled_user_needs_a_fresh_code(client: AsyncTestClient, make_user) -> None:
    await make_user("olga", Role.CLINICIAN)
    secret, codes = await _enrol(client, "olga")
    assert len(codes) == 10

    without = await client.post(TOKEN, json={"username": "olga", "password": PASSWORD})
    assert without.status_code == 401
    assert without.json()["mfa_required"] is True

    # The enrolment code was step N; sign in with the next step's code.
    code = totp(secret, time.time() + 30)
    ok = await client.post(TOKEN, json={"username": "olga", "password": PASSWORD, "otp": code})
    assert ok.status_code == 200
    replay = await client.post(TOKEN, json={"username": "olga", "password": PASSWORD, "otp": code})
    assert replay.status_code == 401


async def test_recovery_code_works_once(client: AsyncTestClient, make_user) -> None:
    await make_user("pia", Role.CLINICIAN)
    _, codes = await _enrol(client, "pia")
    body = {"username": "pia", "password": PASSWORD, "otp": codes[3]}
    assert (await client.post(TOKEN, json=body)).status_code == 200
    assert (await client.post(TOKEN, json=body)).status_code == 401


async def test_role_that_requires_mfa_must_enrol_before_anything_else(
    settings: Settings, make_user
) -> None:
    app = create_app(replace(settings, mfa_required_roles=frozenset({"admin"})))
    async with AsyncTestClient(app=app) as client:
        await make_user("quinn", Role.ADMIN)
        auth = await sign_in(client, "quinn")
        me = await client.get("/api/v1/auth/me", headers=auth)
        assert me.json()["mfa_enrolment_required"] is True
        refused = await client.get("/api/v1/users", headers=auth)
        assert refused.status_code == 403
        assert refused.json()["type"].endswith("mfa-enrolment-required")
        secret, _ = await _enrol(client, "quinn")
        code = totp(secret, time.time() + 30)
        auth = await sign_in(client, "quinn", otp=code)
        assert (await client.get("/api/v1/users", headers=auth)).status_code == 200
