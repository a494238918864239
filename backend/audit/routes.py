"""The audit report for auditors: filter, sort, page, export as CSV; break-glass list."""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from typing import Any, Literal

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.access import break_glass_report
from backend.audit import service
from backend.audit.service import AuditFilter
from backend.lib.auth import Principal, request_actor
from backend.lib.csv_cells import SafeWriter
from backend.lib.policy import allow
from shared.enums import Role
from shared.schemas.accounts import BreakGlassRead
from shared.schemas.audit import AuditEventRead, AuditPage

SortKey = Literal["id", "occurred_at", "actor_username", "action", "entity", "outcome"]
CSV_LIMIT = 100_000


def provide_filter(
    since: datetime | None = None,
    until: datetime | None = None,
    user: str | None = Parameter(default=None, max_length=64),
    patient_id: uuid.UUID | None = None,
    action: str | None = Parameter(default=None, max_length=40),
) -> AuditFilter:
    """The report's filters, shared by the table and the CSV export."""
    return AuditFilter(since=since, until=until, user=user, patient_id=patient_id, action=action)


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]
    dependencies = {"where": Provide(provide_filter, sync_to_thread=False)}

    @get("/events", opt=allow(Role.AUDITOR), summary="Search the audit trail")
    async def events(
        self,
        request: Request[Principal, Any, State],
        db_session: AsyncSession,
        where: AuditFilter,
        sort: SortKey = "occurred_at",
        order: Literal["asc", "desc"] = "desc",
        limit: int = Parameter(default=50, ge=1, le=500),
        offset: int = Parameter(default=0, ge=0),
    ) -> AuditPage:
        rows, total = await service.search(
            db_session, where, sort=sort, descending=order == "desc", limit=limit, offset=offset
        )
        await service.record(
            db_session,
            request_actor(request),
            "read",
            "audit_report",
            detail={"filter": {k: str(v) for k, v in vars(where).items() if v}},
        )
        items = [AuditEventRead.model_validate(r, from_attributes=True) for r in rows]
        return AuditPage(items=items, total=total, limit=limit, offset=offset)

    @get(
        "/events.csv",
        opt=allow(Role.AUDITOR),
        summary="Export the filtered trail as CSV",
        media_type="text/csv",
    )
    async def events_csv(
        self,
        request: Request[Principal, Any, State],
        db_session: AsyncSession,
        where: AuditFilter,
    ) -> Response[str]:
        rows, _ = await service.search(
            db_session, where, sort="id", descending=False, limit=CSV_LIMIT, offset=0
        )
        buffer = io.StringIO()
        columns = list(AuditEventRead.model_fields)
        writer = SafeWriter(buffer)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(
                [getattr(row, c) if getattr(row, c) is not None else "" for c in columns]
            )
        await service.record(
            db_session, request_actor(request), "export", "audit_report", detail={"rows": len(rows)}
        )
        return Response(
            buffer.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit-events.csv"'},
        )

    @get("/break-glass", opt=allow(Role.AUDITOR), summary="Every break-the-glass access")
    async def break_glass(self, db_session: AsyncSession) -> list[BreakGlassRead]:
        return [
            BreakGlassRead.model_validate(grant, from_attributes=True).model_copy(
                update={"username": username}
            )
            for grant, username in await break_glass_report(db_session)
        ]
