"""Migration imports (admins): CSV templates or a FHIR Bundle from a legacy system."""

import reflex as rx

from frontend.components.layout import shell
from frontend.state.auth import AuthState
from frontend.state.imports import ImportsState

UPLOAD_ID = "import-upload"


def _header(*names: str) -> rx.Component:
    return rx.table.header(rx.table.row(*[rx.table.column_header_cell(n) for n in names]))


def _problem_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["file"]),
        rx.table.cell(row["row"]),
        rx.table.cell(row["field"]),
        rx.table.cell(row["problem"]),
        class_name="import-problem",
    )


def _count_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["entity"]),
        rx.table.cell(row["in_file"]),
        rx.table.cell(row["created"], class_name="count-created"),
        rx.table.cell(row["unchanged"], class_name="count-unchanged"),
        rx.table.cell(row["failed"], class_name="count-failed"),
        class_name="import-count",
        data_entity=row["entity"],
    )


def _file_chip(name: rx.Var) -> rx.Component:
    return rx.badge(
        rx.hstack(
            rx.text(name),
            rx.icon("x", size=14, cursor="pointer", on_click=ImportsState.remove_file(name)),
            align="center",
        ),
        size="2",
        variant="soft",
    )


def _files() -> rx.Component:
    return rx.vstack(
        rx.upload(
            rx.vstack(
                rx.button("Choose files", type="button", variant="outline"),
                rx.text(
                    "or drop CSV templates (patients.csv, diagnoses.csv, …) or one FHIR "
                    "Bundle (.json) here",
                    size="2",
                    color_scheme="gray",
                ),
                align="center",
            ),
            id=UPLOAD_ID,
            multiple=True,
            accept={"text/csv": [".csv"], "application/json": [".json"]},
            on_drop=ImportsState.handle_upload(rx.upload_files(upload_id=UPLOAD_ID)),
            border=f"1px dashed {rx.color('gray', 8)}",
            border_radius="8px",
            padding="1.2em",
            width="100%",
        ),
        rx.cond(
            ImportsState.file_names.length() > 0,
            rx.hstack(
                rx.foreach(ImportsState.file_names, _file_chip),
                rx.button("Clear", size="1", variant="ghost", on_click=ImportsState.clear_files),
                wrap="wrap",
                align="center",
                id="import-files",
            ),
        ),
        rx.hstack(
            rx.text("Or paste a file named", size="2"),
            rx.input(
                default_value=ImportsState.paste_name,
                on_blur=ImportsState.set_paste_name,
                id="paste-name",
                size="2",
                width="12em",
            ),
            align="center",
        ),
        rx.text_area(
            default_value=ImportsState.paste_text,
            on_blur=ImportsState.set_paste_text,
            placeholder="source_id,given_name,family_name,birth_date\nL-1,Ada,Lovelace,1970-01-31",
            id="paste-text",
            rows="8",
            width="100%",
            font_family="monospace",
        ),
        width="100%",
    )


def _report() -> rx.Component:
    return rx.cond(
        ImportsState.ran,
        rx.vstack(
            rx.callout(
                ImportsState.summary,
                color_scheme=rx.cond(ImportsState.ok, "green", "red"),
                id="import-summary",
            ),
            rx.cond(
                ImportsState.problems.length() > 0,
                rx.vstack(
                    rx.heading("Validation report", size="4"),
                    rx.table.root(
                        _header("File", "Row", "Field", "Problem"),
                        rx.table.body(rx.foreach(ImportsState.problems, _problem_row)),
                        width="100%",
                        id="import-problems",
                    ),
                    width="100%",
                ),
            ),
            rx.heading("Reconciliation", size="4"),
            rx.table.root(
                _header("Entity", "In file", "Created", "Unchanged", "Failed"),
                rx.table.body(rx.foreach(ImportsState.counts, _count_row)),
                width="100%",
                id="import-counts",
            ),
            width="100%",
        ),
    )


def _page() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Clients, diagnoses, allergies, medications, sessions, attendance and treatment "
            "plans from another system. A dry run validates and counts and writes nothing; "
            "an import is all or nothing, and re-running the same files creates nothing.",
            size="2",
        ),
        rx.hstack(
            rx.text("Source system", size="2"),
            rx.input(
                default_value=ImportsState.source_system,
                on_blur=ImportsState.set_source_system,
                placeholder="legacy-x",
                id="source-system",
                size="2",
                width="16em",
            ),
            align="center",
        ),
        _files(),
        rx.hstack(
            rx.button(
                "Dry run",
                variant="outline",
                on_click=ImportsState.run(True),
                disabled=ImportsState.running,
                id="import-dry-run",
            ),
            rx.button(
                "Import",
                on_click=ImportsState.run(False),
                disabled=ImportsState.running,
                id="import-run",
            ),
            align="center",
        ),
        rx.cond(
            ImportsState.stage != "",
            rx.vstack(
                rx.progress(value=ImportsState.progress, max=100, id="import-progress"),
                rx.text(ImportsState.stage, size="2", id="import-stage"),
                width="100%",
            ),
        ),
        rx.cond(
            ImportsState.error != "",
            rx.callout(ImportsState.error, color_scheme="red", role="alert"),
        ),
        _report(),
        width="100%",
        spacing="4",
    )


def imports() -> rx.Component:
    return shell(
        "Import",
        rx.cond(
            AuthState.is_admin,
            _page(),
            rx.callout("Imports are for administrators.", color_scheme="amber"),
        ),
    )
