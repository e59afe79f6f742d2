"""The cost of a "no": server CPU per rejected body (up to the 1 MiB limit), and how much a stream of
such bodies delays a concurrent valid request.

CPU comes from the server process's own utime + stime (/proc), so the client's work is not counted.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from bench.servers import Server

GUID = "3e13280a-5c26-412e-8e3b-ca41e0d3fea9"
EXPIRE = "/twosms/api/v1/sms/messages"
JFRAMEWORK_PUT = "/jframework/api/v1/app-integrations/sms/demoSmsSetting0001"
JFRAMEWORK_HEADERS = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}
LIMIT = 1024 * 1024 - 1024  # just under the 1 MiB body limit


@dataclass(frozen=True)
class Rejection:
    name: str
    path: str
    method: str
    body: bytes
    headers: dict[str, str]
    wants_token: bool = True


def _fill(make: Callable[[int], bytes]) -> bytes:
    """The largest body `make(n)` gives under LIMIT (doubling, then bisecting n)."""
    low, high = 1, 2
    while len(make(high)) < LIMIT:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if len(make(middle)) < LIMIT else (low, middle)
    return make(low)


def rejections() -> list[Rejection]:
    as_json = {"Content-Type": "application/json"}
    as_xml = {"Content-Type": "application/xml", "Accept": "application/xml"}
    return [
        Rejection(
            "2SMS bulk expire, every item wrong (JSON)",
            EXPIRE,
            "DELETE",
            _fill(lambda n: json.dumps({"MessageIDs": [1] * n}).encode()),
            as_json,
        ),
        Rejection(
            "2SMS bulk expire, only the last item wrong (JSON)",
            EXPIRE,
            "DELETE",
            _fill(lambda n: json.dumps({"MessageIDs": [GUID] * n + ["not-a-guid"]}).encode()),
            as_json,
        ),
        Rejection(
            "2SMS bulk expire, only the last item wrong (XML)",
            EXPIRE,
            "DELETE",
            _fill(
                lambda n: (
                    "<MessageCriteria><MessageIDs>"
                    + f"<guid>{GUID}</guid>" * n
                    + "<guid>not-a-guid</guid></MessageIDs></MessageCriteria>"
                ).encode()
            ),
            as_xml,
        ),
        Rejection(
            "JFramework PUT, 1 MiB of wrong fields",
            JFRAMEWORK_PUT,
            "PUT",
            _fill(lambda n: json.dumps({f"f{i}": i for i in range(n)} | {"phoneNumber": "555"}).encode()),
            {**as_json, **JFRAMEWORK_HEADERS},
            wants_token=False,
        ),
    ]


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _authorised(rejection: Rejection, token: str) -> dict[str, str]:
    return (
        {**rejection.headers, "Authorization": f"Bearer {token}"}
        if rejection.wants_token
        else rejection.headers
    )


def cpu_per_rejection(fake: Server, token: str, repeats: int) -> list[tuple[str, int, float, int]]:
    """(workload, body bytes, server CPU ms per request (mean over `repeats`), status).

    The process clock ticks every 10 ms, so CPU is read once around all the repeats."""
    rows = []
    with httpx.Client(base_url=fake.url, timeout=120) as client:
        for rejection in rejections():
            headers = _authorised(rejection, token)
            before = _cpu_seconds(fake.process.pid)
            statuses = {
                client.request(
                    rejection.method, rejection.path, content=rejection.body, headers=headers
                ).status_code
                for _ in range(repeats)
            }
            cpu = (_cpu_seconds(fake.process.pid) - before) * 1000 / repeats
            if statuses != {400}:
                raise RuntimeError(f"{rejection.name}: expected only 400, got {sorted(statuses)}")
            rows.append((rejection.name, len(rejection.body), cpu, 400))
    return rows


def delay_to_valid_requests(fake: Server, token: str, seconds: float) -> tuple[float, float]:
    """Slowest valid GET (ms) alone, and while another client sends the worst rejection non-stop."""
    worst = rejections()[1]

    def probe(until: float) -> float:
        slowest = 0.0
        with httpx.Client(base_url=fake.url, headers=JFRAMEWORK_HEADERS, timeout=60) as client:
            while time.perf_counter() < until:
                started = time.perf_counter()
                client.get("/jframework/api/v1/app-integrations/sms").raise_for_status()
                slowest = max(slowest, (time.perf_counter() - started) * 1000)
        return slowest

    alone = probe(time.perf_counter() + seconds)
    stop = time.perf_counter() + seconds

    def flood() -> None:
        with httpx.Client(base_url=fake.url, timeout=60) as client:
            while time.perf_counter() < stop:
                client.request(
                    worst.method, worst.path, content=worst.body, headers=_authorised(worst, token)
                )

    flooding = threading.Thread(target=flood)
    flooding.start()
    loaded = probe(stop)
    flooding.join()
    return alone, loaded
