"""Soak: the real API under moderate mixed load for a long time, watching its memory.

Not a test and not in CI: ``.venv/bin/python -m tests.bench.soak --minutes 30``. It seeds a
small clinic (`emr seed scale`) into its own embedded database, serves it with
``emr api --workers N`` and lets a few users read charts, plans and the week's schedule,
search, save group notes and create series, each pausing between requests. Every few
seconds it samples the resident memory (VmRSS) of the API process and its workers. At the
end it prints the requests and failures per activity, the answers by status, and memory
growth (mean of the last quarter of samples against the first quarter).

Exit 1 on any 5xx answer or lost connection; memory growth is reported, not judged.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import secrets
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from backend import admin
from backend.bench import run as bench_run
from backend.bench import scenarios
from backend.bench.http import Connection, Response
from backend.bench.load import Call, percentile
from backend.config import PROJECT_ROOT
from backend.scale import seed_scale
from tests.helpers import free_port, running

# Activity → share of requests: mostly reads, as in a clinic's day.
MIX = {
    "chart summary": 25,
    "read a treatment plan": 20,
    "a facilitator's week": 20,
    "fuzzy patient search": 20,
    "save a 12-member group note": 12,
    "create a 48-session series": 3,
}
LOST = "lost connection"


@dataclass
class CountingConnection(Connection):
    """A connection that tallies every answer's status (and every lost connection)."""

    statuses: Counter[str] = field(default_factory=Counter)

    async def request(
        self,
        method: str,
        path: str,
        body: object = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        try:
            response = await super().request(method, path, body, headers)
        except (OSError, asyncio.IncompleteReadError):
            self.statuses[LOST] += 1
            raise
        self.statuses[str(response.status)] += 1
        return response


@dataclass
class CountingTarget(scenarios.Target):
    statuses: Counter[str] = field(default_factory=Counter)

    def connection(self, role: str) -> Connection:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return CountingConnection(self.host, self.port, headers, statuses=self.statuses)


@dataclass
class Tally:
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: Counter[str] = field(default_factory=Counter)
    first_failure: dict[str, str] = field(default_factory=dict)
    rss_mb: list[tuple[float, float, int]] = field(default_factory=list)  # (s, MB, processes)


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (uvicorn's workers and their helpers)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                queue += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def rss_mb(pids: list[int]) -> float:
    total_kb = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        total_kb += next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
        )
    return total_kb / 1024


async def _target(url: str, port: int) -> CountingTarget:
    people = await bench_run._seeded_people(url)
    for username, _ in people.values():
        await admin.reset_password(url, username, bench_run.PASSWORD)
    names = {role: name for role, (name, _) in people.items()}
    names |= {role: name for role, (name, _) in bench_run.BENCH_USERS.items()}
    tokens = {role: await bench_run._sign_in("127.0.0.1", port, n) for role, n in names.items()}
    plans, patients, typos = await bench_run._records(url, people["clinician"][1])
    staff = await Connection(
        "127.0.0.1", port, {"Authorization": f"Bearer {tokens['staff']}"}
    ).request("GET", "/api/v1/auth/me")
    return CountingTarget(
        host="127.0.0.1",
        port=port,
        tokens=tokens,
        plans=plans,
        patients=patients,
        names=typos,
        facilitator_id=people["facilitator"][1],
        staff_id=str(staff.json()["id"]),
    )


async def soak(
    url: str, port: int, api_pid: int, options: argparse.Namespace
) -> tuple[Tally, Counter[str]]:
    target = await _target(url, port)
    yesterday = date.today() - timedelta(days=1)
    monday = date.today() - timedelta(days=date.today().weekday())
    activities = [
        scenarios.chart_summary(target),
        scenarios.plan_read(target),
        scenarios.facilitator_week(target, monday),
        scenarios.patient_search(target),
        scenarios.note_save(target, yesterday),
        scenarios.series_create(target),
    ]
    users = [{a.name: await a.make_user(k) for a in activities} for k in range(options.users)]
    tally = Tally()
    started = time.monotonic()
    deadline = started + options.minutes * 60

    async def user(k: int, calls: dict[str, Call]) -> None:
        rng = random.Random(k)
        names, weights = list(MIX), list(MIX.values())
        for i in itertools.count():
            if time.monotonic() >= deadline:
                return
            name = rng.choices(names, weights)[0]
            begun = time.perf_counter()
            try:
                await calls[name](i)
                tally.latencies_ms[name].append((time.perf_counter() - begun) * 1000)
            except Exception as error:  # counted and reported, never hidden
                tally.failures[name] += 1
                tally.first_failure.setdefault(name, f"{type(error).__name__}: {error}"[:200])
            await asyncio.sleep(rng.uniform(0.5, 1.5) * options.think_ms / 1000)

    async def sample() -> None:
        while True:  # one sample at the start, every few seconds, and one at the end
            pids = process_tree(api_pid)
            elapsed = time.monotonic() - started
            tally.rss_mb.append((elapsed, rss_mb(pids), len(pids)))
            done = sum(len(v) for v in tally.latencies_ms.values())
            print(
                f"{elapsed:6.0f} s  RSS {tally.rss_mb[-1][1]:7.1f} MB in {len(pids)} processes"
                f"  {done} requests  {sum(tally.failures.values())} failed",
                flush=True,
            )
            if time.monotonic() >= deadline:
                return
            await asyncio.sleep(min(options.sample_seconds, deadline - time.monotonic()))

    await asyncio.gather(sample(), *(user(k, calls) for k, calls in enumerate(users)))
    return tally, target.statuses


def growth(samples: list[float]) -> tuple[float, float]:
    """Mean of the first and of the last quarter of the samples (at least one each)."""
    quarter = max(1, len(samples) // 4)
    return sum(samples[:quarter]) / quarter, sum(samples[-quarter:]) / quarter


def report(tally: Tally, statuses: Counter[str], minutes: float) -> bool:
    """Print the summary; True when the run failed (a 5xx or a lost connection)."""
    print(f"\n{'activity':<30}{'requests':>9}{'failed':>8}{'p50 ms':>9}{'p99 ms':>9}")
    for name in MIX:
        done = tally.latencies_ms.get(name, [])
        p50, p99 = (percentile(done, 0.5), percentile(done, 0.99)) if done else (0.0, 0.0)
        failed = tally.failures[name]
        print(f"{name:<30}{len(done) + failed:>9}{failed:>8}{p50:>9.1f}{p99:>9.1f}")
    total = sum(statuses.values())
    print(f"\n{total} answers in {minutes:g} min ({total / (minutes * 60):.1f}/s), by status:")
    for status, count in sorted(statuses.items()):
        print(f"  {status}: {count}")
    for name, error in tally.first_failure.items():
        print(f"first failure of {name}: {error}")
    memory = [mb for _, mb, _ in tally.rss_mb]
    first, last = growth(memory)
    print(
        f"\nAPI RSS (all processes): first quarter {first:.1f} MB, last quarter {last:.1f} MB, "
        f"growth {last - first:+.1f} MB ({(last - first) / first:+.1%}); "
        f"min {min(memory):.1f}, max {max(memory):.1f}, {len(memory)} samples"
    )
    server_errors = sum(n for s, n in statuses.items() if s.startswith("5"))
    failed = server_errors > 0 or statuses[LOST] > 0
    print(
        f"\n{'FAILED' if failed else 'ok'}: {server_errors} 5xx, {statuses[LOST]} lost connections"
    )
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--users", type=int, default=4, help="Concurrent simulated users.")
    parser.add_argument("--think-ms", type=float, default=200, help="Mean pause per user.")
    parser.add_argument("--sample-seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2, help="API worker processes.")
    parser.add_argument("--clients", type=int, default=300, help="Size of the seeded clinic.")
    parser.add_argument("--data-dir", type=Path, default=PROJECT_ROOT / "var" / "soak")
    options = parser.parse_args(argv)

    url, _ = bench_run.bench_database(options.data_dir, reuse=False)
    groups = max(1, options.clients // 15)
    counts = asyncio.run(seed_scale(url, clients=options.clients, groups=groups, weeks=8))
    print(f"seeded {sum(counts.values()):,} rows ({counts['patient']} clients)", flush=True)
    for username, roles in bench_run.BENCH_USERS.values():
        asyncio.run(admin.create_user(url, username, bench_run.PASSWORD, roles, username))
    lifetime = str(int(options.minutes) + 30)  # tokens outlive the run
    env = dict(os.environ) | {
        "DATABASE_URL": url,
        "EMR_DATA_DIR": str(options.data_dir / "api"),
        "EMR_SECRET_KEY": secrets.token_urlsafe(48),
        "EMR_MFA_REQUIRED_ROLES": "",
        "EMR_ACCESS_TOKEN_MINUTES": lifetime,
        "EMR_IDLE_TIMEOUT_MINUTES": lifetime,
    }
    port = free_port()
    api = ["api", "--port", str(port), "--workers", str(options.workers)]
    with running(api, env, port, timeout=120) as (_, process):
        tally, statuses = asyncio.run(soak(url, port, process.pid, options))
    return 1 if report(tally, statuses, options.minutes) else 0


if __name__ == "__main__":
    sys.exit(main())
