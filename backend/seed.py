"""``emr seed demo``: a small living organisation so a fresh ``make run`` has something
to show. Idempotent; refuses a database holding real patients unless forced."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend import admin
from backend.accounts import service as accounts
from backend.accounts.models import User
from backend.config import get_settings
from backend.lib.auth import Principal
from backend.patients import chart, episodes
from backend.patients import service as patients
from backend.patients.models import Patient, Program
from backend.scheduling import enrollment
from backend.scheduling import service as scheduling
from shared.enums import CareTeamRole, LevelOfCare, Role
from shared.schemas.accounts import UserCreate
from shared.schemas.patients import (
    AllergyCreate,
    CareTeamCreate,
    DiagnosisCreate,
    DischargeCreate,
    EpisodeCreate,
    PatientCreate,
    ProgramCreate,
    TransitionCreate,
)
from shared.schemas.scheduling import (
    AttendanceWrite,
    EnrollmentCreate,
    GroupCreate,
    RoomCreate,
    SeriesCreate,
)

DEMO_SYSTEM = "demo"
PROGRAMS = [
    ("Residential", LevelOfCare.RESIDENTIAL, True),
    ("Partial Hospitalization", LevelOfCare.PHP, True),
    ("Intensive Outpatient", LevelOfCare.IOP, True),
    ("Outpatient Counseling", LevelOfCare.OUTPATIENT, False),
]
STAFF = [
    ("demo-admin", "Avery Admin", Role.ADMIN),
    ("demo-coordinator", "Casey Coordinator", Role.COORDINATOR),
    ("demo-facilitator", "Frankie Facilitator", Role.FACILITATOR),
    ("demo-clinician", "Dr. Jordan Reyes", Role.CLINICIAN),
    ("demo-supervisor", "Dr. Sam Okafor", Role.SUPERVISOR),
    ("demo-biller", "Bailey Biller", Role.BILLER),
    ("demo-auditor", "Alex Auditor", Role.AUDITOR),
]
GIVEN = [
    "Ana",
    "Zoë",
    "D'Arcy",
    "Mateo",
    "Aiyana",
    "Priya",
    "Jamal",
    "Siobhán",
    "Kenji",
    "Fatima",
    "Noah",
    "Leila",
    "Olu",
    "María José",
    "Tomás",
    "Hana",
    "Dmitri",
    "Grace",
    "Yusuf",
    "Mei",
]
FAMILY = [
    "Rivera",
    "O'Connor",
    "Nguyễn",
    "Okafor",
    "Smith",
    "Haddad",
    "Kowalski",
    "Begay",
    "García-López",
    "Tanaka",
    "Johnson",
    "Ivanova",
    "Patel",
    "Mensah",
    "Lindqvist",
]
DIAGNOSES = ["F10.20", "F11.20", "F33.1", "F41.1", "F43.10", "F12.20", "F14.20", "F31.81"]
ALLERGIES = [
    ("Penicillin", "Hives", "moderate"),
    ("Sulfa drugs", "Rash", "mild"),
    ("Latex", "Swelling", "severe"),
]


@dataclass
class SeedReport:
    created_users: list[tuple[str, str, str]] = field(default_factory=list)
    patients: int = 0
    already_seeded: bool = False


def demo_password(role: Role) -> str:
    return f"{role.value.capitalize()}-Demo-2026!"


class RealDataError(RuntimeError):
    pass


async def _real_patients(session: AsyncSession) -> int:
    result = await session.exec(
        select(func.count())
        .select_from(Patient)
        .where(~col(Patient.external_ids).contains([{"system": DEMO_SYSTEM}]))
    )
    return int(result.one())


async def has_users(url: str) -> bool:
    async with admin.transaction(url) as session:
        return bool((await session.exec(select(func.count()).select_from(User))).one())


async def seed_demo(url: str, *, force: bool = False) -> SeedReport:
    report = SeedReport()
    async with admin.transaction(url) as session:
        if await _real_patients(session) and not force:
            raise RealDataError("This database holds patients that are not demo data.")
        actor = admin.cli_actor()
        users = {}
        for username, full_name, role in STAFF:
            user = await accounts.user_by_name(session, username)
            if user is None:
                password = demo_password(role)
                user = await accounts.create_user(
                    session,
                    actor,
                    UserCreate(
                        username=username, full_name=full_name, password=password, roles=[role]
                    ),
                )
                report.created_users.append((username, role.value, password))
            users[role] = user
        programs = {p.name: p for p in await episodes.programs(session)}
        for name, level, part2 in PROGRAMS:
            if name not in programs:
                programs[name] = await episodes.create_program(
                    session, actor, ProgramCreate(name=name, level_of_care=level, part2=part2)
                )
        existing = await session.exec(select(func.count()).select_from(Patient))
        if int(existing.one()):
            report.already_seeded = True
            return report
        clients = [await _client(session, actor, index, users, programs) for index in range(30)]
        await _schedule(session, actor, users, clients[:10])
        report.patients = 30
    return report


async def _schedule(
    session: AsyncSession, actor: admin.Actor, users: dict[Role, User], members: list[Patient]
) -> None:
    """Two rooms, an IOP group (Mon/Wed/Fri mornings, started three weeks ago, ten members,
    attendance taken) and an evening DBT skills group."""
    facilitator = users[Role.FACILITATOR]
    big = await scheduling.create_room(session, actor, RoomCreate(name="Group Room A", capacity=14))
    small = await scheduling.create_room(
        session, actor, RoomCreate(name="Group Room B", capacity=8)
    )
    iop = await scheduling.create_group(
        session,
        actor,
        GroupCreate(
            name="IOP Mornings",
            room_id=big.id,
            facilitator_ids=[facilitator.id],
            duration_minutes=180,
        ),
    )
    dbt = await scheduling.create_group(
        session,
        actor,
        GroupCreate(
            name="DBT Skills",
            room_id=small.id,
            facilitator_ids=[users[Role.CLINICIAN].id],
            capacity=8,
            open_enrollment=False,
        ),
    )
    start = date.today() - timedelta(days=date.today().weekday()) - timedelta(weeks=3)
    for group, rule, at, minutes in [
        (iop, "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=36", "09:00", 180),
        (dbt, "FREQ=WEEKLY;BYDAY=TU;COUNT=8", "17:30", 90),
    ]:
        plan = await scheduling.plan_series(
            session,
            SeriesCreate(
                group_id=group.id,
                rrule=rule,
                start_local=f"{start.isoformat()}T{at}",
                timezone=get_settings().timezone,
                duration_minutes=minutes,
            ),
        )
        await scheduling.create_series(session, actor, plan)
    staff = admin.Actor(facilitator.id, facilitator.username, "local", "emr seed")
    for patient in members:
        await enrollment.enroll(
            session, actor, iop, EnrollmentCreate(patient_id=patient.id, from_date=start)
        )
    past = [s for s in await enrollment.past_sessions(session, iop.id)]
    rng = random.Random(7)
    for row in past:
        for patient in members:
            status = rng.choices(["present", "late", "absent", "excused"], [80, 8, 7, 5])[0]
            await enrollment.record_attendance(
                session,
                staff,
                row,
                patient.id,
                AttendanceWrite(status=status, minutes=150 if status == "late" else None),
            )


async def _client(
    session: AsyncSession,
    actor: admin.Actor,
    index: int,
    users: dict[Role, User],
    programs: dict[str, Program],
) -> Patient:
    rng = random.Random(index)
    clinician = users[Role.CLINICIAN]
    principal = Principal(
        clinician.id, clinician.username, frozenset({Role.CLINICIAN}), session_id=clinician.id
    )
    today = date.today()
    patient = await patients.register(
        session,
        actor,
        principal,
        PatientCreate(
            given_name=GIVEN[index % len(GIVEN)],
            family_name=FAMILY[(index * 7) % len(FAMILY)],
            birth_date=date(1960 + rng.randrange(45), rng.randrange(1, 13), rng.randrange(1, 28)),
            pronouns=rng.choice(["she/her", "he/him", "they/them", ""]),
            phones=[{"kind": "mobile", "number": f"555-01{index:02d}-{rng.randrange(1000, 9999)}"}],
            external_ids=[{"system": DEMO_SYSTEM, "value": f"demo-{index}"}],
            allow_duplicate=True,
        ),
    )
    await chart.add_to_care_team(
        session,
        actor,
        patient,
        CareTeamCreate(user_id=users[Role.FACILITATOR].id, role=CareTeamRole.FACILITATOR),
    )
    await chart.add_diagnosis(session, actor, patient, DiagnosisCreate(code=rng.choice(DIAGNOSES)))
    if index % 4 == 0:
        substance, reaction, severity = rng.choice(ALLERGIES)
        await chart.add_allergy(
            session,
            actor,
            patient,
            AllergyCreate(substance=substance, reaction=reaction, severity=severity),
        )
    steps = [name for name, _, _ in PROGRAMS]
    first = index % 3
    path = steps[first : first + 1 + (index // 3) % 3]
    start = today - timedelta(days=20 + 10 * len(path) + rng.randrange(60))
    episode = await episodes.admit(
        session, actor, patient, EpisodeCreate(program_id=programs[path[0]].id, admitted_on=start)
    )
    day = start
    for name in path[1:]:
        day += timedelta(days=10 + rng.randrange(20))
        await episodes.transition(
            session,
            actor,
            principal,
            episode,
            TransitionCreate(
                occurred_on=min(day, today),
                to_program_id=programs[name].id,
                reason="Clinical progress: step down",
            ),
        )
    if index % 5 == 4:
        await episodes.discharge(
            session,
            actor,
            episode,
            DischargeCreate(discharged_on=today, disposition="Completed treatment"),
        )
    return patient
