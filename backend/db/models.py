"""Imports every area's table models so ``metadata`` is complete (Alembic, tests)."""

from backend.accounts import models as accounts
from backend.audit import models as audit
from backend.billing import models as billing
from backend.consent import models as consent
from backend.db.base import metadata
from backend.interop import models as interop
from backend.labs import models as labs
from backend.measures import models as measures
from backend.medications import models as medications
from backend.notes import models as notes
from backend.patients import models as patients
from backend.plans import models as plans
from backend.scheduling import models as scheduling

__all__ = [
    "accounts",
    "audit",
    "billing",
    "consent",
    "interop",
    "labs",
    "measures",
    "medications",
    "metadata",
    "notes",
    "patients",
    "plans",
    "scheduling",
]
