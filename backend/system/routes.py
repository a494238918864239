"""Platform endpoints: health and the self-hosted interactive API docs.

``/api/v1/health`` is the readiness probe: 200 when the database answers, else the 503
problem every request gets during an outage (``database: "unavailable"``, ``Retry-After``).
``/api/v1/health/live`` is the liveness probe: it never touches the database, so a
supervisor does not restart an API that is only waiting for its database to return.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from litestar import Controller, MediaType, get
from litestar.static_files import create_static_files_router
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.lib.policy import PUBLIC
from shared.schemas.system import HealthRead, LivenessRead

VERSION = version("emr")  # read once: importlib.metadata scans sys.path on every call

SWAGGER_DIR = Path(__file__).parent / "swagger_ui"
OPENAPI_JSON = "/api/schema/openapi.json"
ASSETS = "/api/docs/assets"

_DOCS_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>EMR API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/swagger-ui-standalone-preset.js"></script>
<script src="{ASSETS}/docs-init.js"></script>
</body></html>"""


class SystemController(Controller):
    path = "/api"
    tags = ["system"]

    @get("/v1/health", opt=PUBLIC, summary="Readiness: the API and its database answer")
    async def health(self, db_session: AsyncSession) -> HealthRead:
        await db_session.execute(text("SELECT 1"))
        return HealthRead(status="ok", database="ok", version=VERSION)

    @get("/v1/health/live", opt=PUBLIC, summary="Liveness: the API process answers")
    async def live(self) -> LivenessRead:
        return LivenessRead(status="ok", version=VERSION)

    @get("/docs", opt=PUBLIC, media_type=MediaType.HTML, include_in_schema=False)
    async def docs(self) -> str:
        return _DOCS_PAGE

    @get(
        f"{ASSETS[4:]}/docs-init.js",
        opt=PUBLIC,
        media_type="text/javascript",
        include_in_schema=False,
    )
    async def docs_init(self) -> str:
        return (
            "window.ui = SwaggerUIBundle({url: '" + OPENAPI_JSON + "', dom_id: '#swagger-ui',"
            " presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],"
            " layout: 'StandaloneLayout'});"
        )


docs_assets = create_static_files_router(
    path=ASSETS, directories=[SWAGGER_DIR], include_in_schema=False, name="docs-assets", opt=PUBLIC
)
