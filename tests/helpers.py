"""Running the real ``emr`` command in tests: free ports, start, wait, stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from backend.config import PROJECT_ROOT

EMR = str(Path(sys.executable).with_name("emr"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def emr(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EMR, *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout
    )


def wait_healthy(base_url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{base_url} not healthy after {timeout}s")


@contextmanager
def running(
    args: Sequence[str], env: dict[str, str], port: int, timeout: float
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``emr <args>`` until the block ends; yields the base URL (once healthy) and the
    process, whose group a test may kill."""
    log = open(Path(env["EMR_DATA_DIR"]).parent / f"emr-{port}.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [EMR, *args], env=env, cwd=PROJECT_ROOT, stdout=log, stderr=log, start_new_session=True
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base_url, process, timeout)
        yield base_url, process
    finally:
        stop(process)
        log.close()


@contextmanager
def serving(args: Sequence[str], env: dict[str, str], port: int, timeout: float) -> Iterator[str]:
    """Run ``emr <args>`` until the block ends; yields the base URL once healthy."""
    with running(args, env, port, timeout) as (base_url, _):
        yield base_url


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is not None:
        return
    if sig == signal.SIGKILL:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
