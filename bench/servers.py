"""Server processes under test: the fake as `mockserver serve` runs it, the bare baseline, Prism."""

from __future__ import annotations

import http.client
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "bench" / ".peers"
PRISM_PACKAGE = "@stoplight/prism-cli@5"
READY_TIMEOUT = 120.0
"""Seconds a server may take to answer its first 200 (Prism's first start compiles a lot)."""


@dataclass(frozen=True)
class Probe:
    """The request whose first 200 says the server is up (and ends the cold-start clock)."""

    path: str
    headers: dict[str, str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A server process on 127.0.0.1; `prefix` is prepended to every workload path (Prism: '')."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    started_in: float
    """Seconds from process start to the first 200 answer of the probe."""
    strip: str = ""
    """Path prefix this server does not have (Prism serves the spec's paths without a mount)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mib(self) -> float:
        """Resident memory of the process and its children (Prism runs under node)."""
        return sum(_rss_kib(pid) for pid in _tree(self.process.pid)) / 1024

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(
    name: str, command: list[str], port: int, probe: Probe, strip: str = "", env: dict[str, str] | None = None
) -> Server:
    """Start `command` and wait (bounded) for its first 200 on `probe`."""
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = began + READY_TIMEOUT
    while True:
        if process.poll() is not None:
            stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{stderr[-2000:]}")
        if _answers_200(port, probe):
            server = Server(name, process, port, time.perf_counter() - began, strip)
            _drain(process)
            return server
        if time.perf_counter() > deadline:
            process.kill()
            raise RuntimeError(f"{name} gave no 200 on {probe.path} within {READY_TIMEOUT:.0f} s")
        time.sleep(0.005)  # a refused connection returns at once: poll, bounded by the deadline


def _answers_200(port: int, probe: Probe) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", probe.path, headers=probe.headers)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _drain(process: subprocess.Popen[bytes]) -> None:
    """Stop collecting stderr once the server is up, so a chatty server cannot fill the pipe."""
    if process.stderr is not None:
        process.stderr.close()
        process.stderr = None


def fake(port: int, fixtures: list[str] | None = None, options: list[str] | None = None) -> list[str]:
    """The command line of the fake: the installed `mockserver serve` with the options given."""
    command = [str(Path(sys.executable).with_name("mockserver")), "serve", "--port", str(port)]
    for fixture in fixtures or []:
        command += ["--fixtures", fixture]
    return command + (options or [])


def baseline(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.baseline", "--port", str(port)]


def prism(port: int, spec: Path) -> list[str] | None:
    """Prism's command line, installed into bench/.peers from the npm registry; None without npm."""
    binary = PEERS / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None or shutil.which("npx") is None:
            return None
        PEERS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(PEERS), "--no-audit", "--no-fund", PRISM_PACKAGE],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return [str(binary), "mock", "--host", "127.0.0.1", "--port", str(port), str(spec)]


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in children:
            pids.extend(_tree(int(child)))
    return pids


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
