"""The Litestar application factory: every API route lives under ``/api``."""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ControllerRouterHandler
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from backend.accounts.routes import (
    AuthController,
    BreakGlassController,
    StaffController,
    UserController,
)
from backend.accounts.rules import signing_key_problems
from backend.audit.routes import AuditController
from backend.billing.routes import BillingController
from backend.config import Settings, audit_key_problems, get_settings
from backend.consent.routes import ConsentController
from backend.db.session import database_lifespan, provide_db_session
from backend.interop.fhir_routes import ClientExportController, FhirController
from backend.interop.import_routes import ImportController
from backend.labs.routes import LabController
from backend.lib.auth import auth_middleware
from backend.lib.logs import configure_logging, log_response
from backend.lib.openapi_doc import ProblemDocumentedJson
from backend.lib.policy import PUBLIC, authorize
from backend.lib.problems import EXCEPTION_HANDLERS
from backend.lib.request_id import request_id_middleware
from backend.lib.security_headers import api_security_headers
from backend.lib.text_guard import screen_request
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


def _refuse_unsafe_settings(settings: Settings) -> None:
    if settings.environment not in ("development", "production"):
        raise RuntimeError(
            f"EMR_ENV must be 'development' or 'production', not {settings.environment!r}."
        )
    if settings.production:
        problems = signing_key_problems(settings.secret_key)
        if problems:
            raise RuntimeError(
                f"EMR_ENV=production refuses to start: EMR_SECRET_KEY {'; '.join(problems)}."
                " Set a random key of 32+ characters, e.g. from:"
                " python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
    elif len(settings.secret_key) < 32:
        raise RuntimeError("EMR_SECRET_KEY must be at least 32 characters (emr run sets one).")
    _refuse_unsafe_audit_keys(settings)


def _refuse_unsafe_audit_keys(settings: Settings) -> None:
    """The audit key signs the trail: without it nothing could be audited, and a weak or
    reused one would let whoever guesses it rewrite history (docs/operations.md)."""
    problems = audit_key_problems(settings)
    if settings.production and settings.audit_key:
        problems += [f"EMR_AUDIT_KEY {p}" for p in signing_key_problems(settings.audit_key)]
        if settings.audit_key == settings.secret_key:
            problems.append("EMR_AUDIT_KEY must differ from EMR_SECRET_KEY")
    elif settings.audit_key and len(settings.audit_key) < 32:
        problems.append("EMR_AUDIT_KEY must be at least 32 characters")
    if problems:
        raise RuntimeError(
            f"Refusing to start: {'; '.join(problems)}. In development `emr run` keeps a key "
            "in <EMR_DATA_DIR>/audit_key; production needs EMR_AUDIT_KEY in the environment "
            "(docs/operations.md)."
        )


def _cors(settings: Settings) -> CORSConfig | None:
    """Closed unless EMR_CORS_ORIGINS names origins: the UI is served from the API's own
    origin and needs none. Bearer tokens, not cookies: no credentials mode."""
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "If-Match", "X-Request-ID"],
        expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID"],
        max_age=600,
    )


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    if not settings.database_url:
        raise RuntimeError(
            "DATABASE_URL is not set: start the API with `emr api` or `emr run`, which "
            "start the embedded PostgreSQL when no external server is configured."
        )
    _refuse_unsafe_settings(settings)
    configure_logging(settings.log_level)
    return Litestar(
        route_handlers=ROUTERS,
        dependencies={
            "db_session": Provide(provide_db_session),
            "settings": Provide(_provide_settings, sync_to_thread=False),
        },
        lifespan=[database_lifespan(settings)],
        middleware=[
            # Client address and scheme from a trusted proxy's X-Forwarded-For/-Proto only.
            DefineMiddleware(
                ProxyHeadersMiddleware,  # type: ignore[arg-type]
                trusted_hosts=list(settings.trusted_proxies),
            ),
            request_id_middleware,
            auth_middleware(),
        ],
        before_send=[api_security_headers, log_response],
        cors_config=_cors(settings),
        guards=[authorize],
        before_request=screen_request,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Behavioral-health EMR API",
            version="1",
            path="/api/schema",
            openapi_router=Router(
                "/api/schema", route_handlers=[], include_in_schema=False, opt=PUBLIC
            ),
            render_plugins=[ProblemDocumentedJson()],
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
