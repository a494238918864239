"""Size budgets of the UI (issue 11), measured in Chromium at tablet size against the real
``emr run`` (production build): the Reflex state each main page sends the browser (goal
≤ 100 kB) and the JavaScript a tablet downloads to open a page (goal ≤ 1.2 MB).

State is what arrives over the websocket from navigation until the page shows its data and
the socket is quiet: Reflex's hydrate (every state var that differs from the defaults
compiled into the page) plus the deltas of the page's on_load handlers, as serialized JSON
(socket.io frames, before any websocket compression). Reflex's own size check
(``REFLEX_STATE_SIZE_LIMIT``) only runs when a state is pickled for the disk or Redis state
manager; this app keeps state in memory, so that check never runs here.

Sizes, not times: the same data gives the same bytes on any machine (times are in
``tests/bench/bench_ui.py``). Units are decimal (1 kB = 1000 bytes), the stricter reading of
both goals. Each test prints its numbers (``pytest -s``) and writes them as JSON into its
tmp dir, so they can be copied into the docs.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import reflex as rx
from playwright.sync_api import Browser, Page, Request, Response, WebSocket, expect
from reflex import constants

from backend.config import PROJECT_ROOT
from tests.e2e.conftest import PASSWORD, TABLET_LANDSCAPE, sign_in
from tests.e2e.test_schedule_ui import _api

pytestmark = pytest.mark.performance

STATE_BUDGET = 100_000
JS_BUDGET = 1_200_000
MEMBERS = 12
TIMEZONE = "America/New_York"
ROOT_STATE = rx.State.get_full_name()

# Runs in every document before the app's scripts: socket.io reaches the backend through
# window.WebSocket, so wrapping it sees each state delta. ``__emrHydratedAt`` is the
# performance.now() at which Reflex reported the page hydrated (``is_hydrated`` true: the
# page's on_load handlers have run and their state has been sent).
HYDRATION_PROBE = """
(() => {
  const Native = window.WebSocket;
  const hydrated = (data) => {
    if (typeof data !== "string" || !data.startsWith("42")) return false;
    try {
      const [, update] = JSON.parse(data.slice(data.indexOf("[")));
      return update?.delta?.["ROOT_STATE"]?.is_hydrated_rx_state_ === true;
    } catch {
      return false;
    }
  };
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (window.__emrHydratedAt === undefined && hydrated(event.data)) {
          window.__emrHydratedAt = performance.now();
        }
      });
    }
  };
})();
""".replace("ROOT_STATE", ROOT_STATE)

GIVEN_NAMES = [
    "Abigail", "Bernard", "Carmela", "Desmond", "Estella", "Florian",
    "Gwendolyn", "Horatio", "Imogen", "Jasper", "Katarina", "Leopold",
]  # fmt: skip
NARRATIVE = (
    "Arrived on time and settled quickly. Shared an example of using opposite action when "
    "urges to isolate came up over the weekend; described the situation, the emotion (shame, "
    "7/10) and the skill used, and rated the urge at 3/10 afterwards. Gave supportive feedback "
    "to a peer and asked a clarifying question about check-the-facts. Affect congruent, "
    "speech normal in rate and volume, no safety concerns voiced; denies SI/HI when asked. "
    "Agreed to practise the skill daily and log it on the diary card before next session."
)


@dataclass(frozen=True)
class Clinic:
    """What the pages show: a 12-member group session with a filled draft note (each member
    with an active plan of two rated objectives), and a week of 40 sessions in 4 rooms."""

    username: str
    group_name: str
    session_id: str
    patient_id: str
    patient_name: str
    week_groups: list[str]


def _ok(response: httpx.Response) -> Any:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else None


def _letters(n: int) -> str:
    return uuid.uuid4().hex[:n].translate(str.maketrans("0123456789", "ghijklmnop")).title()


def build_clinic(app_url: str) -> Clinic:
    """Create, through the API, a staff member of their own (so no booking collides with
    other tests or a rerun) and the clinic data of :class:`Clinic`."""
    api, ada = _api(app_url, "ada")
    tag = _letters(6)
    username = f"perf-{tag.lower()}"
    me = _ok(
        api.post(
            "/api/v1/users",
            headers=ada,
            json={
                "username": username,
                "full_name": f"Pat Perf{tag}",
                "password": PASSWORD,
                "roles": ["clinician", "facilitator", "coordinator", "biller"],
            },
        )
    )
    _, auth = _api(app_url, username)
    monday = date.today() - timedelta(days=date.today().weekday())
    rooms = [
        _ok(api.post("/api/v1/rooms", headers=auth, json={"name": f"Room {tag} {n}"}))["id"]
        for n in range(1, 5)
    ]
    week_groups = []
    for i in range(8):
        name = f"IOP {tag} {i + 1}"
        group = _ok(api.post("/api/v1/groups", headers=auth, json={"name": name}))
        hour = "09:00" if i < 4 else "13:00"
        series = {
            "group_id": group["id"],
            "rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=5",
            "room_id": rooms[i % 4],
            "timezone": TIMEZONE,
            "start_local": f"{monday.isoformat()}T{hour}",
            "duration_minutes": 180,
        }
        _ok(api.post("/api/v1/series", headers=auth, json=series))
        week_groups.append(name)

    group_name = f"DBT Skills {tag}"
    group = _ok(
        api.post(
            "/api/v1/groups",
            headers=auth,
            json={"name": group_name, "facilitator_ids": [me["id"]], "capacity": MEMBERS},
        )
    )
    yesterday = date.today() - timedelta(days=1)
    series = {
        "group_id": group["id"],
        "rrule": "FREQ=DAILY;COUNT=1",
        "timezone": TIMEZONE,
        "start_local": f"{yesterday.isoformat()}T10:00",
        "duration_minutes": 90,
    }
    session_id = _ok(api.post("/api/v1/series", headers=auth, json=series))["sessions"][0]["id"]
    family = f"Perf{tag.lower()}"
    members = []
    for i, given in enumerate(GIVEN_NAMES[:MEMBERS]):
        body = {
            "given_name": given,
            "family_name": family,
            "birth_date": f"{1970 + i}-05-05",
            "allow_duplicate": True,  # a rerun's members have similar names
        }
        patient = _ok(api.post("/api/v1/patients", headers=auth, json=body))
        objectives = _active_plan(api, auth, patient["id"], f"{given} {family}")
        _ok(
            api.post(
                f"/api/v1/groups/{group['id']}/enrollments",
                headers=auth,
                json={"patient_id": patient["id"], "from_date": yesterday.isoformat()},
            )
        )
        _ok(
            api.put(
                f"/api/v1/sessions/{session_id}/attendance/{patient['id']}",
                headers=auth,
                json={"status": "late", "minutes": 40} if i == 5 else {"status": "present"},
            )
        )
        members.append((patient["id"], objectives))
    _fill_note(api, auth, session_id, members)
    api.close()
    return Clinic(
        username=username,
        group_name=group_name,
        session_id=session_id,
        patient_id=members[0][0],
        patient_name=f"{GIVEN_NAMES[0]} {family}",
        week_groups=week_groups,
    )


def _active_plan(api: httpx.Client, auth: dict[str, str], patient_id: str, name: str) -> list[str]:
    """A signed (clinician and client) plan with two rating objectives; returns their ids."""
    chart = f"/api/v1/patients/{patient_id}"
    _ok(api.post(f"{chart}/diagnoses", headers=auth, json={"code": "F43.10"}))
    objectives: list[dict[str, Any]] = [
        {
            "id": str(uuid.uuid4()),
            "text": text,
            "kind": "rating",
            "baseline": 3,
            "target": 8,
            "direction": "increase",
            "target_date": (date.today() + timedelta(days=60)).isoformat(),
            "interventions": [{"modality": "group", "frequency": "3x/week"}],
        }
        for text in (
            "Uses a distress-tolerance skill when urges rise",
            "Rates confidence in asking for help",
        )
    ]
    problem = {
        "description": "Emotion dysregulation with self-isolation",
        "icd10": "F43.10",
        "goals": [
            {"text": "I want to handle hard days without shutting down", "objectives": objectives}
        ],
    }
    plan = _ok(api.post(f"{chart}/plans", headers=auth, json={"content": {"problems": [problem]}}))
    _ok(api.post(f"/api/v1/plans/{plan['id']}/sign", headers=auth))
    _ok(
        api.post(
            f"/api/v1/plans/{plan['id']}/client-signature",
            headers=auth,
            json={"kind": "typed", "data": name},
        )
    )
    return [o["id"] for o in objectives]


def _fill_note(
    api: httpx.Client,
    auth: dict[str, str],
    session_id: str,
    members: list[tuple[str, list[str]]],
) -> None:
    """A draft as a facilitator leaves it before signing: every section and card filled."""
    note = _ok(api.post(f"/api/v1/sessions/{session_id}/note", headers=auth))
    note = _ok(api.get(f"/api/v1/notes/{note['id']}", headers=auth))
    versions = {e["patient_id"]: e["version"] for e in note["entries"]}
    body = {
        "version": note["version"],
        "shared": {
            "topic": "DBT distress tolerance: TIPP and opposite action",
            "interventions": "Psychoeducation, skills rehearsal, diary-card review, role play.",
            "group_process": "Members reviewed diary cards in pairs, then rehearsed TIPP with "
            "cold water and paced breathing. The group stayed on task; two members challenged "
            "each other supportively about avoidance. Closed with a mindfulness exercise.",
        },
        "entries": [
            {
                "patient_id": patient_id,
                "version": versions[patient_id],
                "participation": "active",
                "affect": "euthymic, bright",
                "narrative": NARRATIVE,
                "risk": "none",
                "objective_ratings": [
                    {"objective_id": objective_id, "rating": 5 + n}
                    for n, objective_id in enumerate(objectives)
                ],
            }
            for patient_id, objectives in members
        ],
    }
    _ok(api.put(f"/api/v1/notes/{note['id']}", headers=auth, json=body))


@pytest.fixture(scope="module")
def clinic(app_url: str) -> Clinic:
    return build_clinic(app_url)


def _record(tmp_path: Path, name: str, numbers: Any) -> None:
    print(f"\n{name}: {json.dumps(numbers, indent=1)}")
    (tmp_path / f"{name}.json").write_text(json.dumps(numbers, indent=1))


def _kb(n: int) -> float:
    return round(n / 1000, 1)


@dataclass
class StateSize:
    frames: int
    total: int
    by_state: dict[str, int]


def _update(payload: str | bytes) -> dict[str, Any] | None:
    """The Reflex StateUpdate in a socket.io EVENT frame (``42/_event,["event", {...}]``)."""
    if isinstance(payload, bytes) or not payload.startswith("42"):
        return None
    message = json.loads(payload[payload.index("[") :])
    return message[1] if len(message) > 1 and isinstance(message[1], dict) else None


def _state_size(frames: list[str | bytes]) -> StateSize:
    total = sum(len(f.encode() if isinstance(f, str) else f) for f in frames)
    by_state: Counter[str] = Counter()
    for frame in frames:
        for name, delta in ((_update(frame) or {}).get("delta") or {}).items():
            by_state[name.rsplit("____", 1)[-1]] += len(json.dumps(delta, ensure_ascii=False))
    return StateSize(len(frames), total, dict(by_state.most_common(6)))


def _wait_hydrated(page: Page) -> None:
    page.wait_for_function("() => window.__emrHydratedAt !== undefined", timeout=30_000)


def _quiet(page: Page, frames: list[str | bytes], ms: int = 500) -> None:
    """Wait until no frame has arrived for ``ms``: late deltas are counted too."""
    seen = -1
    while seen != len(frames):
        seen = len(frames)
        page.wait_for_timeout(ms)


Ready = Callable[[Page, Clinic], None]


def _today(page: Page, clinic: Clinic) -> None:
    expect(page.locator("#unsigned-notes")).to_contain_text(clinic.group_name, timeout=20_000)


def _patients(page: Page, clinic: Clinic) -> None:
    expect(page.locator("#patient-results")).not_to_be_empty(timeout=20_000)


def _chart(page: Page, clinic: Clinic) -> None:
    expect(page.locator("#chart-name")).to_contain_text(clinic.patient_name, timeout=20_000)
    expect(page.locator("#chart-plan")).to_contain_text("distress-tolerance", timeout=20_000)


def _schedule(page: Page, clinic: Clinic) -> None:
    expect(page.locator("#week-grid")).to_contain_text(clinic.week_groups[-1], timeout=20_000)


def _rosters(page: Page, clinic: Clinic) -> None:
    """The roster of the 12-member group: picking it is part of opening it."""
    expect(page.locator("#roster-group")).to_be_enabled(timeout=20_000)
    page.locator("#roster-group").select_option(label=clinic.group_name)
    expect(page.locator("#roster-table")).to_contain_text(clinic.patient_name, timeout=20_000)


def _check_in(page: Page, clinic: Clinic) -> None:
    expect(page.locator("#check-in-list")).to_contain_text(clinic.patient_name, timeout=20_000)


def _note(page: Page, clinic: Clinic) -> None:
    expect(page.locator(".member-narrative")).to_have_count(MEMBERS, timeout=20_000)


def _plan(page: Page, clinic: Clinic) -> None:
    expect(page.locator("#plan-client")).to_have_text(clinic.patient_name, timeout=20_000)
    expect(page.locator("#plan-active")).to_contain_text("distress-tolerance", timeout=20_000)


def _reports(page: Page, clinic: Clinic) -> None:
    expect(page.locator("#report-count")).to_be_visible(timeout=20_000)


def _billing(page: Page, clinic: Clinic) -> None:
    expect(page.locator("#charge-status")).to_be_visible(timeout=20_000)


PAGES: dict[str, tuple[Callable[[Clinic], str], Ready]] = {
    "today": (lambda c: "/", _today),
    "patients": (lambda c: "/patients", _patients),
    "chart": (lambda c: f"/patients/{c.patient_id}", _chart),
    "schedule": (lambda c: "/schedule", _schedule),
    "rosters": (lambda c: "/rosters", _rosters),
    "check-in": (lambda c: f"/sessions/{c.session_id}", _check_in),
    "group-note": (lambda c: f"/document/{c.session_id}", _note),
    "plan": (lambda c: f"/plan/{c.patient_id}", _plan),
    "reports": (lambda c: "/reports", _reports),
    "billing": (lambda c: "/billing", _billing),
}


def _open(page: Page, app_url: str, clinic: Clinic, name: str) -> list[str | bytes]:
    """Load the page in full (a new socket: hydrate, then the page's on_load handlers) and
    return every websocket frame received until its data is shown and the socket is quiet."""
    path, ready = PAGES[name]
    frames: list[str | bytes] = []

    def received(payload: str | bytes) -> None:
        frames.append(payload)

    def opened(socket: WebSocket) -> None:
        socket.on("framereceived", received)

    page.on("websocket", opened)
    page.goto(app_url + path(clinic))
    _wait_hydrated(page)
    ready(page, clinic)
    _quiet(page, frames)
    page.remove_listener("websocket", opened)
    return frames


@pytest.mark.parametrize("name", list(PAGES))
def test_state_per_page_within_budget(
    name: str, page: Page, app_url: str, clinic: Clinic, tmp_path: Path
) -> None:
    """A fresh tab: sign in (which opens Today), then load the page by its URL. What the
    browser receives is the hydrate (every state that differs from the compiled defaults,
    so Today's too) plus the deltas of the page's on_load handlers."""
    page.add_init_script(HYDRATION_PROBE)
    sign_in(page, app_url, clinic.username)
    _today(page, clinic)
    size = _state_size(_open(page, app_url, clinic, name))
    _record(tmp_path, f"state-{name}", {"page": name, "kB": _kb(size.total), **asdict(size)})
    assert size.total <= STATE_BUDGET, f"{name}: {size.total} bytes of state"


def test_state_of_a_whole_shift_within_budget(
    page: Page, app_url: str, clinic: Clinic, tmp_path: Path
) -> None:
    """One tab through every page, then a reload: Reflex keeps each page's state for the tab,
    so the reload's hydrate carries all of it (the worst case for one page load). The
    reloaded page's own state comes twice: its stale copy in the hydrate, then the fresh one
    from its on_load handler."""
    page.add_init_script(HYDRATION_PROBE)
    sign_in(page, app_url, clinic.username)
    for name in PAGES:
        _open(page, app_url, clinic, name)
    size = _state_size(_open(page, app_url, clinic, "group-note"))
    _record(tmp_path, "state-after-every-page", {"kB": _kb(size.total), **asdict(size)})
    assert size.total <= STATE_BUDGET, f"{size.total} bytes of state after every page"


BUILD = PROJECT_ROOT / constants.Dirs.WEB / constants.Dirs.STATIC


@dataclass
class Script:
    path: str
    raw: int
    sent: int
    encoding: str


def _settle(page: Page, ms: int = 500) -> None:
    """Wait until no request is in flight and none has started for ``ms`` (Playwright's
    "networkidle" is reached once per document, often before the data and lazy chunks)."""
    pending: set[Request] = set()
    started = 0

    def start(request: Request) -> None:
        nonlocal started
        pending.add(request)
        started += 1

    def end(request: Request) -> None:
        pending.discard(request)

    page.on("request", start)
    page.on("requestfinished", end)
    page.on("requestfailed", end)
    seen = -1
    while seen != started or pending:
        seen = started
        page.wait_for_timeout(ms)
    page.remove_listener("request", start)
    page.remove_listener("requestfinished", end)
    page.remove_listener("requestfailed", end)


def _scripts(page: Page, url: str, ready: Callable[[Page], None]) -> list[Script]:
    """Every script a full load of ``url`` fetches with the browser cache off (a tablet
    opening the page for the first time). Sizes are those of the build files the server
    sends: the gzip sidecar when the response says ``Content-Encoding: gzip``, else the file
    itself; the body size Chromium reports for each response must be that same number."""
    responses: dict[str, Response] = {}

    def received(response: Response) -> None:
        if "javascript" in response.headers.get("content-type", ""):
            responses.setdefault(httpx.URL(response.url).path, response)

    _settle(page)  # the previous page's chunks are not counted
    devtools = page.context.new_cdp_session(page)
    devtools.send("Network.enable")
    devtools.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.on("response", received)
    page.goto(url)
    ready(page)
    _settle(page)  # components Reflex loads lazily (rx.moment) come once the data renders
    page.remove_listener("response", received)
    scripts = []
    for path, response in sorted(responses.items()):
        file = BUILD / path.lstrip("/")
        encoding = response.headers.get("content-encoding", "identity")
        sent = file.with_name(file.name + ".gz") if encoding == "gzip" else file
        script = Script(path, file.stat().st_size, sent.stat().st_size, encoding)
        on_wire = response.request.sizes()["responseBodySize"]
        assert on_wire == script.sent, (script, on_wire)
        scripts.append(script)
    return scripts


def _summary(scripts: list[Script]) -> dict[str, Any]:
    raw, sent = sum(s.raw for s in scripts), sum(s.sent for s in scripts)
    return {
        "files": len(scripts),
        "raw_bytes": raw,
        "sent_bytes": sent,
        "raw_kB": _kb(raw),
        "sent_kB": _kb(sent),
        "encodings": sorted({s.encoding for s in scripts}),
        "largest": [
            f"{s.path.rsplit('/', 1)[-1]} {_kb(s.raw)} kB ({_kb(s.sent)} kB {s.encoding})"
            for s in sorted(scripts, key=lambda s: -s.raw)[:6]
        ],
    }


def build_js() -> dict[str, Any]:
    """All JavaScript of the production build Reflex serves, raw and as its gzip sidecars:
    the most a tablet that opens every page ever downloads."""
    files = sorted(BUILD.rglob("*.js"))
    assert files, f"no production build in {BUILD}"
    raw = sum(f.stat().st_size for f in files)
    gzipped = sum(g.stat().st_size for f in files if (g := f.with_name(f.name + ".gz")).exists())
    return {
        "dir": str(BUILD.relative_to(PROJECT_ROOT)),
        "files": len(files),
        "raw_bytes": raw,
        "gzip_bytes": gzipped,
        "raw_kB": _kb(raw),
        "gzip_kB": _kb(gzipped),
        "largest": [
            f"{f.name} {_kb(f.stat().st_size)} kB"
            for f in sorted(files, key=lambda f: -f.stat().st_size)[:6]
        ],
    }


def test_js_per_page_within_budget(
    browser: Browser, app_url: str, clinic: Clinic, tmp_path: Path
) -> None:
    """The budget holds for what a tablet downloads: Reflex serves the gzip sidecars of its
    build to Chromium, so that is the gzip size, per page and for the whole build. The raw
    (decoded) size, which the tablet parses, is asserted for the schedule and group-note
    pages; the chart (recharts for its graphs) is over 1.2 MB raw and only reported. Login
    is the baseline."""
    numbers: dict[str, Any] = {"build": build_js()}
    pages = {
        "login": ("/login", lambda p: expect(p.locator("#username")).to_be_enabled()),
        "schedule": ("/schedule", lambda p: _schedule(p, clinic)),
        "group-note": (f"/document/{clinic.session_id}", lambda p: _note(p, clinic)),
        "chart": (f"/patients/{clinic.patient_id}", lambda p: _chart(p, clinic)),
    }
    for name, (path, ready) in pages.items():
        context = browser.new_context(viewport=TABLET_LANDSCAPE)
        page = context.new_page()
        if name != "login":
            sign_in(page, app_url, clinic.username)
        numbers[name] = _summary(_scripts(page, app_url + path, ready))
        context.close()
    _record(tmp_path, "js", numbers)
    assert numbers["build"]["gzip_bytes"] <= JS_BUDGET, numbers["build"]
    for name in pages:
        assert numbers[name]["sent_bytes"] <= JS_BUDGET, numbers[name]
    for name in ("schedule", "group-note"):
        assert numbers[name]["raw_bytes"] <= JS_BUDGET, numbers[name]
