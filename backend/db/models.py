"""Imports every area's table models so ``metadata`` is complete (Alembic, tests)."""

from backend.accounts import models as accounts
from backend.audit import models as audit
from backend.db.base import metadata
from backend.patients import models as patients

__all__ = ["accounts", "audit", "metadata", "patients"]
