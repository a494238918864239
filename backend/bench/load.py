"""Driving a scenario: a latency phase (one user, requests back to back) gives p50/p99 of
the service time; a throughput phase (``concurrency`` users for ``seconds``) gives
requests per second. Pure timing; what a request does is the scenario's business."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

# One simulated user's next request; raises on an unexpected answer.
Call = Callable[[int], Awaitable[None]]
# Builds user number k (its own connection and state) before timing starts.
UserFactory = Callable[[int], Awaitable[Call]]


@dataclass
class Scenario:
    name: str
    make_user: UserFactory
    goal_p50_ms: float | None = None
    goal_rps: float | None = None
    kind: str = "scenario"  # or "baseline"


@dataclass
class Result:
    name: str
    kind: str
    p50_ms: float
    p99_ms: float
    rps: float
    requests: int
    concurrency: int
    errors: int = 0
    first_error: str = ""
    goal_p50_ms: float | None = None
    goal_rps: float | None = None
    samples_ms: list[float] = field(default_factory=list, repr=False)

    @property
    def goal_met(self) -> bool | None:
        if self.goal_p50_ms is None and self.goal_rps is None:
            return None
        return (self.goal_p50_ms is None or self.p50_ms <= self.goal_p50_ms) and (
            self.goal_rps is None or self.rps >= self.goal_rps
        )


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty list."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


async def measure(
    scenario: Scenario, *, rounds: int, warmup: int, concurrency: int, seconds: float
) -> Result:
    errors: list[str] = []

    async def guarded(call: Call, i: int) -> bool:
        try:
            await call(i)
            return True
        except Exception as error:  # counted and reported, never hidden
            errors.append(f"{type(error).__name__}: {error}"[:300])
            return False

    users = [await scenario.make_user(k) for k in range(concurrency)]
    first = users[0]
    for i in range(warmup):
        await guarded(first, -1 - i)
    samples: list[float] = []
    for i in range(rounds):
        started = time.perf_counter()
        if await guarded(first, i):
            samples.append((time.perf_counter() - started) * 1000)

    done = 0
    deadline = time.perf_counter() + seconds

    async def run(call: Call, k: int) -> None:
        nonlocal done
        i = rounds + k * 1_000_000
        while time.perf_counter() < deadline:
            if await guarded(call, i):
                done += 1
            i += 1

    started = time.perf_counter()
    await asyncio.gather(*(run(call, k) for k, call in enumerate(users)))
    elapsed = time.perf_counter() - started
    return Result(
        name=scenario.name,
        kind=scenario.kind,
        p50_ms=percentile(samples, 0.5) if samples else float("nan"),
        p99_ms=percentile(samples, 0.99) if samples else float("nan"),
        rps=done / elapsed,
        requests=len(samples) + done,
        concurrency=concurrency,
        errors=len(errors),
        first_error=errors[0] if errors else "",
        goal_p50_ms=scenario.goal_p50_ms,
        goal_rps=scenario.goal_rps,
        samples_ms=samples,
    )
