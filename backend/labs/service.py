"""Lab orders and results: order, collect, cancel, record results (typed in, CSV or HL7),
read them back and trend one analyte.

Results arrive in batches that are stored all or nothing: every result of a batch is
checked (its order, unit, bounds, numbers) before anything is written, and a refusal names
every bad field. A critical value alerts each member of the client's care team in the same
transaction as the result."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import Actor, Event, record, record_many
from backend.db.base import utcnow
from backend.labs import rules
from backend.labs.models import LabOrder, LabResult
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from backend.measures.models import ClinicalAlert
from backend.patients.models import CareTeamMember
from shared.schemas.labs import (
    LabFlag,
    LabOrderCreate,
    LabResultCreate,
    LabTrend,
    LabTrendPoint,
    OrderStatus,
)

ALERT_KIND = "critical_lab"
# A refusal lists at most this many fields; the detail says how many more there were.
MAX_LISTED = 100


@dataclass(frozen=True)
class Incoming:
    """One result as received. ``name`` turns a field into the caller's vocabulary
    (``results[0].{}``, ``row 3: {}``); ``problems`` are what parsing already found;
    ``order_field`` names the order where it is not one of the result's own fields (the
    OBR segment of an HL7 message)."""

    name: str
    order_id: uuid.UUID | None
    result: LabResultCreate | None
    reported_flag: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)
    order_field: str = ""

    def named(self, key: str) -> str:
        return self.name.format(key)


def refuse(errors: Sequence[tuple[str, str]]) -> Problem:
    (first_field, first_message), more = errors[0], len(errors) - 1
    tail = f" ({more} more)" if more else ""
    listed = [{"field": f, "message": m} for f, m in errors[:MAX_LISTED]]
    return Problem(422, f"{first_field}: {first_message}.{tail}", errors=listed)


async def order(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    patient_id: uuid.UUID,
    data: LabOrderCreate,
) -> LabOrder:
    lab_order = LabOrder(
        patient_id=patient_id,
        test_code=data.test_code.strip(),
        test_name=data.test_name.strip(),
        panel=data.panel,
        specimen=data.specimen.strip(),
        ordering_clinician_id=principal.user_id,
    )
    session.add(lab_order)
    await session.flush()
    await record(
        session, actor, "create", "lab_order", entity_id=lab_order.id, patient_id=patient_id
    )
    return lab_order


async def get_order(session: AsyncSession, order_id: uuid.UUID, *, lock: bool = False) -> LabOrder:
    lab_order = await session.get(LabOrder, order_id, with_for_update=lock)
    if lab_order is None:
        raise Problem(404, f"No lab order {order_id}.")
    return lab_order


async def order_for_results(session: AsyncSession, order_id: uuid.UUID) -> LabOrder:
    """The order results are sent to; an unknown one is a bad field of the request."""
    lab_order = await session.get(LabOrder, order_id)
    if lab_order is None:
        raise refuse([("order_id", f"no lab order {order_id}")])
    return lab_order


async def orders_for(session: AsyncSession, patient_id: uuid.UUID) -> list[LabOrder]:
    rows = await session.exec(
        select(LabOrder)
        .where(LabOrder.patient_id == patient_id)
        .order_by(col(LabOrder.ordered_at).desc())
    )
    return list(rows.all())


async def move(session: AsyncSession, actor: Actor, lab_order: LabOrder, action: str) -> LabOrder:
    """Collect or cancel an order (the caller holds its row lock)."""
    target = rules.next_status(lab_order.status, action)
    if target is None:
        raise Problem(
            409, f"A {lab_order.status} order cannot be {action}ed.", slug="lab-order-status"
        )
    lab_order.status = target.value
    if action == "collect":
        lab_order.collected_at = utcnow()
    lab_order.version += 1
    session.add(lab_order)
    await record(
        session,
        actor,
        action,
        "lab_order",
        entity_id=lab_order.id,
        patient_id=lab_order.patient_id,
    )
    return lab_order


async def _orders(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, LabOrder]:
    if not ids:
        return {}
    rows = await session.exec(
        select(LabOrder)
        .where(col(LabOrder.id).in_(ids))
        .order_by(col(LabOrder.id))
        .with_for_update()
    )
    return {o.id: o for o in rows.all()}


def _order_problem(
    item: Incoming, orders: dict[uuid.UUID, LabOrder], patient_id: uuid.UUID
) -> list[tuple[str, str]]:
    if item.order_id is None:
        return [] if item.problems else [(item.named("order_id"), "required")]
    where = item.order_field or item.named("order_id")
    lab_order = orders.get(item.order_id)
    if lab_order is None or lab_order.patient_id != patient_id:
        return [(where, f"no lab order {item.order_id} for this client")]
    if rules.next_status(lab_order.status, "result") is None:
        return [(where, f"the order is {lab_order.status}")]
    return []


async def care_team(session: AsyncSession, patient_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.exec(
        select(CareTeamMember.user_id).where(CareTeamMember.patient_id == patient_id)
    )
    return list(rows.all())


async def record_results(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    patient_id: uuid.UUID,
    incoming: list[Incoming],
    source: str,
) -> list[LabResult]:
    now = utcnow()
    orders = await _orders(session, {i.order_id for i in incoming if i.order_id is not None})
    errors: list[tuple[str, str]] = []
    ready: list[tuple[Incoming, LabResultCreate]] = []
    for item in incoming:
        errors += item.problems + _order_problem(item, orders, patient_id)
        if item.result is None or item.problems:
            continue
        result = rules.normalized(item.result)
        found = rules.result_errors(result, now)
        errors += [(item.named(key), message) for key, message in found]
        ready.append((item, result))
    if errors:
        raise refuse(list(dict.fromkeys(errors)))
    rows = [_row(item, result, patient_id, principal, source, now) for item, result in ready]
    session.add_all(rows)
    resulted = sorted({row.order_id for row in rows})
    for order_id in resulted:
        lab_order = orders[order_id]
        lab_order.status, lab_order.version = OrderStatus.RESULTED.value, lab_order.version + 1
        session.add(lab_order)
    await session.flush()
    events = [
        Event("create", "lab_result", row.id, patient_id, detail={"flag": row.flag}) for row in rows
    ] + [Event("result", "lab_order", order_id, patient_id) for order_id in resulted]
    events += await _alert(session, patient_id, ready, rows)
    await record_many(session, actor, events)
    return rows


def _row(
    item: Incoming,
    result: LabResultCreate,
    patient_id: uuid.UUID,
    principal: Principal,
    source: str,
    now: datetime,
) -> LabResult:
    flag, confirmation = rules.result_flag(result)
    assert item.order_id is not None
    return LabResult(
        order_id=item.order_id,
        patient_id=patient_id,
        analyte=result.analyte,
        value=result.value,
        value_text=result.value_text,
        unit=result.unit,
        ref_low=result.ref_low,
        ref_high=result.ref_high,
        critical_low=result.critical_low,
        critical_high=result.critical_high,
        flag=rules.with_reported(flag, item.reported_flag).value,
        cutoff=result.cutoff,
        qualitative=result.qualitative,
        confirmation=confirmation.value if confirmation else None,
        resulted_at=result.resulted_at or now,
        source=source,
        recorded_by=principal.user_id,
    )


async def _alert(
    session: AsyncSession,
    patient_id: uuid.UUID,
    ready: list[tuple[Incoming, LabResultCreate]],
    rows: list[LabResult],
) -> list[Event]:
    critical = [
        (result, row)
        for (_, result), row in zip(ready, rows, strict=True)
        if row.flag in rules.CRITICAL
    ]
    if not critical:
        return []
    recipients = await care_team(session, patient_id)
    session.add_all(
        ClinicalAlert(
            patient_id=patient_id,
            recipient_id=user_id,
            kind=ALERT_KIND,
            message=rules.alert_message(result, LabFlag(row.flag)),
        )
        for result, row in critical
        for user_id in recipients
    )
    return [
        Event(
            "alert",
            "clinical_alert",
            row.id,
            patient_id,
            detail={"kind": ALERT_KIND, "recipients": [str(u) for u in recipients]},
        )
        for _, row in critical
    ]


def _analyte_is(analyte: str) -> ColumnElement[bool]:
    return func.lower(col(LabResult.analyte)) == analyte.strip().lower()


async def results_for(
    session: AsyncSession, patient_id: uuid.UUID, analyte: str | None = None
) -> list[LabResult]:
    """Newest first; ``analyte`` matches whatever its case."""
    query = select(LabResult).where(LabResult.patient_id == patient_id)
    if analyte:
        query = query.where(_analyte_is(analyte))
    rows = await session.exec(
        query.order_by(col(LabResult.resulted_at).desc(), col(LabResult.analyte))
    )
    return list(rows.all())


async def trend(session: AsyncSession, patient_id: uuid.UUID, analyte: str) -> LabTrend:
    """The analyte's numeric results, oldest first, with the newest result's bounds."""
    rows = await session.exec(
        select(LabResult)
        .where(LabResult.patient_id == patient_id, _analyte_is(analyte))
        .where(col(LabResult.value).is_not(None))
        .order_by(col(LabResult.resulted_at), col(LabResult.id))
    )
    found = list(rows.all())
    latest = found[-1] if found else None
    return LabTrend(
        analyte=latest.analyte if latest else analyte.strip(),
        unit=latest.unit if latest else "",
        ref_low=latest.ref_low if latest else None,
        ref_high=latest.ref_high if latest else None,
        critical_low=latest.critical_low if latest else None,
        critical_high=latest.critical_high if latest else None,
        points=[
            LabTrendPoint(resulted_at=r.resulted_at, value=r.value, flag=LabFlag(r.flag))
            for r in found
            if r.value is not None
        ],
    )
