"""Individual appointments reuse the group machinery: a one-place group of kind
``individual`` facilitated by the clinician, the client enrolled, a series of sessions.
So moves, cancellations, conflicts, attendance and feeds work the same way."""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import User
from backend.audit.service import Actor, record
from backend.lib.problems import Problem
from backend.patients.models import Patient
from backend.scheduling import rules, service
from backend.scheduling.models import Enrollment, Group, Series, Session
from shared.schemas.scheduling import AppointmentCreate, SeriesCreate


async def create(
    session: AsyncSession, actor: Actor, data: AppointmentCreate
) -> tuple[Series, list[Session], service.Plan]:
    if await session.get(Patient, data.patient_id) is None:
        raise Problem(
            422,
            f"patient_id: no patient {data.patient_id}.",
            errors=[{"field": "patient_id", "message": "unknown patient"}],
        )
    clinician = await session.get(User, data.clinician_id)
    if clinician is None or clinician.disabled:
        raise Problem(
            422,
            f"clinician_id: no active clinician {data.clinician_id}.",
            errors=[{"field": "clinician_id", "message": "unknown clinician"}],
        )
    try:
        first_day = rules.local_datetime(data.start_local, "start_local").date()
    except rules.RuleError as error:
        raise Problem(
            422, str(error), errors=[{"field": error.field, "message": error.message}]
        ) from error
    group = Group(
        name=f"Individual · {clinician.full_name or clinician.username} · {uuid.uuid4().hex[:6]}",
        kind="individual",
        capacity=1,
        open_enrollment=False,
        room_id=data.room_id,
        facilitator_ids=[clinician.id],
        duration_minutes=data.duration_minutes,
    )
    session.add(group)
    await session.flush()
    session.add(Enrollment(group_id=group.id, patient_id=data.patient_id, from_date=first_day))
    plan = await service.plan_series(
        session,
        SeriesCreate(
            group_id=group.id,
            rrule=data.rrule,
            start_local=data.start_local,
            timezone=data.timezone,
            duration_minutes=data.duration_minutes,
            room_id=data.room_id,
            facilitator_ids=[clinician.id],
        ),
        client_ids=[data.patient_id],
    )
    series, sessions = await service.create_series(session, actor, plan)
    await record(
        session, actor, "create", "appointment", entity_id=series.id, patient_id=data.patient_id
    )
    return series, sessions, plan
