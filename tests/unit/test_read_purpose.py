"""The purpose a read of client data is audited with, from the reader's roles."""

import pytest

from backend.accounts.rules import read_purpose
from shared.enums import Role

pytestmark = pytest.mark.integrity


@pytest.mark.parametrize(
    ("roles", "purpose"),
    [
        ({Role.CLINICIAN}, "treatment"),
        ({Role.FACILITATOR}, "treatment"),
        ({Role.SUPERVISOR}, "treatment"),
        ({Role.BILLER, Role.CLINICIAN}, "treatment"),
        ({Role.BILLER}, "payment"),
        ({Role.COORDINATOR}, "operations"),
        ({Role.ADMIN}, "operations"),
        ({Role.AUDITOR}, "operations"),
        (set(), "operations"),
    ],
)
def test_clinical_staff_treat_billers_are_paid_others_run_the_clinic(
    roles: set[Role], purpose: str
) -> None:
    assert read_purpose(roles) == purpose
