"""What ``emr import`` does, as plain functions: read a Bundle file or a folder of CSV
templates, and run the import in one transaction as an admin user."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import User
from backend.admin import cli_actor, transaction
from backend.interop import importer
from backend.interop.csv_templates import TEMPLATES, read_files
from backend.interop.import_bundle import read_bundle
from backend.interop.importer import ImportReport, ImportSet, Record
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from shared.enums import Role


def read_path(path: Path) -> ImportSet:
    """A ``.json`` Bundle, or a folder holding any of the CSV templates by name."""
    if path.is_dir():
        found = {p.name: p.read_text(encoding="utf-8-sig") for p in path.iterdir()}
        return read_files({name: text for name, text in found.items() if name in TEMPLATES})
    try:
        bundle = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as error:
        raise Problem(422, f"{path.name} is not JSON: {error}.") from error
    return read_bundle(bundle)


async def _principal(session: AsyncSession, username: str | None) -> Principal | None:
    """The user records are created as: the one named, else the first admin."""
    query = select(User).where(col(User.disabled).is_(False))
    if username:
        query = query.where(User.username == username)
    else:
        query = query.where(col(User.roles).contains([Role.ADMIN.value]))
    user = (await session.exec(query.order_by(col(User.created_at)))).first()
    if user is None:
        return None
    roles = frozenset(Role(r) for r in user.roles)
    return Principal(user_id=user.id, username=user.username, roles=roles, session_id=uuid.uuid4())


async def import_path(
    url: str,
    found: ImportSet,
    source_system: str,
    *,
    dry_run: bool,
    username: str | None,
    on_record: Callable[[Record], None] | None = None,
) -> ImportReport:
    async with transaction(url) as session:
        principal = await _principal(session, username)
        if principal is None and not dry_run:
            who = f"user {username!r}" if username else "enabled admin"
            raise Problem(404, f"No {who} to import as: emr users create --role admin.")
        return await importer.run(
            session,
            cli_actor(),
            principal,
            found,
            source_system,
            dry_run=dry_run,
            on_record=on_record,
        )
