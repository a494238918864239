"""Benchmark (a script, not a test): time to interactive of the schedule page (a week of 40
sessions) and the group-note page (12 members, filled draft) at tablet size (1024 by 768) in
headless Chromium, against the login page measured in the same run. It starts the real
``emr run`` (production build, embedded PostgreSQL in a temporary directory) as the browser
tests do, and creates the data through the API.

    .venv/bin/python -m tests.bench.bench_ui [--rounds 5] [--json var/bench/ui.json]

Interactive means, measured in the page from navigation start (``performance.now()``):
both (1) Reflex reported the page hydrated, i.e. the websocket delivered the state of the
page's on_load handlers (see ``HYDRATION_PROBE``), and (2) the page's data is rendered and
its working control is visible and enabled — login: the Sign in button; schedule: the
week's 40 session cards and the next-week button; group note: the 12 member cards and
the Sign and lock button. Each page is loaded in full (``page.goto``), once untimed (so
the HTTP cache is warm, as on a tablet that opened the app before), then ``--rounds``
times, the pages taking turns.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from backend.bench.load import percentile as _percentile
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    STAFF,
    TABLET_LANDSCAPE,
    sign_in,
)
from tests.e2e.test_ui_budgets import HYDRATION_PROBE, MEMBERS, Clinic, build_clinic
from tests.helpers import emr, free_port, serving

WEEK_SESSIONS = 40

# Resolves with performance.now() at the first poll where the page is interactive.
READY = """
({cards, count, control}) => {
  if (window.__emrHydratedAt === undefined) return false;
  if (document.querySelectorAll(cards).length < count) return false;
  const button = document.querySelector(control);
  if (!button || button.disabled || button.getClientRects().length === 0) return false;
  return performance.now();
}
"""


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    cards: str
    count: int
    control: str


def _targets(clinic: Clinic) -> list[Target]:
    return [
        Target("login", "/login", "#username", 1, "button[type=submit]"),
        Target("schedule", "/schedule", "#week-grid a", WEEK_SESSIONS, "#next-week"),
        Target(
            "group-note",
            f"/document/{clinic.session_id}",
            ".member-narrative",
            MEMBERS,
            "#note-sign",
        ),
    ]


def _time_to_interactive(page: Page, base_url: str, target: Target) -> dict[str, float]:
    page.goto(base_url + target.path, wait_until="commit")
    arg = {"cards": target.cards, "count": target.count, "control": target.control}
    ready = page.wait_for_function(READY, arg=arg, polling=10, timeout=60_000).json_value()
    marks = page.evaluate(
        """() => ({
          hydrated: window.__emrHydratedAt,
          dcl: performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd,
        })"""
    )
    return {"interactive": float(ready), "hydrated": marks["hydrated"], "dcl": marks["dcl"]}


@contextmanager
def _app(workdir: Path) -> Iterator[str]:
    """``emr run`` on a fresh data directory with one admin (who creates the rest)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["EMR_DATA_DIR"] = str(workdir / "var")
    env["EMR_MFA_REQUIRED_ROLES"] = ""
    full_name, roles = STAFF["ada"]
    role_args = [arg for role in roles for arg in ("--role", role)]
    created = emr(
        "users", "create", "--username", "ada", "--password", PASSWORD,
        "--full-name", full_name, *role_args, env=env,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    port = free_port()
    with serving(["run", "--port", str(port)], env, port, timeout=600) as url:
        yield url


def _measure(base_url: str, rounds: int) -> dict[str, Any]:
    clinic = build_clinic(base_url)
    targets = _targets(clinic)
    samples: dict[str, list[dict[str, float]]] = {t.name: [] for t in targets}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = {}
        for signed_in in (False, True):
            context = browser.new_context(viewport=TABLET_LANDSCAPE)
            context.add_init_script(HYDRATION_PROBE)
            page = context.new_page()
            if signed_in:
                sign_in(page, base_url, clinic.username)
            for target in targets:
                if (target.name != "login") == signed_in:
                    pages[target.name] = page
        for target in targets:
            _time_to_interactive(pages[target.name], base_url, target)  # warm-up
        for _ in range(rounds):
            for target in targets:
                samples[target.name].append(
                    _time_to_interactive(pages[target.name], base_url, target)
                )
        version = browser.version
        browser.close()
    baseline = statistics.median(s["interactive"] for s in samples["login"])
    results: dict[str, Any] = {}
    for name, runs in samples.items():
        interactive = [s["interactive"] for s in runs]
        results[name] = {
            "p50_ms": round(statistics.median(interactive), 1),
            "max_ms": round(max(interactive), 1),
            "p90_ms": round(_percentile(interactive, 0.9), 1),
            "ratio_to_login": round(statistics.median(interactive) / baseline, 2),
            "interactive_ms": [round(v, 1) for v in interactive],
            "hydrated_ms": [round(s["hydrated"], 1) for s in runs],
            "dom_content_loaded_ms": [round(s["dcl"], 1) for s in runs],
        }
    return {
        "rounds": rounds,
        "viewport": TABLET_LANDSCAPE,
        "chromium": version,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "pages": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=Path("var/bench/ui.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="emr-bench-ui-") as workdir, _app(Path(workdir)) as url:
        report = _measure(url, args.rounds)
    print(f"{'page':<12}{'p50 ms':>10}{'max ms':>10}{'x login':>10}")
    for name, row in report["pages"].items():
        print(
            f"{name:<12}{row['p50_ms']:>10.0f}{row['max_ms']:>10.0f}{row['ratio_to_login']:>10.2f}"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1))
    print(f"written to {args.json}")


if __name__ == "__main__":
    main()
