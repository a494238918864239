"""The pure Part 2 rules: §2.31 elements, and when a consent covers a disclosure."""

from datetime import date, timedelta

import pytest

from backend.consent import rules
from shared.schemas.consent import ConsentCreate, RecipientIn

pytestmark = pytest.mark.consent

TODAY = date(2025, 6, 1)


def _terms(**changes: object) -> rules.Terms:
    base: dict[str, object] = {
        "status": "active",
        "expires_on": TODAY + timedelta(days=30),
        "purposes": frozenset({"treatment"}),
        "categories": frozenset({"diagnoses", "medications"}),
        "recipients": (rules.Recipient("Dr. Ada Lane", False, False),),
    }
    return rules.Terms(**(base | changes))  # type: ignore[arg-type]


def test_an_empty_form_misses_every_element() -> None:
    fields = [e["field"] for e in rules.missing_elements(ConsentCreate(), TODAY)]
    assert fields == [
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


def test_counseling_notes_stand_alone_and_dates_are_checked() -> None:
    form = ConsentCreate(
        discloser="IOP",
        recipients=[RecipientIn(name="my treating providers", general_designation=True)],
        purposes=["treatment"],
        information="Counseling notes",
        categories=["counseling_notes", "labs"],
        expires_event="end of treatment",
        revocation_text="Revoke in writing.",
        signed_by="Client",
        signed_on=TODAY + timedelta(days=1),
    )
    assert [e["field"] for e in rules.missing_elements(form, TODAY)] == ["categories", "signed_on"]
    alone = form.model_copy(update={"categories": ["counseling_notes"], "signed_on": TODAY})
    assert rules.missing_elements(alone, TODAY) == []
    backwards = alone.model_copy(update={"expires_on": TODAY - timedelta(days=1)})
    assert [e["field"] for e in rules.missing_elements(backwards, TODAY)] == ["expires_on"]


@pytest.mark.parametrize(
    ("recipient", "purpose", "categories", "covered"),
    [
        ("dr.  ada lane", "treatment", ["diagnoses"], True),
        ("Dr. Ada Lane", "treatment", ["diagnoses", "medications"], True),
        ("Dr. Bo Chen", "treatment", ["diagnoses"], False),
        ("Dr. Ada Lane", "payment", ["diagnoses"], False),
        ("Dr. Ada Lane", "treatment", ["diagnoses", "labs"], False),
    ],
)
def test_a_consent_covers_recipient_purpose_and_every_category(
    recipient: str, purpose: str, categories: list[str], covered: bool
) -> None:
    assert rules.covers(_terms(), TODAY, recipient, purpose, categories) is covered


def test_tpo_covers_its_three_purposes_only() -> None:
    for purpose in ("treatment", "payment", "health_care_operations"):
        assert rules.covers_purpose({"tpo"}, purpose)
    assert not rules.covers_purpose({"tpo"}, "other")


def test_revoked_expired_and_general_designations() -> None:
    assert not rules.covers(_terms(status="revoked"), TODAY, "Dr. Ada Lane", "treatment", [])
    assert rules.covers(_terms(expires_on=TODAY), TODAY, "Dr. Ada Lane", "treatment", [])
    expired = _terms(expires_on=TODAY - timedelta(days=1))
    assert not rules.covers(expired, TODAY, "Dr. Ada Lane", "treatment", [])
    gone = _terms(recipients=(rules.Recipient("Dr. Ada Lane", False, True),))
    assert not rules.covers(gone, TODAY, "Dr. Ada Lane", "treatment", [])
    general = _terms(recipients=(rules.Recipient("my treating providers", True, False),))
    assert rules.covers(general, TODAY, "Any Clinic", "treatment", ["diagnoses"])


def test_missing_categories_come_from_the_closest_consent() -> None:
    narrow = _terms(categories=frozenset({"diagnoses"}))
    wide = _terms()
    asked = ["diagnoses", "medications", "labs"]
    assert rules.missing_categories([narrow, wide], TODAY, "Dr. Ada Lane", "treatment", asked) == [
        "labs"
    ]
    assert rules.missing_categories([wide], TODAY, "Someone", "treatment", asked) == asked
    assert rules.first_covering([(wide, "w")], TODAY, "Dr. Ada Lane", "treatment", asked) is None


def test_exceptions_need_a_known_name_and_an_emergency_its_reason() -> None:
    assert rules.exception_error(None, "") is None
    assert rules.exception_error("audit", "") is None
    assert rules.exception_error("medical_emergency", " ") == {
        "field": "exception_detail",
        "message": "describe the emergency",
    }
    assert rules.exception_error("curiosity", "")["field"] == "exception"  # type: ignore[index]
