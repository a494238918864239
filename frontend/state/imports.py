"""Admin migration imports (docs/import.md): CSV templates or a FHIR Bundle, uploaded or
pasted, run as a dry run or for real in one call; then the report and the counts."""

from __future__ import annotations

from typing import Any

import reflex as rx

from frontend.state.auth import AuthState, clear_on_sign_out
from shared.client import ApiError

COUNT_COLUMNS = ("in_file", "created", "unchanged", "failed")


def _decode(data: bytes) -> str:
    return data.decode("utf-8-sig")


@clear_on_sign_out
class ImportsState(rx.State):
    source_system: str = ""
    # Uploaded files, name → text (CSV templates or one .json Bundle).
    files: dict[str, str] = {}
    paste_name: str = "patients.csv"
    paste_text: str = ""
    running: bool = False
    stage: str = ""
    progress: int = 0
    ran: bool = False
    ran_dry: bool = False
    ok: bool = False
    problems: list[dict[str, str]] = []
    counts: list[dict[str, str]] = []
    error: str = ""

    @rx.var
    def file_names(self) -> list[str]:
        return sorted(self.files)

    @rx.var
    def summary(self) -> str:
        if not self.ran:
            return ""
        if self.ran_dry:
            return (
                "Dry run: no problems; nothing was written."
                if self.ok
                else f"Dry run: {len(self.problems)} problem(s); nothing was written."
            )
        return (
            "Imported."
            if self.ok
            else f"Import refused: {len(self.problems)} problem(s); nothing was written."
        )

    @rx.event
    def set_source_system(self, value: str) -> None:
        self.source_system = value

    @rx.event
    def set_paste_name(self, value: str) -> None:
        self.paste_name = value

    @rx.event
    def set_paste_text(self, value: str) -> None:
        self.paste_text = value

    @rx.event
    async def handle_upload(self, uploads: list[rx.UploadFile]) -> None:
        """Read each uploaded file's bytes; keep them as text by file name."""
        self.error = ""
        for upload in uploads:
            name = (upload.filename or upload.name or "").rsplit("/", 1)[-1]
            if not name.lower().endswith((".csv", ".json")):
                self.error = f"{name}: only .csv templates or a .json Bundle."
                continue
            try:
                self.files[name] = _decode(await upload.read())
            except UnicodeDecodeError:
                self.error = f"{name}: not UTF-8 text."

    @rx.event
    def remove_file(self, name: str) -> None:
        self.files.pop(name, None)

    @rx.event
    def clear_files(self) -> None:
        self.files = {}

    def _file_set(self) -> tuple[dict[str, str], str | None]:
        """The CSV files and the Bundle text (at most one, and not with CSV files)."""
        found = dict(self.files)
        if self.paste_text.strip():
            found[self.paste_name.strip() or "patients.csv"] = self.paste_text
        bundles = [text for name, text in found.items() if name.lower().endswith(".json")]
        csvs = {name: text for name, text in found.items() if not name.lower().endswith(".json")}
        if not found:
            raise ValueError("Upload or paste a file first.")
        if bundles and (csvs or len(bundles) > 1):
            raise ValueError("Import one FHIR Bundle, or CSV files, not both at once.")
        return csvs, (bundles[0] if bundles else None)

    @rx.event
    async def run(self, dry_run: bool) -> Any:
        """One call for the whole file set; the bar moves through its stages between
        state updates (the server validates and imports in one transaction)."""
        if self.running:
            return
        self.error, self.ran, self.problems, self.counts = "", False, [], []
        source = self.source_system.strip()
        if not source:
            self.error = "Name the source system (e.g. legacy-x)."
            return
        self.running, self.stage, self.progress = True, "Reading files…", 10
        yield
        try:
            files, bundle = self._file_set()
        except ValueError as error:
            self.running, self.stage, self.progress, self.error = False, "", 0, str(error)
            return
        self.stage, self.progress = "Validating…", 35
        yield
        if not dry_run:
            self.stage, self.progress = "Importing…", 65
            yield
        auth = await self.get_state(AuthState)
        try:
            result = await auth.call(
                lambda c: c.run_import(source, files=files, bundle=bundle, dry_run=dry_run)
            )
        except ApiError as error:
            self.running, self.stage, self.progress, self.error = False, "", 0, error.detail
            return
        self.problems = [
            {k: str(p.get(k, "")) for k in ("file", "row", "field", "problem")}
            for p in result.problems
        ]
        self.counts = [
            {"entity": entity} | {k: str(c.get(k, 0)) for k in COUNT_COLUMNS}
            for entity, c in result.counts.items()
        ]
        self.ok, self.ran_dry, self.ran = result.ok, result.dry_run, True
        self.running, self.stage, self.progress = False, "Done", 100
