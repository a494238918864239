"""The Litestar application factory: every API route lives under ``/api``."""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ControllerRouterHandler

from backend.accounts.routes import (
    AuthController,
    BreakGlassController,
    StaffController,
    UserController,
)
from backend.audit.routes import AuditController
from backend.billing.routes import BillingController
from backend.config import Settings, get_settings
from backend.consent.routes import ConsentController
from backend.db.session import database_lifespan, provide_db_session
from backend.interop.fhir_routes import ClientExportController, FhirController
from backend.interop.import_routes import ImportController
from backend.labs.routes import LabController
from backend.lib.auth import auth_middleware
from backend.lib.logs import configure_logging
from backend.lib.policy import PUBLIC, authorize
from backend.lib.problems import EXCEPTION_HANDLERS
from backend.lib.request_id import request_id_middleware
from backend.lib.text_guard import refuse_nul_characters
from backend.measures.routes import MeasuresController
from backend.medications.routes import MedicationController
from backend.notes.progress_routes import ProgressNoteController
from backend.notes.routes import NoteController
from backend.patients.routes import EpisodeController, PatientController, ProgramController
from backend.plans.routes import PlanController
from backend.reports.routes import ReportController
from backend.scheduling.enrollment_routes import RosterController
from backend.scheduling.feeds import CalendarController
from backend.scheduling.routes import SchedulingController
from backend.system.routes import SystemController, docs_assets

ROUTERS: list[ControllerRouterHandler] = [
    SystemController,
    docs_assets,
    AuthController,
    UserController,
    StaffController,
    BreakGlassController,
    AuditController,
    PatientController,
    EpisodeController,
    ProgramController,
    SchedulingController,
    RosterController,
    CalendarController,
    NoteController,
    ProgressNoteController,
    PlanController,
    MedicationController,
    BillingController,
    MeasuresController,
    LabController,
    ReportController,
    ImportController,
    FhirController,
    ClientExportController,
    ConsentController,
]


def _provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    if not settings.database_url:
        raise RuntimeError(
            "DATABASE_URL is not set: start the API with `emr api` or `emr run`, which "
            "start the embedded PostgreSQL when no external server is configured."
        )
    if len(settings.secret_key) < 32:
        raise RuntimeError("EMR_SECRET_KEY must be at least 32 characters (emr run sets one).")
    configure_logging(settings.log_level)
    return Litestar(
        route_handlers=ROUTERS,
        dependencies={
            "db_session": Provide(provide_db_session),
            "settings": Provide(_provide_settings, sync_to_thread=False),
        },
        lifespan=[database_lifespan(settings)],
        middleware=[request_id_middleware, auth_middleware()],
        guards=[authorize],
        before_request=refuse_nul_characters,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Behavioral-health EMR API",
            version="1",
            path="/api/schema",
            openapi_router=Router(
                "/api/schema", route_handlers=[], include_in_schema=False, opt=PUBLIC
            ),
            render_plugins=[JsonRenderPlugin()],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
            security=[{"bearer": []}],
        ),
        logging_config=None,
        debug=False,
    )
