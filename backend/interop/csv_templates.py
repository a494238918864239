"""The documented CSV templates (docs/import.md) read into import records.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first client row
2. An empty cell means "not given" (the field's default applies). Columns not in a
template are ignored; a missing required column is one problem at row 1; a row with more
cells than the header is one problem naming its first extra column (``lib/csv_rows``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from backend.interop.importer import ImportSet, MedicationImport, Record, SessionImport
from backend.lib.csv_rows import read_table
from backend.plans import rules as plan_rules
from shared.schemas.patients import AllergyCreate, DiagnosisCreate, PatientCreate
from shared.schemas.plans import Goal, Intervention, Objective, PlanContent
from shared.schemas.plans import Problem as PlanProblem
from shared.schemas.scheduling import AttendanceWrite

Row = dict[str, str]


@dataclass(frozen=True)
class Template:
    entity: str
    required: tuple[str, ...]
    optional: tuple[str, ...]


TEMPLATES: dict[str, Template] = {
    "patients.csv": Template(
        "patient",
        ("source_id", "given_name", "family_name", "birth_date"),
        (
            "middle_name",
            "preferred_name",
            "pronouns",
            "sex_at_birth",
            "gender_identity",
            "phone",
            "email",
            "address_line1",
            "city",
            "state",
            "postal_code",
            "allow_duplicate",
        ),
    ),
    "diagnoses.csv": Template(
        "diagnosis", ("patient_source_id", "code"), ("source_id", "description", "onset")
    ),
    "allergies.csv": Template(
        "allergy", ("patient_source_id", "substance"), ("source_id", "reaction", "severity")
    ),
    "medications.csv": Template(
        "medication",
        ("patient_source_id", "name"),
        ("source_id", "rxnorm", "strength", "dose_form", "start_date", "stop_date", "source"),
    ),
    "sessions.csv": Template(
        "session",
        ("source_id", "group_name", "starts_at", "duration_minutes"),
        ("timezone", "status"),
    ),
    "attendance.csv": Template(
        "attendance", ("session_source_id", "patient_source_id", "status"), ("minutes",)
    ),
    "plans.csv": Template(
        "plan",
        (
            "patient_source_id",
            "problem",
            "goal",
            "objective",
            "kind",
            "baseline",
            "target",
            "direction",
            "target_date",
        ),
        (
            "icd10",
            "instrument",
            "unit",
            "intervention_modality",
            "intervention_frequency",
        ),
    ),
}

# A field named by the model, shown as the column it came from.
_COLUMN = {"phones": "phone", "address": "address_line1", "text": "objective"}


def _errors(error: ValidationError) -> list[tuple[str, str]]:
    found = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "row"
        found.append((_COLUMN.get(name, name), item["msg"]))
    return found


def _given(row: Row, *columns: str) -> dict[str, str]:
    return {c: row[c].strip() for c in columns if (row.get(c) or "").strip()}


def _patient(row: Row) -> dict[str, Any]:
    values: dict[str, Any] = _given(
        row,
        "given_name",
        "family_name",
        "birth_date",
        "middle_name",
        "preferred_name",
        "pronouns",
        "sex_at_birth",
        "gender_identity",
        "email",
    )
    if phone := _given(row, "phone").get("phone"):
        values["phones"] = [{"kind": "mobile", "number": phone}]
    address = _given(row, "city", "state", "postal_code")
    if line1 := _given(row, "address_line1").get("address_line1"):
        address["line1"] = line1
    if address:
        values["address"] = address
    values["allow_duplicate"] = _given(row, "allow_duplicate").get("allow_duplicate", "false")
    return values


# template → (schema, the schema's values from a row, source id, references)
Reader = tuple[
    type[BaseModel], Callable[[Row], dict[str, Any]], Callable[[Row], str], tuple[str, ...]
]
_READERS: dict[str, Reader] = {
    "patients.csv": (PatientCreate, _patient, lambda r: r["source_id"], ()),
    "diagnoses.csv": (
        DiagnosisCreate,
        lambda r: _given(r, "code", "description", "onset"),
        lambda r: r.get("source_id") or f"{r['patient_source_id']}:{r['code'].upper()}",
        ("patient",),
    ),
    "allergies.csv": (
        AllergyCreate,
        lambda r: _given(r, "substance", "reaction", "severity"),
        lambda r: r.get("source_id") or f"{r['patient_source_id']}:{r['substance'].lower()}",
        ("patient",),
    ),
    "medications.csv": (
        MedicationImport,
        lambda r: _given(
            r, "name", "rxnorm", "strength", "dose_form", "start_date", "stop_date", "source"
        ),
        lambda r: (
            r.get("source_id")
            or f"{r['patient_source_id']}:{r['name'].lower()}:{r.get('start_date', '')}"
        ),
        ("patient",),
    ),
    "sessions.csv": (
        SessionImport,
        lambda r: _given(r, "group_name", "starts_at", "duration_minutes", "timezone", "status"),
        lambda r: r["source_id"],
        (),
    ),
    "attendance.csv": (
        AttendanceWrite,
        lambda r: _given(r, "status", "minutes"),
        lambda r: f"{r['session_source_id']}:{r['patient_source_id']}",
        ("session", "patient"),
    ),
}


def _rows(name: str, text: str, found: ImportSet) -> list[tuple[int, Row]] | None:
    table = read_table(text)
    missing = [c for c in TEMPLATES[name].required if c not in table.header]
    if missing:
        for column in missing:
            found.refuse(name, 1, column, "required column missing")
        return None
    for problem in table.problems:
        found.refuse(name, problem.row, problem.column, problem.message)
    return [(row.number, row.cells) for row in table.rows]


def _read_rows(name: str, rows: list[tuple[int, Row]], found: ImportSet) -> None:
    template, (schema, values, source_id, refs) = TEMPLATES[name], _READERS[name]
    for number, row in rows:
        blank = [c for c in template.required if not row.get(c)]
        if blank:
            found.reject_row(template.entity, name, number, [(c, "required") for c in blank])
            continue
        try:
            data = schema.model_validate(values(row))
        except ValidationError as error:
            found.reject_row(template.entity, name, number, _errors(error))
            continue
        references = {entity: row[f"{entity}_source_id"] for entity in refs}
        found.add(Record(template.entity, source_id(row), data, name, number, references))


def _objective(row: Row) -> Objective:
    values: dict[str, Any] = {
        "text": row["objective"],
        "interventions": [],
        **_given(
            row, "kind", "instrument", "unit", "baseline", "target", "direction", "target_date"
        ),
    }
    if row.get("intervention_modality") or row.get("intervention_frequency"):
        values["interventions"] = [
            Intervention.model_validate(
                {
                    "modality": row.get("intervention_modality") or "other",
                    "frequency": row.get("intervention_frequency") or "",
                }
            )
        ]
    return Objective.model_validate(values)


def _plan_row(content: PlanContent, row: Row) -> list[tuple[str, str]]:
    """Add one row's objective under its problem and goal; the row's problems if any."""
    try:
        objective = _objective(row)
        problem = next((p for p in content.problems if p.description == row["problem"]), None)
        if problem is None:
            problem = PlanProblem(description=row["problem"], icd10=row.get("icd10") or None)
            content.problems.append(problem)
        goal = next((g for g in problem.goals if g.text == row["goal"]), None)
        if goal is None:
            goal = Goal(text=row["goal"])
            problem.goals.append(goal)
    except ValidationError as error:
        return _errors(error)
    errors = plan_rules.objective_errors(objective, "objective")
    if not errors:
        goal.objectives.append(objective)
    return [(where.split(".")[-1], message) for where, message in errors]


def _read_plans(name: str, rows: list[tuple[int, Row]], found: ImportSet) -> None:
    """One plan per client: rows with the same problem (and goal) text share that node."""
    plans: dict[str, tuple[int, PlanContent]] = {}
    failed: set[str] = set()
    for number, row in rows:
        blank = [c for c in TEMPLATES[name].required if not row.get(c)]
        errors = [(c, "required") for c in blank] or _plan_row(
            plans.setdefault(row["patient_source_id"], (number, PlanContent()))[1], row
        )
        for column, problem in errors:
            found.refuse(name, number, column, problem)
        if errors:
            failed.add(row.get("patient_source_id", ""))
    found.in_file["plan"] += len(failed)
    found.failed["plan"] += len(failed)
    for patient, (number, content) in plans.items():
        if patient not in failed:
            found.add(Record("plan", patient, content, name, number, {"patient": patient}))


def read_files(files: Mapping[str, str]) -> ImportSet:
    """Read the templates given (by file name); a file of another name is one problem."""
    found = ImportSet()
    for name, text in files.items():
        if name not in TEMPLATES:
            found.refuse(name, 0, "file", f"not a template: one of {', '.join(TEMPLATES)}")
            continue
        rows = _rows(name, text, found)
        if rows is None:
            continue
        if name == "plans.csv":
            _read_plans(name, rows, found)
        else:
            _read_rows(name, rows, found)
    return found
