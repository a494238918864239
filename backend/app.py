"""The Litestar application factory: every API route lives under ``/api``."""

from __future__ import annotations

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from backend.config import Settings, get_settings
from backend.db.session import database_lifespan, provide_db_session
from backend.lib.logs import configure_logging
from backend.lib.problems import EXCEPTION_HANDLERS
from backend.lib.request_id import request_id_middleware
from backend.system.routes import SystemController, docs_assets


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    if not settings.database_url:
        raise RuntimeError(
            "DATABASE_URL is not set: start the API with `emr api` or `emr run`, which "
            "start the embedded PostgreSQL when no external server is configured."
        )
    configure_logging(settings.log_level)
    return Litestar(
        route_handlers=[SystemController, docs_assets],
        dependencies={"db_session": Provide(provide_db_session)},
        lifespan=[database_lifespan(settings.database_url)],
        middleware=[request_id_middleware],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Behavioral-health EMR API",
            version="1",
            path="/api/schema",
            render_plugins=[JsonRenderPlugin()],
        ),
        logging_config=None,
        debug=False,
    )
