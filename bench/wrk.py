"""Drive a server with wrk (installed from the system's package manager when missing)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from bench.servers import Server
from bench.workloads import Workload

CONNECTIONS = 16
THREADS = 1
"""One wrk thread leaves the other core to the server (a uvicorn process uses one core)."""


@dataclass(frozen=True)
class Run:
    """One wrk run's summary."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


class RunFailed(RuntimeError):
    pass


def ensure_wrk() -> str:
    """wrk's path; installs Debian's package when it is missing (root, or sudo without a password)."""
    found = shutil.which("wrk")
    if found:
        return found
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = subprocess.run([*prefix, "apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True)
    if install.returncode != 0:  # an empty package list on a fresh machine: refresh it once
        subprocess.run([*prefix, "apt-get", "update", "-q"], env=env, capture_output=True, check=True)
        subprocess.run(
            [*prefix, "apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True, check=True
        )
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and apt-get could not install it")
    return found


def run(server: Server, workload: Workload, seconds: float, status: int = 200) -> Run:
    """Load `server` with `workload` for `seconds`; raise RunFailed unless every answer is an error
    when `status` is one (>= 400) and none is otherwise. (The baseline answers 200 to everything.)"""
    if server.strip:
        workload = dataclasses.replace(workload, path=workload.path.removeprefix(server.strip))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(workload.lua())
    try:
        completed = subprocess.run(
            [
                ensure_wrk(),
                f"-t{THREADS}",
                f"-c{CONNECTIONS}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                server.url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(script.name)
    lines = [line for line in completed.stdout.splitlines() if line.startswith('{"requests"')]
    if completed.returncode != 0 or not lines:
        raise RunFailed(f"wrk failed on {server.name}: {completed.stderr or completed.stdout}")
    summary = json.loads(lines[-1])
    _check(server, workload, summary, status)
    return Run(
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
    )


def _check(server: Server, workload: Workload, summary: dict[str, int], status: int) -> None:
    """Every answer must have the workload's status; wrk counts statuses >= 400 as `status_errors`."""
    broken = {
        k: summary[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts") if summary[k]
    }
    if broken:
        raise RunFailed(f"{workload.name} on {server.name}: socket errors {broken}")
    expected_errors = summary["requests"] if status >= 400 else 0
    if summary["status_errors"] != expected_errors:
        raise RunFailed(
            f"{workload.name} on {server.name}: {summary['status_errors']} of {summary['requests']} answers "
            f"had an error status (expected {expected_errors})"
        )
