"""The dependency audit's decisions (tests/tools/dep_audit.py), on payloads shaped like
PyPI's JSON API answers: which installed versions fail the audit, which are fine, and
which cannot be judged offline. No network."""

from typing import Any

import pytest

from tests.tools import dep_audit
from tests.tools.dep_audit import NOT_ON_PYPI, OK, UNAUDITABLE, UNREACHABLE, VULNERABLE

pytestmark = pytest.mark.reliability


def _advisory(**overrides: Any) -> dict[str, Any]:
    """One entry of ``vulnerabilities`` as PyPI serves it (fields from its OSV feed)."""
    return {
        "aliases": ["CVE-2099-0001", "GHSA-xxxx-yyyy-zzzz"],
        "details": "Crafted multipart bodies exhaust memory.",
        "fixed_in": [],
        "id": "PYSEC-2099-1",
        "link": "https://osv.dev/vulnerability/PYSEC-2099-1",
        "source": "osv",
        "summary": "Memory exhaustion in multipart parsing",
        "withdrawn": None,
    } | overrides


def _project(version: str, *advisories: dict[str, Any]) -> dict[str, Any]:
    """``/pypi/<name>/json``: info of the latest release and its advisories."""
    return {
        "info": {"name": "webkit", "version": version},
        "last_serial": 31415926,
        "releases": {"1.0.0": [], version: []},
        "urls": [],
        "vulnerabilities": list(advisories),
    }


def test_a_vulnerable_latest_release_fails_the_audit() -> None:
    payload = _project("2.4.0", _advisory())
    finding = dep_audit.judge_latest("webkit", "2.4.0", payload)
    assert finding.status == VULNERABLE
    assert [a.id for a in finding.advisories] == ["PYSEC-2099-1"]
    report = dep_audit.Report([finding, dep_audit.Finding("other", "1.0", OK)])
    assert report.exit_code == 1
    assert "PYSEC-2099-1 (fixed in none)" in dep_audit.table(report, {})


def test_withdrawn_advisories_are_ignored() -> None:
    payload = _project("2.4.0", _advisory(withdrawn="2099-02-01T00:00:00Z"))
    finding = dep_audit.judge_latest("webkit", "2.4.0", payload)
    assert (finding.status, finding.advisories) == (OK, ())


def test_an_advisory_fixed_at_or_below_the_installed_version_is_ok() -> None:
    assert not dep_audit.affects(_advisory(fixed_in=["2.4.0"]), "2.4.0")
    assert not dep_audit.affects(_advisory(fixed_in=["2.3.1"]), "2.4.0")
    assert dep_audit.affects(_advisory(fixed_in=["2.4.1"]), "2.4.0")
    # A fix on an older major line says nothing about this one.
    assert dep_audit.affects(_advisory(fixed_in=["1.9.9", "2.5.0"]), "2.4.0")
    assert not dep_audit.affects(_advisory(fixed_in=["1.9.9", "2.4.0"]), "2.4.0")


def test_an_older_installed_version_is_listed_as_not_auditable() -> None:
    finding = dep_audit.judge_latest("webkit", "2.3.0", _project("2.4.0", _advisory()))
    assert (finding.status, finding.latest) == (UNAUDITABLE, "2.4.0")
    assert dep_audit.Report([finding]).exit_code == 0


def test_equal_versions_in_other_spellings_count_as_the_latest() -> None:
    finding = dep_audit.judge_latest("webkit", "2.4", _project("2.4.0"))
    assert finding.status == OK


def test_the_per_version_source_is_used_when_reachable_else_the_project_json() -> None:
    per_version = {"info": {"version": "2.3.0"}, "vulnerabilities": [_advisory()]}
    asked: list[str] = []

    def reachable(url: str) -> dict[str, Any] | None:
        asked.append(url)
        return per_version if url.endswith("/2.3.0/json") else _project("2.4.0")

    finding = dep_audit.audit_one("webkit", "2.3.0", reachable, per_version=True)
    assert (finding.status, finding.source) == (VULNERABLE, "pypi version")

    def blocked(url: str) -> dict[str, Any] | None:
        return None if "/2.3.0/" in url else _project("2.4.0")  # per-version JSON: 404

    finding = dep_audit.audit_one("webkit", "2.3.0", blocked, per_version=True)
    assert finding.status == UNAUDITABLE
    assert dep_audit.audit_one("ours", "0.1.0", lambda _: None, per_version=False).status == (
        NOT_ON_PYPI
    )


def test_an_unreachable_index_is_an_error_not_a_pass() -> None:
    def offline(url: str) -> dict[str, Any] | None:
        raise OSError("Name or service not known")

    report = dep_audit.audit({"webkit": "2.4.0", "other": "1.0"}, offline, workers=2)
    assert {f.status for f in report.findings} == {UNREACHABLE}
    assert report.exit_code == 2


def test_a_vulnerable_direct_dependency_names_the_minimum_to_raise() -> None:
    fixed_on_two_lines = _advisory(fixed_in=["3.0.2", "2.4.1"])
    later = _advisory(id="PYSEC-2099-2", fixed_in=["2.4.3"])
    payload = _project("2.4.0", fixed_on_two_lines, later)
    finding = dep_audit.judge_latest("webkit", "2.4.0", payload)
    text = dep_audit.summary(dep_audit.Report([finding]), {"webkit": "webkit<3,>=2.0"})
    assert "direct dependency webkit<3,>=2.0 is vulnerable at 2.4.0" in text
    assert "raise its minimum to >=2.4.3" in text
    unfixed = dep_audit.judge_latest("webkit", "2.4.0", _project("2.4.0", _advisory()))
    assert "no fixed release yet" in dep_audit.summary(
        dep_audit.Report([unfixed]), {"webkit": "webkit"}
    )
