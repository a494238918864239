"""Typed async client of the EMR API, used by the UI, tests and scripts.

Every non-2xx answer raises :class:`ApiError` carrying the RFC 9457 problem document,
so callers show ``error.detail`` to the user instead of guessing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from pydantic import BaseModel

from shared.schemas.accounts import (
    Me,
    MfaEnrolment,
    RecoveryCodes,
    StaffMember,
    TokenPair,
    UserCreate,
    UserRead,
    UserUpdate,
)
from shared.schemas.audit import AuditPage
from shared.schemas.billing import (
    ChargeCorrection,
    ChargeRead,
    ClaimBatchCreate,
    ClaimBatchRead,
    PayerRead,
)
from shared.schemas.consent import (
    ConsentCreate,
    ConsentRead,
    DisclosureRead,
    DisclosureRequest,
)
from shared.schemas.interop import ImportResult
from shared.schemas.labs import (
    LabOrderCreate,
    LabOrderRead,
    LabResultRead,
    LabResultsCreate,
    LabTrend,
)
from shared.schemas.measures import (
    AlertRead,
    AssessmentCreate,
    AssessmentDue,
    AssessmentRead,
    InstrumentRead,
    ScheduleCreate,
    ScheduleRead,
)
from shared.schemas.medications import (
    DoseRead,
    DoseRecord,
    MarRow,
    MedicationCreate,
    MedicationRead,
    MedicationStop,
    PrescriptionCreate,
    PrescriptionDiscontinue,
    PrescriptionRead,
    PrnEffect,
    PrnGive,
)
from shared.schemas.notes import (
    AddendumCreate,
    EntryRead,
    EntryUpdate,
    LeakConfirmationCreate,
    MemberNote,
    NoteRead,
    NoteSummary,
    SharedUpdate,
)
from shared.schemas.patients import (
    AllergyCreate,
    CareTeamCreate,
    ChartSummary,
    DiagnosisCreate,
    DischargeCreate,
    EpisodeCreate,
    EpisodeRead,
    PatientCreate,
    PatientPage,
    PatientRead,
    PatientUpdate,
    ProgramRead,
    TransitionCreate,
)
from shared.schemas.plans import (
    ClientSignature,
    ObjectiveProgress,
    PlanChange,
    PlanContent,
    PlanCreate,
    PlanDue,
    PlanRead,
    ProgressPointCreate,
)
from shared.schemas.progress_notes import ProgressNoteCreate, ProgressNoteRead
from shared.schemas.reports import ReportName, ReportRow
from shared.schemas.scheduling import (
    AttendanceWrite,
    ClosureCreate,
    ClosureResult,
    EnrollmentCreate,
    EnrollmentEnd,
    EnrollmentRead,
    GroupRead,
    RoomRead,
    SeriesCreate,
    SeriesPreview,
    SeriesRead,
    SessionRead,
    SessionUpdate,
    SignInSheet,
)
from shared.schemas.system import HealthRead


@dataclass
class ApiError(Exception):
    status: int
    title: str
    detail: str
    problem: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"

    @property
    def unavailable(self) -> bool:
        """The API could not be reached, or it (or its database) cannot serve right now:
        a passing outage worth retrying, not a refusal of this request."""
        return self.status in (0, 502, 503, 504)

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        if not isinstance(problem, dict):
            problem = {}
        return cls(
            status=response.status_code,
            title=str(problem.get("title") or response.reason_phrase),
            detail=str(problem.get("detail") or response.text[:200]),
            problem=problem,
        )


class EmrClient:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        forwarded_for: str | None = None,
    ) -> None:
        """``forwarded_for``: the address of the browser a server-side caller (the UI) acts
        for, which the API believes only from its trusted proxies (EMR_TRUSTED_PROXIES)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        self._http = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout)

    async def __aenter__(self) -> EmrClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    def use_token(self, token: str | None) -> None:
        if token:
            self._http.headers["Authorization"] = f"Bearer {token}"
        else:
            self._http.headers.pop("Authorization", None)

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError(0, "API unreachable", f"Cannot reach the API: {exc}") from exc
        if response.is_error:
            raise ApiError.from_response(response)
        return response

    async def health(self) -> HealthRead:
        response = await self._request("GET", "/api/v1/health")
        return HealthRead.model_validate(response.json())

    async def sign_in(self, username: str, password: str, otp: str | None = None) -> TokenPair:
        body = {"username": username, "password": password} | ({"otp": otp} if otp else {})
        response = await self._request("POST", "/api/v1/auth/token", json=body)
        return TokenPair.model_validate(response.json())

    async def refresh(self, refresh_token: str) -> TokenPair:
        response = await self._request(
            "POST", "/api/v1/auth/refresh", json={"refresh_token": refresh_token}
        )
        return TokenPair.model_validate(response.json())

    async def sign_out(self) -> None:
        await self._request("POST", "/api/v1/auth/logout")

    async def me(self) -> Me:
        return Me.model_validate((await self._request("GET", "/api/v1/auth/me")).json())

    async def change_password(self, current: str, new: str) -> None:
        body = {"current_password": current, "new_password": new}
        await self._request("POST", "/api/v1/auth/password", json=body)

    async def mfa_enroll(self) -> MfaEnrolment:
        response = await self._request("POST", "/api/v1/auth/mfa/enroll")
        return MfaEnrolment.model_validate(response.json())

    async def mfa_confirm(self, otp: str) -> RecoveryCodes:
        response = await self._request("POST", "/api/v1/auth/mfa/confirm", json={"otp": otp})
        return RecoveryCodes.model_validate(response.json())

    async def users(self) -> list[UserRead]:
        response = await self._request("GET", "/api/v1/users")
        return [UserRead.model_validate(u) for u in response.json()]

    async def create_user(self, data: UserCreate) -> UserRead:
        response = await self._request("POST", "/api/v1/users", json=data.model_dump(mode="json"))
        return UserRead.model_validate(response.json())

    async def update_user(self, user_id: uuid.UUID, data: UserUpdate, version: int) -> UserRead:
        response = await self._request(
            "PATCH",
            f"/api/v1/users/{user_id}",
            json=data.model_dump(mode="json", exclude_unset=True),
            headers={"If-Match": f'"{version}"'},
        )
        return UserRead.model_validate(response.json())

    async def audit_events(self, **filters: Any) -> AuditPage:
        params = {k: v for k, v in filters.items() if v not in (None, "")}
        response = await self._request("GET", "/api/v1/audit/events", params=params)
        return AuditPage.model_validate(response.json())

    async def audit_csv(self, **filters: Any) -> str:
        params = {k: v for k, v in filters.items() if v not in (None, "")}
        return (await self._request("GET", "/api/v1/audit/events.csv", params=params)).text

    async def staff(self) -> list[StaffMember]:
        return [StaffMember.model_validate(s) for s in (await self._get("/api/v1/staff"))]

    async def _get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return (await self._request("GET", path, params=clean)).json()

    async def _post(self, path: str, body: BaseModel) -> Any:
        return (await self._request("POST", path, json=body.model_dump(mode="json"))).json()

    async def search_patients(self, **filters: Any) -> PatientPage:
        return PatientPage.model_validate(await self._get("/api/v1/patients", **filters))

    async def register_patient(self, data: PatientCreate) -> PatientRead:
        return PatientRead.model_validate(await self._post("/api/v1/patients", data))

    async def patient_summary(self, patient_id: str) -> ChartSummary:
        return ChartSummary.model_validate(
            await self._get(f"/api/v1/patients/{patient_id}/summary")
        )

    async def update_patient(
        self, patient_id: str, data: PatientUpdate, version: int
    ) -> PatientRead:
        response = await self._request(
            "PATCH",
            f"/api/v1/patients/{patient_id}",
            json=data.model_dump(mode="json", exclude_unset=True),
            headers={"If-Match": f'"{version}"'},
        )
        return PatientRead.model_validate(response.json())

    async def programs(self) -> list[ProgramRead]:
        return [ProgramRead.model_validate(p) for p in await self._get("/api/v1/programs")]

    async def add_care_team(self, patient_id: str, data: CareTeamCreate) -> None:
        await self._post(f"/api/v1/patients/{patient_id}/care-team", data)

    async def remove_care_team(self, patient_id: str, member_id: str) -> None:
        await self._request("DELETE", f"/api/v1/patients/{patient_id}/care-team/{member_id}")

    async def admit(self, patient_id: str, data: EpisodeCreate) -> EpisodeRead:
        return EpisodeRead.model_validate(
            await self._post(f"/api/v1/patients/{patient_id}/episodes", data)
        )

    async def transition(self, episode_id: str, data: TransitionCreate) -> EpisodeRead:
        return EpisodeRead.model_validate(
            await self._post(f"/api/v1/episodes/{episode_id}/transitions", data)
        )

    async def discharge(self, episode_id: str, data: DischargeCreate) -> EpisodeRead:
        return EpisodeRead.model_validate(
            await self._post(f"/api/v1/episodes/{episode_id}/discharge", data)
        )

    async def add_diagnosis(self, patient_id: str, data: DiagnosisCreate) -> None:
        await self._post(f"/api/v1/patients/{patient_id}/diagnoses", data)

    async def add_allergy(self, patient_id: str, data: AllergyCreate) -> None:
        await self._post(f"/api/v1/patients/{patient_id}/allergies", data)

    async def rooms(self) -> list[RoomRead]:
        return [RoomRead.model_validate(r) for r in await self._get("/api/v1/rooms")]

    async def groups(self) -> list[GroupRead]:
        return [GroupRead.model_validate(g) for g in await self._get("/api/v1/groups")]

    async def sessions(self, **filters: Any) -> list[SessionRead]:
        return [
            SessionRead.model_validate(s) for s in await self._get("/api/v1/sessions", **filters)
        ]

    async def preview_series(self, data: SeriesCreate) -> SeriesPreview:
        return SeriesPreview.model_validate(await self._post("/api/v1/series/preview", data))

    async def create_series(self, data: SeriesCreate) -> SeriesRead:
        return SeriesRead.model_validate(await self._post("/api/v1/series", data))

    async def roster(self, group_id: str) -> list[EnrollmentRead]:
        rows = await self._get(f"/api/v1/groups/{group_id}/enrollments")
        return [EnrollmentRead.model_validate(r) for r in rows]

    async def enroll(self, group_id: str, data: EnrollmentCreate) -> EnrollmentRead:
        return EnrollmentRead.model_validate(
            await self._post(f"/api/v1/groups/{group_id}/enrollments", data)
        )

    async def end_enrollment(self, enrollment_id: str, data: EnrollmentEnd) -> EnrollmentRead:
        return EnrollmentRead.model_validate(
            await self._post(f"/api/v1/enrollments/{enrollment_id}/end", data)
        )

    async def accept_offer(self, enrollment_id: str, data: EnrollmentEnd) -> EnrollmentRead:
        return EnrollmentRead.model_validate(
            await self._post(f"/api/v1/enrollments/{enrollment_id}/accept", data)
        )

    async def sign_in_sheet(self, session_id: str) -> SignInSheet:
        return SignInSheet.model_validate(
            await self._get(f"/api/v1/sessions/{session_id}/attendance")
        )

    async def attend(self, session_id: str, patient_id: str, data: AttendanceWrite) -> None:
        await self._request(
            "PUT",
            f"/api/v1/sessions/{session_id}/attendance/{patient_id}",
            json=data.model_dump(mode="json"),
        )

    async def close_day(self, data: ClosureCreate) -> ClosureResult:
        return ClosureResult.model_validate(await self._post("/api/v1/closures", data))

    async def move_session(self, session_id: str, data: SessionUpdate, version: int) -> None:
        await self._request(
            "PATCH",
            f"/api/v1/sessions/{session_id}",
            json=data.model_dump(mode="json", exclude_unset=True),
            headers={"If-Match": f'"{version}"'},
        )

    async def cancel_session(self, session_id: str, reason: str) -> None:
        await self._request(
            "POST", f"/api/v1/sessions/{session_id}/cancel", json={"reason": reason}
        )

    async def open_note(self, session_id: str) -> NoteRead:
        return NoteRead.model_validate(
            (await self._request("POST", f"/api/v1/sessions/{session_id}/note")).json()
        )

    async def save_shared(self, note_id: str, data: SharedUpdate, version: int) -> NoteRead:
        response = await self._request(
            "PATCH",
            f"/api/v1/notes/{note_id}",
            json=data.model_dump(mode="json", exclude_unset=True),
            headers={"If-Match": f'"{version}"'},
        )
        return NoteRead.model_validate(response.json())

    async def save_entry(
        self, note_id: str, patient_id: str, data: EntryUpdate, version: int
    ) -> EntryRead:
        response = await self._request(
            "PATCH",
            f"/api/v1/notes/{note_id}/entries/{patient_id}",
            json=data.model_dump(mode="json", exclude_unset=True),
            headers={"If-Match": f'"{version}"'},
        )
        return EntryRead.model_validate(response.json())

    async def sign_note(self, note_id: str) -> NoteRead:
        return NoteRead.model_validate(
            (await self._request("POST", f"/api/v1/notes/{note_id}/sign")).json()
        )

    async def add_addendum(self, note_id: str, data: AddendumCreate) -> None:
        await self._post(f"/api/v1/notes/{note_id}/addenda", data)

    async def confirm_leak(self, note_id: str, data: LeakConfirmationCreate) -> None:
        await self._post(f"/api/v1/notes/{note_id}/leak-confirmations", data)

    async def unsigned_notes(self) -> list[NoteSummary]:
        return [NoteSummary.model_validate(n) for n in await self._get("/api/v1/notes/unsigned")]

    async def cosign_queue(self) -> list[NoteSummary]:
        return [
            NoteSummary.model_validate(n) for n in await self._get("/api/v1/notes/cosign-queue")
        ]

    async def cosign(self, note_id: str) -> NoteRead:
        return NoteRead.model_validate(
            (await self._request("POST", f"/api/v1/notes/{note_id}/cosign")).json()
        )

    async def member_notes(self, patient_id: str) -> list[MemberNote]:
        rows = await self._get(f"/api/v1/patients/{patient_id}/group-notes")
        return [MemberNote.model_validate(n) for n in rows]

    async def notes_pdf(self, patient_id: str) -> bytes:
        return (await self._request("GET", f"/api/v1/patients/{patient_id}/notes.pdf")).content

    async def progress_notes(self, patient_id: str) -> list[ProgressNoteRead]:
        rows = await self._get(f"/api/v1/patients/{patient_id}/progress-notes")
        return [ProgressNoteRead.model_validate(n) for n in rows]

    async def create_progress_note(
        self, patient_id: str, data: ProgressNoteCreate
    ) -> ProgressNoteRead:
        body = data.model_dump(mode="json", exclude_none=True)
        response = await self._request(
            "POST", f"/api/v1/patients/{patient_id}/progress-notes", json=body
        )
        return ProgressNoteRead.model_validate(response.json())

    async def progress_note(self, note_id: str) -> ProgressNoteRead:
        return ProgressNoteRead.model_validate(await self._get(f"/api/v1/progress-notes/{note_id}"))

    async def save_progress_note(
        self, note_id: str, sections: dict[str, str], version: int
    ) -> ProgressNoteRead:
        response = await self._request(
            "PATCH",
            f"/api/v1/progress-notes/{note_id}",
            json={"sections": sections},
            headers={"If-Match": f'"{version}"'},
        )
        return ProgressNoteRead.model_validate(response.json())

    async def progress_action(self, note_id: str, action: str) -> ProgressNoteRead:
        """``action`` is "sign" or "cosign"."""
        response = await self._request("POST", f"/api/v1/progress-notes/{note_id}/{action}")
        return ProgressNoteRead.model_validate(response.json())

    async def add_progress_addendum(self, note_id: str, data: AddendumCreate) -> None:
        await self._post(f"/api/v1/progress-notes/{note_id}/addenda", data)

    async def plans(self, patient_id: str) -> list[PlanRead]:
        rows = await self._get(f"/api/v1/patients/{patient_id}/plans")
        return [PlanRead.model_validate(p) for p in rows]

    async def start_plan(self, patient_id: str, data: PlanCreate) -> PlanRead:
        return PlanRead.model_validate(
            await self._post(f"/api/v1/patients/{patient_id}/plans", data)
        )

    async def save_plan(self, plan_id: str, content: PlanContent, version: int) -> PlanRead:
        response = await self._request(
            "PUT",
            f"/api/v1/plans/{plan_id}",
            json=content.model_dump(mode="json"),
            headers={"If-Match": f'"{version}"'},
        )
        return PlanRead.model_validate(response.json())

    async def plan_action(self, plan_id: str, action: str) -> PlanRead:
        """``action`` is "sign" (clinician) or "approve" (supervisor)."""
        return PlanRead.model_validate(
            (await self._request("POST", f"/api/v1/plans/{plan_id}/{action}")).json()
        )

    async def client_sign_plan(self, plan_id: str, data: ClientSignature) -> PlanRead:
        return PlanRead.model_validate(
            await self._post(f"/api/v1/plans/{plan_id}/client-signature", data)
        )

    async def plan_diff(self, plan_id: str) -> list[PlanChange]:
        rows = await self._get(f"/api/v1/plans/{plan_id}/diff")
        return [PlanChange.model_validate(c) for c in rows]

    async def plans_due(self) -> list[PlanDue]:
        return [PlanDue.model_validate(d) for d in await self._get("/api/v1/plans/due")]

    async def objectives(self, patient_id: str) -> list[ObjectiveProgress]:
        rows = await self._get(f"/api/v1/patients/{patient_id}/objectives")
        return [ObjectiveProgress.model_validate(o) for o in rows]

    async def add_progress_point(
        self, patient_id: str, objective_id: str, data: ProgressPointCreate
    ) -> None:
        await self._post(f"/api/v1/patients/{patient_id}/objectives/{objective_id}/progress", data)

    async def charges(self, **filters: Any) -> list[ChargeRead]:
        rows = await self._get("/api/v1/billing/charges", **filters)
        return [ChargeRead.model_validate(c) for c in rows]

    async def charge_action(self, charge_id: str, action: str, reason: str = "") -> ChargeRead:
        """``action`` is "approve" or "hold" (with a reason)."""
        body = {"reason": reason} if action == "hold" else None
        response = await self._request(
            "POST", f"/api/v1/billing/charges/{charge_id}/{action}", json=body
        )
        return ChargeRead.model_validate(response.json())

    async def correct_charge(
        self, charge_id: str, data: ChargeCorrection, version: int
    ) -> ChargeRead:
        response = await self._request(
            "PATCH",
            f"/api/v1/billing/charges/{charge_id}",
            json=data.model_dump(mode="json", exclude_none=True),
            headers={"If-Match": f'"{version}"'},
        )
        return ChargeRead.model_validate(response.json())

    async def charges_csv(self, **filters: Any) -> str:
        clean = {k: v for k, v in filters.items() if v}
        return (await self._request("GET", "/api/v1/billing/charges.csv", params=clean)).text

    async def payers(self) -> list[PayerRead]:
        return [PayerRead.model_validate(p) for p in await self._get("/api/v1/billing/payers")]

    async def create_claim_batch(self, payer_id: str) -> ClaimBatchRead:
        return ClaimBatchRead.model_validate(
            await self._post("/api/v1/billing/claim-batches", ClaimBatchCreate(payer_id=payer_id))
        )

    async def claim_batch_x12(self, batch_id: str) -> str:
        return (await self._request("GET", f"/api/v1/billing/claim-batches/{batch_id}/837")).text

    async def instruments(self) -> list[InstrumentRead]:
        return [InstrumentRead.model_validate(i) for i in await self._get("/api/v1/instruments")]

    async def administer(self, patient_id: str, data: AssessmentCreate) -> AssessmentRead:
        return AssessmentRead.model_validate(
            await self._post(f"/api/v1/patients/{patient_id}/assessments", data)
        )

    async def assessments(
        self, patient_id: str, instrument: str | None = None
    ) -> list[AssessmentRead]:
        rows = await self._get(f"/api/v1/patients/{patient_id}/assessments", instrument=instrument)
        return [AssessmentRead.model_validate(a) for a in rows]

    async def alerts(self) -> list[AlertRead]:
        return [AlertRead.model_validate(a) for a in await self._get("/api/v1/alerts")]

    async def acknowledge_alert(self, alert_id: str) -> AlertRead:
        response = await self._request("POST", f"/api/v1/alerts/{alert_id}/acknowledge")
        return AlertRead.model_validate(response.json())

    async def schedule_assessment(self, patient_id: str, data: ScheduleCreate) -> ScheduleRead:
        return ScheduleRead.model_validate(
            await self._post(f"/api/v1/patients/{patient_id}/assessment-schedules", data)
        )

    async def assessment_schedules(self, patient_id: str) -> list[ScheduleRead]:
        rows = await self._get(f"/api/v1/patients/{patient_id}/assessment-schedules")
        return [ScheduleRead.model_validate(s) for s in rows]

    async def end_assessment_schedule(self, schedule_id: str) -> None:
        await self._request("DELETE", f"/api/v1/assessment-schedules/{schedule_id}")

    async def assessments_due(self) -> list[AssessmentDue]:
        return [AssessmentDue.model_validate(d) for d in await self._get("/api/v1/assessments/due")]

    async def lab_orders(self, patient_id: str) -> list[LabOrderRead]:
        rows = await self._get(f"/api/v1/patients/{patient_id}/lab-orders")
        return [LabOrderRead.model_validate(o) for o in rows]

    async def order_lab(self, patient_id: str, data: LabOrderCreate) -> LabOrderRead:
        return LabOrderRead.model_validate(
            await self._post(f"/api/v1/patients/{patient_id}/lab-orders", data)
        )

    async def lab_order_action(self, order_id: str, action: str) -> LabOrderRead:
        """``action``: collect or cancel."""
        response = await self._request("POST", f"/api/v1/lab-orders/{order_id}/{action}")
        return LabOrderRead.model_validate(response.json())

    async def record_lab_results(
        self, order_id: str, data: LabResultsCreate
    ) -> list[LabResultRead]:
        rows = await self._post(f"/api/v1/lab-orders/{order_id}/results", data)
        return [LabResultRead.model_validate(r) for r in rows]

    async def import_lab_results(
        self, patient_id: str, content: str, media_type: str = "text/csv"
    ) -> list[LabResultRead]:
        response = await self._request(
            "POST",
            f"/api/v1/patients/{patient_id}/lab-results/import",
            content=content.encode(),
            headers={"Content-Type": media_type},
        )
        return [LabResultRead.model_validate(r) for r in response.json()]

    async def lab_results(self, patient_id: str, analyte: str | None = None) -> list[LabResultRead]:
        rows = await self._get(f"/api/v1/patients/{patient_id}/lab-results", analyte=analyte)
        return [LabResultRead.model_validate(r) for r in rows]

    async def lab_trend(self, patient_id: str, analyte: str) -> LabTrend:
        return LabTrend.model_validate(
            await self._get(f"/api/v1/patients/{patient_id}/lab-results/trend", analyte=analyte)
        )

    async def medications(self, patient_id: str) -> list[MedicationRead]:
        rows = await self._get(f"/api/v1/patients/{patient_id}/medications")
        return [MedicationRead.model_validate(m) for m in rows]

    async def add_medication(self, patient_id: str, data: MedicationCreate) -> MedicationRead:
        return MedicationRead.model_validate(
            await self._post(f"/api/v1/patients/{patient_id}/medications", data)
        )

    async def stop_medication(self, medication_id: str, data: MedicationStop) -> MedicationRead:
        return MedicationRead.model_validate(
            await self._post(f"/api/v1/medications/{medication_id}/stop", data)
        )

    async def prescriptions(self, patient_id: str) -> list[PrescriptionRead]:
        rows = await self._get(f"/api/v1/patients/{patient_id}/prescriptions")
        return [PrescriptionRead.model_validate(p) for p in rows]

    async def prescribe(self, patient_id: str, data: PrescriptionCreate) -> PrescriptionRead:
        """A draft; a recorded allergy the drug matches raises a 422 whose ``conflicts``
        the caller shows before resubmitting with ``allergy_override_reason``."""
        return PrescriptionRead.model_validate(
            await self._post(f"/api/v1/patients/{patient_id}/prescriptions", data)
        )

    async def sign_prescription(self, rx_id: str, version: int) -> PrescriptionRead:
        response = await self._request(
            "POST", f"/api/v1/prescriptions/{rx_id}/sign", headers={"If-Match": f'"{version}"'}
        )
        return PrescriptionRead.model_validate(response.json())

    async def discontinue_prescription(
        self, rx_id: str, data: PrescriptionDiscontinue
    ) -> PrescriptionRead:
        return PrescriptionRead.model_validate(
            await self._post(f"/api/v1/prescriptions/{rx_id}/discontinue", data)
        )

    async def transmit_prescription(self, rx_id: str) -> PrescriptionRead:
        """Refused (503) while no certified e-prescribing network is configured."""
        response = await self._request("POST", f"/api/v1/prescriptions/{rx_id}/transmit")
        return PrescriptionRead.model_validate(response.json())

    async def prescription_pdf(self, rx_id: str) -> bytes:
        return (await self._request("GET", f"/api/v1/prescriptions/{rx_id}/pdf")).content

    async def mar(self, on: date, patient_id: str | None = None) -> list[MarRow]:
        rows = await self._get("/api/v1/mar", on=on.isoformat(), patient_id=patient_id)
        return [MarRow.model_validate(r) for r in rows]

    async def record_dose(self, dose_id: str, data: DoseRecord, version: int) -> DoseRead:
        response = await self._request(
            "PUT",
            f"/api/v1/mar/doses/{dose_id}",
            json=data.model_dump(mode="json"),
            headers={"If-Match": f'"{version}"'},
        )
        return DoseRead.model_validate(response.json())

    async def give_prn(self, rx_id: str, data: PrnGive) -> DoseRead:
        return DoseRead.model_validate(
            await self._post(f"/api/v1/prescriptions/{rx_id}/prn-doses", data)
        )

    async def prn_effect(self, dose_id: str, data: PrnEffect) -> DoseRead:
        return DoseRead.model_validate(
            await self._post(f"/api/v1/mar/doses/{dose_id}/effect", data)
        )

    async def report(
        self, name: ReportName, row: type[ReportRow], **filters: Any
    ) -> list[ReportRow]:
        """A report's rows, as ``row`` (``shared.schemas.reports.ROWS[name]``). Filters:
        ``program_id``, ``group_id``, ``clinician_id``, ``from``, ``to``; ``by`` for
        attendance. See docs/reports.md."""
        rows = await self._get(f"/api/v1/reports/{name.value}", **filters)
        return [row.model_validate(r) for r in rows]

    async def report_csv(self, name: ReportName, **filters: Any) -> str:
        params = {k: v for k, v in filters.items() if v not in (None, "")}
        return (await self._request("GET", f"/api/v1/reports/{name.value}.csv", params=params)).text

    async def consents(self, patient_id: str) -> list[ConsentRead]:
        rows = await self._get(f"/api/v1/patients/{patient_id}/consents")
        return [ConsentRead.model_validate(c) for c in rows]

    async def record_consent(self, patient_id: str, data: ConsentCreate) -> ConsentRead:
        """A 422 names every missing §2.31 element in its ``errors``."""
        return ConsentRead.model_validate(
            await self._post(f"/api/v1/patients/{patient_id}/consents", data)
        )

    async def revoke_consent(self, consent_id: str) -> ConsentRead:
        response = await self._request("POST", f"/api/v1/consents/{consent_id}/revoke")
        return ConsentRead.model_validate(response.json())

    async def revoke_consent_recipient(self, consent_id: str, recipient_id: str) -> ConsentRead:
        path = f"/api/v1/consents/{consent_id}/recipients/{recipient_id}/revoke"
        return ConsentRead.model_validate((await self._request("POST", path)).json())

    async def consent_pdf(self, consent_id: str) -> bytes:
        return (await self._request("GET", f"/api/v1/consents/{consent_id}/pdf")).content

    async def disclose(self, patient_id: str, data: DisclosureRequest) -> tuple[str, bytes]:
        """The disclosure's id and its PDF; a 403 (``consent-required``) names the
        consent that is missing."""
        response = await self._request(
            "POST",
            f"/api/v1/patients/{patient_id}/disclosures",
            json=data.model_dump(mode="json"),
        )
        return response.headers["X-Disclosure-Id"], response.content

    async def disclosures(self, patient_id: str, years: int = 3) -> list[DisclosureRead]:
        rows = await self._get(f"/api/v1/patients/{patient_id}/disclosures", years=years)
        return [DisclosureRead.model_validate(d) for d in rows]

    async def run_import(
        self,
        source_system: str,
        *,
        files: dict[str, str] | None = None,
        bundle: str | None = None,
        dry_run: bool = True,
    ) -> ImportResult:
        """Import CSV template ``files`` (name → text) or a FHIR ``bundle`` (JSON text) from
        ``source_system``; see docs/import.md. Returns the report either way: a real import
        refused for problems (422) comes back with ``ok=False`` rather than raising. Other
        errors (403, a bad ``source_system``, a body that is not JSON) raise ApiError."""

        if bundle is not None:
            body: dict[str, Any] = {
                "content": bundle.encode(),
                "headers": {"Content-Type": "application/fhir+json"},
            }
        else:
            body = {"json": {"files": files or {}}}
        params = {"source_system": source_system, "dry_run": str(dry_run).lower()}
        try:
            response = await self._request(
                "POST", "/api/v1/imports", params=params, timeout=300.0, **body
            )
        except ApiError as error:
            if error.status == 422 and "counts" in error.problem:
                return ImportResult.model_validate(error.problem)
            raise
        return ImportResult.model_validate(response.json())
