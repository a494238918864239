"""Known vulnerabilities in the installed Python packages, with what this network allows.

``.venv/bin/python -m tests.tools.dep_audit`` checks every distribution installed in the
venv. pip-audit's own data sources are unreachable here (PyPI's per-version JSON,
``/pypi/<name>/<version>/json``, answers 404 through the proxy; api.osv.dev does not
resolve), so pip-audit reports every package as "not found on PyPI" and passes. This tool
tries the per-version JSON first (once, with pip's own version as a probe) and otherwise
reads the project JSON (``/pypi/<name>/json``), whose ``vulnerabilities`` describe the
latest release: an installed latest release is judged on them; any older version cannot
be judged and is listed as a warning ("not auditable offline").

Exit 1 when an installed version has a known vulnerability; 2 when PyPI could not be
reached at all; otherwise 0. Direct dependencies show their pyproject.toml requirement.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from backend.config import PROJECT_ROOT

INDEX = "https://pypi.org/pypi"
VULNERABLE, OK, UNAUDITABLE, NOT_ON_PYPI, UNREACHABLE = (
    "VULNERABLE",
    "ok",
    "not auditable offline",
    "not on PyPI",
    "unreachable",
)
# Fetch a URL's JSON; None for 404. Raises OSError when the index cannot be reached.
Fetch = Callable[[str], dict[str, Any] | None]


@dataclass(frozen=True)
class Advisory:
    id: str
    fixed_in: tuple[str, ...]
    summary: str = ""


@dataclass(frozen=True)
class Finding:
    name: str
    installed: str
    status: str
    latest: str = ""
    source: str = ""
    advisories: tuple[Advisory, ...] = ()
    requirement: str = ""  # as pyproject.toml states it, for direct dependencies


def affects(advisory: dict[str, Any], installed: str) -> bool:
    """Whether a PyPI advisory applies to ``installed``. Withdrawn advisories never do.
    An advisory is fixed for ``installed`` when one of its ``fixed_in`` versions is not
    newer and on the same major line (a fix in 1.2.3 says nothing about 2.0.0), or when
    every ``fixed_in`` version is not newer."""
    if advisory.get("withdrawn"):
        return False
    version = Version(installed)
    fixes = [Version(v) for v in advisory.get("fixed_in") or []]
    if fixes and all(f <= version for f in fixes):
        return False
    return not any(f <= version and f.major == version.major for f in fixes)


def _advisories(payload: dict[str, Any], installed: str) -> tuple[Advisory, ...]:
    return tuple(
        Advisory(a["id"], tuple(a.get("fixed_in") or ()), (a.get("summary") or "")[:80])
        for a in payload.get("vulnerabilities") or []
        if affects(a, installed)
    )


def judge_version(name: str, installed: str, payload: dict[str, Any]) -> Finding:
    """Per-version JSON: its advisories are about exactly this version."""
    found = _advisories(payload, installed)
    return Finding(
        name, installed, VULNERABLE if found else OK, source="pypi version", advisories=found
    )


def judge_latest(name: str, installed: str, payload: dict[str, Any]) -> Finding:
    """Project JSON: its advisories are about the latest release only."""
    latest = str(payload["info"]["version"])
    try:
        is_latest = Version(latest) == Version(installed)
    except InvalidVersion:
        is_latest = latest == installed
    if not is_latest:
        return Finding(name, installed, UNAUDITABLE, latest, "pypi project")
    found = _advisories(payload, installed)
    status = VULNERABLE if found else OK
    return Finding(name, installed, status, latest, "pypi project", found)


def audit_one(name: str, installed: str, fetch: Fetch, per_version: bool) -> Finding:
    try:
        if per_version and (payload := fetch(f"{INDEX}/{name}/{installed}/json")) is not None:
            return judge_version(name, installed, payload)
        payload = fetch(f"{INDEX}/{name}/json")
    except OSError as error:
        return Finding(name, installed, UNREACHABLE, source=str(error)[:60])
    if payload is None:
        return Finding(name, installed, NOT_ON_PYPI)
    return judge_latest(name, installed, payload)


def fetch_json(url: str, timeout: float = 10) -> dict[str, Any] | None:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return dict(json.load(response))
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def per_version_reachable(fetch: Fetch) -> bool:
    """pip is on PyPI at the installed version: a 404 means the endpoint is blocked."""
    try:
        return fetch(f"{INDEX}/pip/{metadata.version('pip')}/json") is not None
    except OSError:
        return False


def installed_distributions(skip: Iterable[str]) -> dict[str, str]:
    """Canonical name → installed version, for every distribution in this environment."""
    skipped = {canonicalize_name(s) for s in skip}
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = str(canonicalize_name(dist.metadata["Name"] or ""))
        if name and name not in skipped:
            found.setdefault(name, dist.version)
    return found


def direct_requirements() -> tuple[str, dict[str, str]]:
    """This project's name and its pyproject.toml requirements (extras included)."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    requirements = {str(canonicalize_name(Requirement(r).name)): str(Requirement(r)) for r in lines}
    return str(project["name"]), requirements


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    per_version: bool = False
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.findings)

    @property
    def exit_code(self) -> int:
        if self.count(VULNERABLE):
            return 1
        return 2 if self.findings and self.count(UNREACHABLE) == len(self.findings) else 0


def audit(
    packages: dict[str, str], fetch: Fetch, *, workers: int = 16, deadline_s: float = 50
) -> Report:
    """Audit ``packages`` concurrently; anything not answered by the deadline is
    reported as unreachable."""
    started = time.monotonic()
    per_version = per_version_reachable(fetch)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(audit_one, name, version, fetch, per_version): (name, version)
            for name, version in packages.items()
        }
        done, late = wait(futures, timeout=deadline_s)
        for future in late:
            future.cancel()
    findings = [f.result() for f in done]
    findings += [Finding(*futures[f], UNREACHABLE, source="deadline") for f in late]
    return Report(findings, per_version, time.monotonic() - started)


ORDER = [VULNERABLE, UNREACHABLE, UNAUDITABLE, NOT_ON_PYPI, OK]


def table(report: Report, requirements: dict[str, str]) -> str:
    rows = sorted(report.findings, key=lambda f: (ORDER.index(f.status), f.name))
    cells = [("package", "installed", "latest", "status", "pyproject / advisories")]
    for f in rows:
        notes = [requirements.get(f.name, "")]
        notes += [f"{a.id} (fixed in {', '.join(a.fixed_in) or 'none'})" for a in f.advisories]
        notes += [f.source] if f.status == UNREACHABLE else []
        cells.append((f.name, f.installed, f.latest, f.status, "; ".join(n for n in notes if n)))
    widths = [max(len(row[i]) for row in cells) + 2 for i in range(4)]
    lines = [
        "".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + row[4] for row in cells
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(line.rstrip() for line in lines)


def first_fix(finding: Finding) -> Version | None:
    """The lowest version that fixes every advisory of ``finding``, preferring fixes on
    the installed major line."""
    installed = Version(finding.installed)
    needed = []
    for advisory in finding.advisories:
        fixes = sorted(v for v in map(Version, advisory.fixed_in) if v > installed)
        same_line = [v for v in fixes if v.major == installed.major]
        if not fixes:
            return None
        needed.append((same_line or fixes)[0])
    return max(needed, default=None)


def summary(report: Report, requirements: dict[str, str]) -> str:
    source = "per-version JSON" if report.per_version else "project JSON (latest releases)"
    lines = [
        f"{len(report.findings)} distributions in {report.seconds:.1f} s from PyPI {source}: "
        + ", ".join(f"{report.count(s)} {s}" for s in ORDER if report.count(s))
    ]
    for f in report.findings:
        if f.status == VULNERABLE and f.name in requirements:
            fix = first_fix(f)
            lines.append(
                f"direct dependency {requirements[f.name]} is vulnerable at {f.installed}: "
                + (f"raise its minimum to >={fix}" if fix else "no fixed release yet")
            )
    if report.count(UNAUDITABLE):
        lines.append(
            "warning: installed versions older than the latest release cannot be audited "
            "offline; upgrade them or audit where the per-version JSON is reachable"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=10, help="Seconds per request.")
    parser.add_argument("--workers", type=int, default=16)
    options = parser.parse_args(argv)
    name, requirements = direct_requirements()
    report = audit(
        installed_distributions(skip=[name]),
        lambda url: fetch_json(url, options.timeout),
        workers=options.workers,
    )
    print(table(report, requirements))
    print()
    print(summary(report, requirements))
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
