"""``POST /api/v1/imports``: a FHIR Bundle or the CSV templates, dry run or for real.

One route takes three bodies, told apart by content type: ``application/fhir+json`` (a
Bundle), ``multipart/form-data`` (the CSV files, each part named by its file name), or
``application/json`` holding either a Bundle or ``{"files": {"patients.csv": "…"}}`` —
the form the UI and scripts find easiest."""

from __future__ import annotations

import json
import re
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.datastructures import State, UploadFile
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.interop import importer
from backend.interop.csv_templates import read_files
from backend.interop.import_bundle import read_bundle
from backend.interop.importer import ImportSet
from backend.lib.auth import Principal, request_actor
from backend.lib.policy import allow
from backend.lib.problems import Problem
from shared.enums import Role
from shared.schemas.interop import ImportResult

AnyRequest = Request[Principal, Any, State]


def _base_name(file_name: str) -> str:
    """The name without any client folders: browsers may send ``C:\\…\\patients.csv``, and
    a name like ``../../etc/passwd`` must never read as a path (it is only ever a key)."""
    return re.split(r"[\\/]", file_name)[-1]


async def _files(request: AnyRequest) -> dict[str, str]:
    form = await request.form()
    files: dict[str, str] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            file_name = _base_name(value.filename or name)
            try:
                files[file_name] = (await value.read()).decode("utf-8-sig")
            except UnicodeDecodeError as error:
                message = "not UTF-8 text (save the CSV as UTF-8)"
                raise Problem(
                    422,
                    f"{file_name}: {message}.",
                    errors=[{"field": file_name, "message": message}],
                ) from error
        else:
            files[name] = str(value)
    return files


async def read_body(request: AnyRequest) -> ImportSet:
    """The import set a request carries, whichever of the three forms it takes."""
    if request.content_type[0] == "multipart/form-data":
        return read_files(await _files(request))
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError) as error:
        raise Problem(400, "The body is not JSON, a Bundle or a form of CSV files.") from error
    if isinstance(body, dict) and body.get("resourceType") == "Bundle":
        return read_bundle(body)
    if isinstance(body, dict) and isinstance(body.get("files"), dict):
        return read_files({str(k): str(v) for k, v in body["files"].items()})
    raise Problem(
        422,
        'Send a FHIR Bundle or {"files": {"patients.csv": "…"}}.',
        errors=[{"field": "body", "message": "neither a Bundle nor files"}],
    )


class ImportController(Controller):
    path = "/api/v1"
    tags = ["interop"]

    @post(
        "/imports",
        opt=allow(Role.ADMIN),
        status_code=200,
        summary="Import clients from a legacy system (FHIR Bundle or CSV templates)",
    )
    async def run_import(
        self,
        request: AnyRequest,
        db_session: AsyncSession,
        source_system: str = Parameter(min_length=1, max_length=200),
        dry_run: bool = False,
    ) -> Response[ImportResult]:
        """All or nothing: any problem and nothing is written (422 with the report).
        Re-running the same files creates nothing (see docs/import.md)."""
        found = await read_body(request)
        report = await importer.run(
            db_session, request_actor(request), request.user, found, source_system, dry_run=dry_run
        )
        result = ImportResult(
            dry_run=report.dry_run, ok=report.ok, problems=report.problems, counts=report.counts
        )
        return Response(result, status_code=200 if report.ok or dry_run else 422)
