"""Imports every area's table models so ``metadata`` is complete (Alembic, tests)."""

from backend.db.base import metadata

__all__ = ["metadata"]
