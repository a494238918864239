"""Vocabularies shared by the API and the UI."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    FACILITATOR = "facilitator"
    CLINICIAN = "clinician"
    SUPERVISOR = "supervisor"
    BILLER = "biller"
    AUDITOR = "auditor"


CLINICAL_ROLES = frozenset({Role.CLINICIAN, Role.FACILITATOR, Role.SUPERVISOR})


class LevelOfCare(StrEnum):
    """ASAM-style levels, from most to least intensive."""

    DETOX = "detox"
    RESIDENTIAL = "residential"
    PHP = "php"
    IOP = "iop"
    OUTPATIENT = "outpatient"


class PatientStatus(StrEnum):
    ACTIVE = "active"
    DISCHARGED = "discharged"
    DECEASED = "deceased"


class SexAtBirth(StrEnum):
    FEMALE = "female"
    MALE = "male"
    INTERSEX = "intersex"
    UNKNOWN = "unknown"


class CareTeamRole(StrEnum):
    PRIMARY_CLINICIAN = "primary_clinician"
    CLINICIAN = "clinician"
    FACILITATOR = "facilitator"
    SUPERVISOR = "supervisor"
    CASE_MANAGER = "case_manager"
    PSYCHIATRIST = "psychiatrist"


class AllergySeverity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    UNKNOWN = "unknown"
