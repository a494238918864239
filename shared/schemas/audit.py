from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEventRead(BaseModel):
    id: int
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_username: str | None
    action: str
    entity: str
    entity_id: str | None
    patient_id: uuid.UUID | None
    outcome: str
    ip: str | None
    user_agent: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEventRead]
    total: int
    limit: int
    offset: int
