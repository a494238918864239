"""The treatment-plan editor: the active version read-only, the draft as a flat list of rows
(problem → goal → objective → intervention) edited in memory and saved whole with If-Match,
then the clinician's and the client's signatures.

The nested draft lives in the backend-only ``_content`` (the API's JSON shape, with the
inputs' strings until save); ``rows`` is rebuilt from it after every change, because one
flat ``rx.foreach`` is sturdier than foreach nested over nested dicts."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from pydantic import ValidationError

from backend.config import get_settings
from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError
from shared.schemas.plans import ClientSignature, PlanContent, PlanCreate, PlanRead

NODES = ("problem", "goal", "objective", "intervention")
CHILDREN = ("problems", "goals", "objectives", "interventions")
# Inputs give "" for these optional fields; the API wants null.
OPTIONAL = {"icd10", "instrument", "responsible_id", "target_date"}


def _blank(node: str) -> dict[str, Any]:
    fields: dict[str, dict[str, Any]] = {
        "problem": {"description": "", "icd10": None, "goals": []},
        "goal": {"text": "", "target_date": None, "objectives": []},
        "objective": {
            "text": "",
            "kind": "rating",
            "instrument": None,
            "unit": "",
            "baseline": "",
            "target": "",
            "direction": "",
            "target_date": (date.today() + timedelta(days=90)).isoformat(),
            "status": "active",
            "interventions": [],
        },
        "intervention": {
            "modality": "",
            "description": "",
            "frequency": "",
            "responsible_id": None,
        },
    }
    return {"id": str(uuid.uuid4()), **fields[node]}


def _walk(
    nodes: list[dict[str, Any]], depth: int = 0, prefix: str = ""
) -> Iterator[tuple[str, int, int, int, dict[str, Any]]]:
    """(path, depth, index among siblings, sibling count, node), in reading order."""
    for index, node in enumerate(nodes):
        path = f"{prefix}{index}"
        yield path, depth, index, len(nodes), node
        if depth + 1 < len(CHILDREN):
            yield from _walk(node.get(CHILDREN[depth + 1], []), depth + 1, f"{path}.")


def _text(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float | int) else str(value)


def _rows(
    content: dict[str, Any], errors: dict[str, list[str]], generation: int
) -> list[dict[str, str]]:
    """One row per node. ``key`` (node id + load generation) keeps each row's inputs with
    their node when rows move, and remounts them when the draft is reloaded."""
    rows = []
    for path, depth, index, count, node in _walk(content["problems"]):
        kind = NODES[depth]
        own = {k: _text(v) for k, v in node.items() if not isinstance(v, list)}
        own["measure"] = own.pop("kind", "")  # the objective's kind; "kind" names the node
        number = ".".join(str(int(p) + 1) for p in path.split("."))
        rows.append(
            own
            | {
                "path": path,
                "kind": kind,
                "depth": str(depth),
                "indent": f"{depth * 1.5}em",
                "label": f"{kind.title()} {number}",
                "key": f"{node['id']}:{generation}",
                "first": "1" if index == 0 else "",
                "last": "1" if index == count - 1 else "",
                "error": "; ".join(errors.get(path, [])),
            }
        )
    return rows


def _describe(kind: str, node: dict[str, Any]) -> str:
    if kind == "problem":
        return node["description"] + (f" ({node['icd10']})" if node.get("icd10") else "")
    if kind == "goal":
        due = f" · by {node['target_date']}" if node.get("target_date") else ""
        return f"“{node['text']}”{due}"
    if kind == "objective":
        measure = node.get("instrument") or node["kind"]
        unit = f" {node['unit']}" if node.get("unit") else ""
        return (
            f"{node['text']} · {measure} {_text(node['baseline'])} → {_text(node['target'])}"
            f"{unit} ({node['direction']}) by {node['target_date']}"
        )
    return " · ".join(p for p in (node["modality"], node["frequency"], node["description"]) if p)


def _outline(content: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"indent": f"{depth * 1.5}em", "kind": NODES[depth], "text": _describe(NODES[depth], n)}
        for _, depth, _, _, n in _walk(content["problems"])
    ]


def _where(field: str) -> tuple[str, str]:
    """An error's field, as the API (``content.problems[0].goals[1].target``) or pydantic
    (``problems.0.goals.1.target``) names it → the row path ("0.1") and the field name."""
    tokens = re.findall(r"\w+", field)
    name = tokens[-1] if tokens and not tokens[-1].isdigit() else ""
    return ".".join(t for t in tokens if t.isdigit()), name


def _nulls(value: Any) -> Any:
    """The edited tree with the optional fields left blank as null, ready to validate."""
    if isinstance(value, list):
        return [_nulls(v) for v in value]
    if isinstance(value, dict):
        return {k: None if k in OPTIONAL and v == "" else _nulls(v) for k, v in value.items()}
    return value


def _locate(content: dict[str, Any], path: str) -> tuple[list[dict[str, Any]], int] | None:
    """The list holding the node at ``path`` and its index there; None when a reload or
    a removal has made the path stale."""
    indices = [int(p) for p in path.split(".") if p.isdigit()]
    siblings = content["problems"]
    try:
        for depth, index in enumerate(indices[:-1]):
            siblings = siblings[index][CHILDREN[depth + 1]]
    except IndexError:
        return None
    if not indices or indices[-1] >= len(siblings):
        return None
    return siblings, indices[-1]


def _when(moment: datetime | None) -> str:
    zone = ZoneInfo(get_settings().timezone)
    return f"{moment.astimezone(zone):%d %b %Y %H:%M}" if moment else ""


@clear_on_sign_out
class PlanState(rx.State):
    patient_id: str = ""
    name: str = ""
    diagnoses: list[dict[str, str]] = []
    staff: list[dict[str, str]] = []
    instruments: list[dict[str, str]] = []
    active_number: int = 0
    active_since: str = ""
    active_review: str = ""
    active_outline: list[dict[str, str]] = []
    draft_id: str = ""
    draft_number: int = 0
    clinician_signed: str = ""
    client_signed: str = ""
    awaiting_approval: bool = False
    editing: bool = False
    rows: list[dict[str, str]] = []
    changes: list[str] = []
    dirty: bool = False
    saved: str = ""
    error: str = ""
    loaded: bool = False
    _content: dict[str, Any] = {"problems": []}
    _version: int = 0
    _errors: dict[str, list[str]] = {}
    _generation: int = 0

    @rx.event
    async def load(self) -> None:
        self.patient_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        self.error, self.saved, self.editing, self.loaded = "", "", False, False
        auth = await self.get_state(AuthState)
        try:
            summary = await auth.call(lambda c: c.patient_summary(self.patient_id))
            instruments = await auth.call(lambda c: c.instruments())
        except ApiError as error:
            self.error = error.detail
            return
        self.name = f"{summary.patient.given_name} {summary.patient.family_name}"
        self.diagnoses = [
            {"id": d.code, "name": f"{d.code} {d.description}".strip()}
            for d in summary.diagnoses
            if d.status == "active"
        ]
        self.staff = [
            {"id": str(m.user_id), "name": m.full_name or m.username} for m in summary.care_team
        ]
        self.instruments = [{"id": i.key, "name": i.name} for i in instruments]
        await self._refresh()
        self.loaded = True

    async def _refresh(self) -> None:
        """Re-read every version: the active one for the header, the draft for the editor."""
        auth = await self.get_state(AuthState)
        try:
            versions = await auth.call(lambda c: c.plans(self.patient_id))
        except ApiError as error:
            self.error = error.detail
            return
        active = next((p for p in versions if p.status == "active"), None)
        self.active_number = active.number if active else 0
        self.active_since = _when(active.activated_at) if active else ""
        self.active_review = active.review_due.isoformat() if active and active.review_due else ""
        self.active_outline = _outline(active.content.model_dump(mode="json")) if active else []
        draft = next((p for p in versions if p.status == "draft"), None)
        if draft is None:
            self.draft_id, self.draft_number, self.editing, self.changes = "", 0, False, []
            return
        await self._apply(draft, reload=True)

    async def _apply(self, plan: PlanRead, *, reload: bool = False) -> None:
        """Show the draft as the server has it; ``reload`` also replaces the edited tree."""
        self.draft_id, self.draft_number, self._version = str(plan.id), plan.number, plan.version
        self.clinician_signed = (
            f"Signed by the clinician · {_when(plan.clinician_signed_at)}"
            if plan.clinician_signed_at
            else ""
        )
        self.client_signed = (
            f"Signed by the client ({plan.client_signature_kind}) · {_when(plan.client_signed_at)}"
            if plan.client_signed_at
            else ""
        )
        self.awaiting_approval = bool(
            plan.approval_required and plan.approved_at is None and plan.clinician_signed_at
        )
        if reload:
            self._content = plan.content.model_dump(mode="json")
            self._errors, self.dirty, self._generation = {}, False, self._generation + 1
            self._show()
        await self._load_changes()

    async def _load_changes(self) -> None:
        if not self.active_number:
            self.changes = []
            return
        auth = await self.get_state(AuthState)
        try:
            found = await auth.call(lambda c: c.plan_diff(self.draft_id))
        except ApiError as error:
            self.error = error.detail
            return
        self.changes = [
            f"{c.change} {c.node} “{c.label}”" + (f": {', '.join(c.fields)}" if c.fields else "")
            for c in found
        ]

    def _show(self) -> None:
        self.rows = _rows(self._content, self._errors, self._generation)

    def _changed(self, *, structure: bool = False) -> None:
        """After an edit: unsaved; a structural change moves paths, so old errors go."""
        if structure:
            self._errors = {}
        self.dirty, self.saved = True, "Unsaved changes"
        self._show()

    @rx.event
    async def start(self, revise: bool = False) -> None:
        self.error = ""
        auth = await self.get_state(AuthState)
        try:
            await auth.call(lambda c: c.start_plan(self.patient_id, PlanCreate(revise=revise)))
        except ApiError as error:
            if "existing_id" not in error.problem:
                self.error = error.detail
                return
        await self._refresh()
        self.editing = bool(self.draft_id)

    @rx.event
    def open_draft(self) -> None:
        self.editing = True

    @rx.event
    def edit(self, path: str, field: str, value: str) -> None:
        found = _locate(self._content, path)
        if found is None:
            return
        node = found[0][found[1]]
        if _text(node.get(field)) == value:
            return
        node[field] = value
        if field == "kind" and value != "instrument":
            node["instrument"] = None
        self._changed()

    @rx.event
    def add(self, path: str) -> None:
        """A new child of the node at ``path`` ("" adds a problem)."""
        if not path:
            self._content["problems"].append(_blank("problem"))
        elif found := _locate(self._content, path):
            depth = path.count(".") + 1
            found[0][found[1]][CHILDREN[depth]].append(_blank(NODES[depth]))
        else:
            return
        self._changed(structure=True)

    @rx.event
    def move(self, path: str, step: int) -> None:
        found = _locate(self._content, path)
        if found is None:
            return
        siblings, index = found
        other = index + step
        if 0 <= other < len(siblings):
            siblings[index], siblings[other] = siblings[other], siblings[index]
            self._changed(structure=True)

    @rx.event
    def remove(self, path: str) -> None:
        if found := _locate(self._content, path):
            found[0].pop(found[1])
            self._changed(structure=True)

    def _refuse(self, errors: list[tuple[str, str]]) -> None:
        """Put each (field, message) next to its row; the rest above the editor."""
        self._errors, general = {}, []
        for field, message in errors:
            path, name = _where(field)
            if path:
                self._errors.setdefault(path, []).append(f"{name}: {message}")
            else:
                general.append(f"{name}: {message}" if name else message)
        self.error = "; ".join(general) or "Some parts of the plan need attention (in red)."
        self._show()

    @rx.event
    async def save(self) -> None:
        await self._save()

    async def _save(self) -> bool:
        self.error = ""
        try:
            content = PlanContent.model_validate(_nulls(self._content))
        except ValidationError as invalid:
            self._refuse([(".".join(map(str, e["loc"])), e["msg"]) for e in invalid.errors()])
            self.saved = "Not saved"
            return False
        auth = await self.get_state(AuthState)
        try:
            plan = await auth.call(lambda c: c.save_plan(self.draft_id, content, self._version))
        except ApiError as error:
            if error.status == 412:
                await self._refresh()
                self.saved = "Conflict: a colleague saved first — reloaded"
                return False
            if error.status == 422:
                found = error.problem.get("errors", [])
                self._refuse([(e.get("field", ""), e.get("message", "")) for e in found])
            else:
                self.error = error.detail
            self.saved = "Not saved"
            return False
        self._content = plan.content.model_dump(mode="json")
        self._errors, self.dirty, self.saved = {}, False, "Saved"
        self._show()
        await self._apply(plan)
        return True

    @rx.event
    async def sign(self) -> None:
        if self.dirty and not await self._save():
            return
        await self._act("sign", "Signed by the clinician: now the client signs.")

    @rx.event
    async def approve(self) -> None:
        await self._act("approve", "Approved.")

    async def _act(self, action: str, done: str) -> None:
        self.error = ""
        auth = await self.get_state(AuthState)
        try:
            plan = await auth.call(lambda c: c.plan_action(self.draft_id, action))
        except ApiError as error:
            found = error.problem.get("errors", [])
            if found:
                self._refuse([(e.get("field", ""), e.get("message", "")) for e in found])
            else:
                self.error = error.detail
            return
        await self._after_signature(plan, done)

    @rx.event
    async def client_sign(self, form: dict[str, Any]) -> None:
        """The client's typed attestation: their full name plus the agreement box."""
        self.error = ""
        typed = str(form.get("name", "")).strip()
        if not form.get("agree") or len(typed) < 2:
            self.error = "The client types their full name and ticks the agreement box."
            return
        auth = await self.get_state(AuthState)
        signature = ClientSignature(kind="typed", data=typed)
        try:
            plan = await auth.call(lambda c: c.client_sign_plan(self.draft_id, signature))
        except ApiError as error:
            self.error = error.detail
            return
        await self._after_signature(plan, "Signed by the client.")

    async def _after_signature(self, plan: PlanRead, done: str) -> None:
        if plan.status == "active":
            await self._refresh()
            self.saved = f"Version {plan.number} is now the active plan."
            return
        await self._apply(plan)
        self.saved = done
