"""Migration imports: the validation report and the reconciliation counts."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ImportResult(BaseModel):
    dry_run: bool
    ok: bool
    problems: list[dict[str, str | int]] = Field(
        description="One per bad row and field: file, row, field, problem"
    )
    counts: dict[str, dict[str, int]] = Field(
        description="Per entity: in_file, created, unchanged, failed"
    )
