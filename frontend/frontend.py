"""The Reflex app: pages plus the API mounted under /api on the same port."""

import reflex as rx

from backend.asgi import ApiMount
from backend.config import get_settings
from frontend.pages import admin, mar, note, patients, roster, schedule, sections
from frontend.pages.account import account
from frontend.pages.billing import billing
from frontend.pages.chart import chart
from frontend.pages.dashboard import dashboard
from frontend.pages.home import today
from frontend.pages.imports import imports
from frontend.pages.login import login
from frontend.pages.plan import plan_editor
from frontend.pages.progress import progress_note
from frontend.pages.questionnaire import questionnaire
from frontend.pages.reports import reports
from frontend.state.admin import AuditState, UsersState
from frontend.state.auth import AuthState
from frontend.state.billing import BillingState
from frontend.state.chart import ChartState
from frontend.state.chart_consent import ChartConsentState
from frontend.state.chart_labs import ChartLabsState
from frontend.state.chart_measures import ChartMeasuresState
from frontend.state.chart_meds import ChartMedsState
from frontend.state.chart_notes import ChartNotesState
from frontend.state.chart_plan import ChartPlanState
from frontend.state.dashboard import DashboardState
from frontend.state.mar import MarState
from frontend.state.note import NoteState
from frontend.state.patients import PatientsState
from frontend.state.plan import PlanState
from frontend.state.progress import ProgressState
from frontend.state.questionnaire import QuestionnaireState
from frontend.state.reports import ReportsState
from frontend.state.roster import CheckInState, RosterState
from frontend.state.schedule import ScheduleState
from frontend.state.today import TodayState

api_mount = ApiMount()

app = rx.App(api_transformer=api_mount)
app.register_lifespan_task(api_mount.lifespan)
# Reflex wraps the whole server, API included, in CORS middleware built when the server
# starts from this setting, which allows every origin unless told otherwise.
rx.config.get_config().cors_allowed_origins = list(get_settings().cors_origins)

signed_in = AuthState.require_sign_in
app.add_page(login, route="/login", title="Sign in · EMR")
app.add_page(
    billing, route="/billing", title="Billing · EMR", on_load=[signed_in, BillingState.load]
)
app.add_page(
    today,
    route="/",
    title="Today · EMR",
    on_load=[
        signed_in,
        TodayState.load,
        TodayState.load_notes,
        TodayState.load_measures,
        TodayState.load_plans,
    ],
)
app.add_page(
    schedule.schedule,
    route="/schedule",
    title="Schedule · EMR",
    on_load=[signed_in, ScheduleState.load],
)
app.add_page(
    roster.rosters, route="/rosters", title="Rosters · EMR", on_load=[signed_in, RosterState.load]
)
app.add_page(
    note.document_session,
    route="/document/[session_id]",
    title="Group note · EMR",
    on_load=[signed_in, NoteState.load],
)
app.add_page(
    progress_note,
    route="/progress/[note_id]",
    title="Progress note · EMR",
    on_load=[signed_in, ProgressState.load],
)
app.add_page(
    roster.check_in,
    route="/sessions/[session_id]",
    title="Attendance · EMR",
    on_load=[signed_in, CheckInState.load],
)
app.add_page(mar.mar, route="/mar", title="MAR · EMR", on_load=[signed_in, MarState.load])
app.add_page(sections.groups, route="/groups", title="Group notes · EMR", on_load=signed_in)
app.add_page(
    patients.patient_list,
    route="/patients",
    title="Patients · EMR",
    on_load=[signed_in, PatientsState.search],
)
app.add_page(patients.register, route="/patients/new", title="Register · EMR", on_load=signed_in)
app.add_page(
    chart,
    route="/patients/[patient_id]",
    title="Chart · EMR",
    on_load=[
        signed_in,
        ChartState.load,
        ChartNotesState.load,
        ChartMeasuresState.load,
        ChartPlanState.load,
        ChartMedsState.load,
        ChartLabsState.load,
        ChartConsentState.load,
    ],
)
app.add_page(
    plan_editor,
    route="/plan/[patient_id]",
    title="Treatment plan · EMR",
    on_load=[signed_in, PlanState.load],
)
app.add_page(
    questionnaire,
    route="/questionnaire/[patient_id]",
    title="Questionnaire",
    on_load=[signed_in, QuestionnaireState.load],
)
app.add_page(account, route="/account", title="My account · EMR", on_load=signed_in)
app.add_page(
    admin.users, route="/admin/users", title="Users · EMR", on_load=[signed_in, UsersState.load]
)
app.add_page(
    admin.audit, route="/audit", title="Audit · EMR", on_load=[signed_in, AuditState.search]
)
app.add_page(imports, route="/import", title="Import · EMR", on_load=signed_in)
app.add_page(
    dashboard,
    route="/dashboard",
    title="Dashboard · EMR",
    on_load=[signed_in, DashboardState.load],
)
app.add_page(
    reports, route="/reports", title="Reports · EMR", on_load=[signed_in, ReportsState.load]
)
