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
