"""Schemathesis in `make test`: every operation of the OpenAPI document, for every role,
answers without a 5xx and as its schema documents (a bounded run; `make fuzz` is longer)."""

from pathlib import Path

import pytest

from tests.integration.reliability.fuzzing import Level, fuzz

pytestmark = pytest.mark.reliability


def test_every_operation_for_every_role_answers_as_documented(tmp_path: Path) -> None:
    runs = fuzz(tmp_path, Level(examples=2, phases="examples,fuzzing"))

    assert {run.role for run in runs} == {
        "admin",
        "coordinator",
        "facilitator",
        "clinician",
        "supervisor",
        "biller",
        "auditor",
    }
    for run in runs:
        assert run.operations > 150, run.output[-3000:]
        assert run.tested == run.operations, f"{run.role} tested {run.tested}/{run.operations}"
    failures = [failure for run in runs for failure in run.failures]
    assert not failures, (
        "\n".join(failures) + "\n" + "\n".join(run.output[-6000:] for run in runs if run.failures)
    )
