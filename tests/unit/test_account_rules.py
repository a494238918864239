"""Sign-in rules on inputs a fuzzer found: codes that no authenticator can show."""

import pytest

from backend.accounts import rules

pytestmark = pytest.mark.reliability
NOW = 1_800_000_000.0


def test_the_current_code_matches_and_names_its_time_step() -> None:
    secret = rules.new_totp_secret()
    assert rules.totp_matches(secret, rules.totp(secret, NOW), NOW) == int(NOW // 30)


@pytest.mark.parametrize("code", ["\x93%\xd893", "١٢٣٤٥٦", "12345é", "abcdef", ""])
def test_a_code_with_non_digits_is_refused_instead_of_crashing(code: str) -> None:
    # hmac.compare_digest raises TypeError on non-ASCII text: this was a 500 on
    # POST /api/v1/auth/mfa/confirm; Arabic-Indic digits are digits but not ASCII.
    assert rules.totp_matches(rules.new_totp_secret(), code, NOW) is None
