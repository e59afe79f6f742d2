"""Small GETs while 1 MB sends run: how long the biggest body a client may send holds up everyone
else. All of a request's work runs on the server's one event loop, so what bounds the stall is
what one request may cost (the caps, T31): a 996 KB send to 52,418 quick recipients (the red-team
body) is refused at the 5,000-recipient cap after it is read and parsed."""

from __future__ import annotations

import json
import threading
import time

import httpx

from bench import report, wrk
from bench.measure import Log, Settings, _preflight, _token, running, start_fake
from bench.report import Series
from bench.servers import Server
from bench.workloads import TWOSMS_CLIENT, jframework_get

RECIPIENTS = 52_418
GOAL_MS = 100.0


def big_send_body() -> bytes:
    quick = {f"+1555{n:07d}": 2 for n in range(RECIPIENTS)}
    return json.dumps(
        {"Type": 1, "Content": "hi", "Contacts": {"QuickRecipients": quick}, "Options": {}}
    ).encode()


class BigSends:
    """A thread posting the 1 MB send back to back, until stopped (at most `limit` of them)."""

    def __init__(self, fake: Server, token: str, limit: int = 10_000) -> None:
        self.fake, self.body, self.limit = fake, big_send_body(), limit
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.sent, self.statuses, self.seconds = 0, set[int](), 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self) -> BigSends:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def run(self) -> None:
        """Send until stopped or `limit` sends were made (the thread's body; callable alone)."""
        with httpx.Client(base_url=self.fake.url, timeout=60) as client:
            while not self._stop.is_set() and self.sent < self.limit:
                started = time.perf_counter()
                answer = client.post("/twosms/api/v2/sms/messages", content=self.body, headers=self.headers)
                self.seconds += time.perf_counter() - started
                self.sent += 1
                self.statuses.add(answer.status_code)


def small_get_while_big_sends(settings: Settings, log: Log) -> list[str]:
    small = jframework_get()
    with running(start_fake) as [fake]:
        token = _token(fake, TWOSMS_CLIENT)
        _preflight(fake, small, 200)
        wrk.run(fake, small, settings.warmup)
        alone, beside = Series(), Series()
        sends, seconds, statuses = 0, 0.0, set[int]()
        for _ in range(settings.rounds):
            log("small GETs alone")
            alone.runs.append(wrk.run(fake, small, settings.seconds))
            log("small GETs while 1 MB sends run")
            with BigSends(fake, token) as big:
                beside.runs.append(wrk.run(fake, small, settings.seconds))
            sends, seconds, statuses = sends + big.sent, seconds + big.seconds, statuses | big.statuses
    if sends == 0 or statuses != {400}:
        raise wrk.RunFailed(f"the 1 MB sends ran {sends} times, answered {statuses}")
    met = "met" if beside.p99 <= GOAL_MS else "NOT met"
    size = len(big_send_body()) // 1000
    rows = [
        ["small GET alone", *_cells(alone), ""],
        ["small GET while 1 MB sends run", *_cells(beside), f"p99 <= {GOAL_MS:.0f} ms: {met}"],
    ]
    return [
        "",
        "## Small GET p99 while a 1 MB send runs",
        "",
        f"JFramework GETs (wrk) on one fake, alone and while one client posts a {size:,} KB 2SMS send "
        f"to {RECIPIENTS:,} quick recipients back to back ({sends:,} sends, each answered 400 at the "
        f"5,000-recipient cap in {seconds / sends * 1000:.0f} ms on average, as the client saw it), "
        "alternating.",
        "",
        *report.table(["workload", "req/s (range)", "p50 ms", "p99 ms", "goal"], rows),
    ]


def _cells(measured: Series) -> list[str]:
    return [f"{measured.rate:,.0f} ({measured.spread})", f"{measured.p50:.2f}", f"{measured.p99:.2f}"]
