"""The measurements, section by section; each returns its lines of the results file."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import rejections, report, scale, servers, wrk
from bench import waiters as waiters_bench
from bench.report import Series
from bench.servers import Probe, Server
from bench.workloads import (
    JFRAMEWORK_AUTH,
    JFRAMEWORK_SETTING,
    TWOSMS_CLIENT,
    Workload,
    all_workloads,
    jframework_get,
    jframework_invalid_put,
    jframework_list,
    jframework_put,
    twosms_put_json,
)

Log = Callable[[str], None]
PROBE = Probe(f"/jframework/api/v1/app-integrations/sms/{JFRAMEWORK_SETTING}", JFRAMEWORK_AUTH)
PRISM_PROBE = Probe(PROBE.path.removeprefix("/jframework"), JFRAMEWORK_AUTH)
MEMORY_CHUNK_SECONDS = 10
MAX_MEMORY_CHUNKS = 100
"""Bounds the 200,000-request memory run even on a very slow machine."""


@dataclass(frozen=True)
class Settings:
    warmup: float
    seconds: float
    rounds: int
    memory_requests: int
    cold_starts: int
    reset_repeats: int
    scale: tuple[int, int]


def everything(settings: Settings, scratch: Path, *, peers: bool, log: Log) -> list[str]:
    lines: list[str] = []
    log("cold starts")
    lines += cold_starts(settings, peers)
    log("throughput and memory")
    lines += throughput(settings, peers, log)
    log("engines: compiled vs Connexion")
    lines += engines(settings, log)
    log(f"stored messages: {settings.scale[0]:,} vs {settings.scale[1]:,}")
    lines += stored_messages(settings, scratch, log)
    log("sends to a group")
    from bench import groups  # it builds on this module's helpers, as durable does

    lines += groups.group_sends(settings, scratch, log)
    log("reset")
    lines += resets(settings, scratch)
    log("rejected bodies")
    lines += rejected_bodies(settings)
    log("sends with waiters")
    lines += sends_with_waiters(settings, scratch)
    log("a crowded brand beside")
    lines += crowded_brand(settings, scratch)
    log("memory after big requests")
    lines += memory_after_big_requests(settings)
    log("small GETs while 1 MB sends run")
    from bench import stall  # it builds on this module's helpers

    lines += stall.small_get_while_big_sends(settings, log)
    log("the validation proxy")
    from bench import proxied  # it builds on this module's helpers

    lines += proxied.proxied_puts(settings, log)
    log("state file")
    from bench import durable  # it builds on this module's helpers

    lines += durable.state_file(settings, scratch, log)
    return lines


# -- servers --------------------------------------------------------------------------------------
def start_fake(
    fixtures: list[str] | None = None, options: list[str] | None = None, name: str = "fake"
) -> Server:
    port = servers.free_port()
    return servers.start(name, servers.fake(port, fixtures, options), port, PROBE)


def start_baseline() -> Server:
    port = servers.free_port()
    return servers.start("baseline", servers.baseline(port), port, PROBE)


def start_prism() -> Server | None:
    port = servers.free_port()
    command = servers.prism(port, servers.ROOT / "openapi" / "jframework.yaml")
    return None if command is None else servers.start("Prism", command, port, PRISM_PROBE, "/jframework")


@contextmanager
def running(*starters: Callable[[], Server | None]) -> Iterator[list[Server]]:
    started: list[Server] = []
    try:
        for starter in starters:
            server = starter()
            if server is not None:
                started.append(server)
        yield started
    finally:
        for server in started:
            server.stop()


# -- sections -------------------------------------------------------------------------------------
def cold_starts(settings: Settings, peers: bool) -> list[str]:
    """Process start to the first 200 on a JFramework GET, median of several starts."""
    starters: dict[str, Callable[[], Server | None]] = {"fake": start_fake, "baseline": start_baseline}
    if peers:
        starters["Prism"] = start_prism
        start_prism()  # first start installs Prism from the npm registry: not a cold start
    medians: dict[str, float] = {}
    for name, starter in starters.items():
        samples = []
        for _ in range(settings.cold_starts):
            with running(starter) as started:
                samples += [s.started_in for s in started]
        if samples:
            medians[name] = statistics.median(samples)
    rows = [
        [name, f"{seconds * 1000:,.0f}", report.ratio(seconds, medians.get("Prism", 0))]
        for name, seconds in medians.items()
    ]
    head = ["server", f"cold start ms (median of {settings.cold_starts})", "ratio to Prism"]
    return ["", "## Cold start (process start to first 200)", "", *report.table(head, rows)]


def throughput(settings: Settings, peers: bool, log: Log) -> list[str]:
    starters = [start_fake, start_baseline] + ([start_prism] if peers else [])
    with running(*starters) as started:
        fake, *others = started
        token = _token(fake, TWOSMS_CLIENT)
        workloads = all_workloads(token)
        for workload in workloads:
            _preflight(fake, workload, workload.status)
        for server, workload in _pairs(started, workloads):
            wrk.run(server, workload, settings.warmup, _status(fake, server, workload))
        rss = {s.name: [s.rss_mib()] for s in started}
        rows: dict[str, dict[str, Series]] = {}
        for workload in workloads:
            log(workload.name)
            before = _row_state(fake, workload)
            rows[workload.name] = by_server = {}
            for _ in range(settings.rounds):
                for server, _w in _pairs(started, [workload]):
                    run = wrk.run(server, workload, settings.seconds, _status(fake, server, workload))
                    by_server.setdefault(server.name, Series()).runs.append(run)
            _check_state(workload, before, _row_state(fake, workload))
        sent = sum(by_server["fake"].requests for by_server in rows.values())
        samples, more = _memory_run(fake, workloads, settings.memory_requests - sent, log)
        rss["fake"] += samples
        for server in others:
            rss[server.name].append(server.rss_mib())
        served = sent + more
        return [
            "",
            "## Throughput and latency",
            "",
            "Every answer of every run is checked: the fake must give the workload's status (200, or "
            "400 for the invalid PUT) and the PUTs must have changed the row they target; the baseline "
            "answers 200 to everything. Prism gets the JFramework PUT only.",
            "",
            *report.throughput_table(rows, [s.name for s in started]),
            *_memory_lines(rss, served),
        ]


def engines(settings: Settings, log: Log) -> list[str]:
    """The JFramework spec served by the compiled engine and by `--engine connexion`, alternating."""
    connexion = lambda: start_fake(options=["--engine", "connexion"], name="connexion")  # noqa: E731
    with running(start_fake, connexion) as started:
        workloads = [jframework_put(), jframework_get(), jframework_invalid_put()]
        for server, workload in _pairs(started, workloads):
            _preflight(server, workload, workload.status)
            wrk.run(server, workload, settings.warmup, workload.status)
        rows: dict[str, dict[str, Series]] = {}
        for workload in workloads:
            log(f"engines: {workload.name}")
            rows[workload.name] = by_server = {}
            for _ in range(settings.rounds):
                for server, _w in _pairs(started, [workload]):
                    run = wrk.run(server, workload, settings.seconds, workload.status)
                    by_server.setdefault(server.name, Series()).runs.append(run)
        return [
            "",
            "## Engines: compiled vs Connexion",
            "",
            "The same fake, one process serving the JFramework spec by the compiled engine (`fake`), the "
            "other by Connexion's own pipeline (`--engine connexion`), alternating; every answer checked "
            "for the workload's status. The ratio is `fake` over `connexion`.",
            "",
            *report.throughput_table(rows, [s.name for s in started]),
        ]


def stored_messages(settings: Settings, scratch: Path, log: Log) -> list[str]:
    """2SMS JSON PUT latency with few vs many stored messages, the two fakes alternating."""
    small, large = settings.scale
    worlds = {n: str(scale.write_world(scratch, n)) for n in (small, large)}
    fakes = [lambda n=n: start_fake(["default", worlds[n]]) for n in (small, large)]
    starts = _start_times(fakes, settings.cold_starts)
    with running(*fakes) as started:
        workloads = []
        for server in started:
            token = _token(server, scale.BENCH_CLIENT)
            workload = twosms_put_json(token, scale.message_id(0))
            _preflight(server, workload, 200)
            wrk.run(server, workload, settings.warmup)
            workloads.append(workload)
        series = [Series(), Series()]
        for _ in range(settings.rounds):
            for index, server in enumerate(started):
                series[index].runs.append(wrk.run(server, workloads[index], settings.seconds))
        rss = [server.rss_mib() for server in started]
        rows = [
            [f"{n:,}", f"{start * 1000:,.0f}", f"{run.rate:,.0f}", f"{run.p50:.2f}", f"{run.p99:.2f}",
             f"{mib:.1f}"]
            for n, start, run, mib in zip(settings.scale, starts, series, rss, strict=True)
        ]  # fmt: skip
    per_message = (rss[1] - rss[0]) * 1024 * 1024 / (large - small)
    head = ["stored messages", "start ms", "req/s", "p50 ms", "p99 ms", "RSS MiB"]
    growth = starts[1] / starts[0]
    return [
        "",
        "## 2SMS PUT with many stored messages",
        "",
        f"Start: process start to the first 200, the median of {settings.cold_starts} starts of each, "
        "alternating.",
        "",
        *report.table(head, rows),
        "",
        f"Start-up with {large:,} / with {small:,}: {growth:.2f}x (goal at most 1.5x: {_met(growth <= 1.5)}; "
        f"at most 3 s: {_met(starts[1] <= 3)}).",
        "",
        f"p50 with {large:,} / with {small:,}: {report.ratio(series[1].p50, series[0].p50)}. "
        f"About {per_message:,.0f} bytes of RSS per stored message (the fake keeps at most 200,000 by "
        "default, `--max-messages`).",
    ]


def _start_times(starters: list[Callable[[], Server]], repeats: int) -> list[float]:
    """Seconds from process start to the first 200, the median of `repeats` starts of each
    starter, alternating (one start alone reads up to twice as slow when the machine is busy)."""
    samples: list[list[float]] = [[] for _ in starters]
    for _ in range(repeats):
        for index, starter in enumerate(starters):
            with running(starter) as (server,):
                samples[index].append(server.started_in)
    return [statistics.median(s) for s in samples]


def resets(settings: Settings, scratch: Path) -> list[str]:
    rows = [
        [r.label, f"{r.median_us:,.1f}", f"{r.p99_us:,.1f}"]
        for r in scale.reset_times(scratch, settings.reset_repeats)
    ]
    with running(start_fake) as (fake,), httpx.Client(base_url=fake.url) as client:
        samples = []
        for _ in range(max(10, settings.reset_repeats // 10)):
            began = time.perf_counter()
            client.post("/__admin/reset", json={}).raise_for_status()
            samples.append((time.perf_counter() - began) * 1e6)
    samples.sort()
    rows.append(
        [
            "`POST /__admin/reset` round trip, default fixtures",
            f"{statistics.median(samples):,.1f}",
            f"{samples[int(len(samples) * 0.99)]:,.1f}",
        ]
    )
    return [
        "",
        "## Per-test reset (snapshot restore)",
        "",
        "`World.reset()` in-process (what the pytest plugin runs before each test), after the test "
        "changed state; and the same over HTTP.",
        "",
        *report.table(["case", "median us", "p99 us"], rows),
    ]


# -- helpers --------------------------------------------------------------------------------------
REJECTION_REPEATS = {False: 3, True: 20}
"""Requests per rejected body: quick runs, full runs."""


def rejected_bodies(settings: Settings) -> list[str]:
    """CPU per rejected body near the 1 MiB limit, and the delay it adds to a concurrent request."""
    with running(start_fake) as (fake,):
        token = _token(fake, TWOSMS_CLIENT)
        rows = rejections.cpu_per_rejection(fake, token, repeats=REJECTION_REPEATS[settings.rounds > 1])
        alone, loaded = rejections.delay_to_valid_requests(fake, token, seconds=settings.seconds)
    lines = [
        "",
        "## The cost of a rejected body",
        "",
        "Server CPU (utime + stime of the fake's process) per request, the mean over "
        f"{REJECTION_REPEATS[settings.rounds > 1]} requests; every answer a 400 in the provider's envelope.",
        "",
        "| rejected body | size | server CPU per request |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {size / 1024:,.0f} KiB | {cpu:.1f} ms |" for name, size, cpu, _ in rows]
    lines += [
        "",
        f"Slowest valid JFramework GET over {settings.seconds:g} s: {alone:.1f} ms alone, {loaded:.1f} ms "
        "while another client sends the slowest rejected body above non-stop.",
    ]
    return lines


def sends_with_waiters(settings: Settings, scratch: Path) -> list[str]:
    """A 2SMS send with 200 clients waiting on the outbox (long polls, live pages) vs none."""
    messages, waiters, sends = (10_000, 200, 200) if settings.rounds > 1 else (500, 20, 20)
    bench_world = str(scale.write_world(scratch, 0))
    with running(lambda: start_fake(["default", bench_world])) as (fake,):
        cost = waiters_bench.send_cost(
            fake, _token(fake, scale.BENCH_CLIENT), messages=messages, waiters=waiters, sends=sends
        )
    ratio = cost.waited_ms / cost.alone_ms
    return [
        "",
        "## A send while clients wait on the outbox",
        "",
        f"Median of {sends} 2SMS sends (one recipient each) over an outbox of {cost.outbox:,} SMS, "
        f"first with nobody waiting, then with {cost.waiters} waiters open (half "
        "`/__admin/outbox?wait=` long polls, half live inbox pages), none of whose filters match.",
        "",
        "| waiting clients | send p50 ms | ratio | goal |",
        "|---|---|---|---|",
        f"| 0 | {cost.alone_ms:.2f} | 1.00x | |",
        f"| {cost.waiters} | {cost.waited_ms:.2f} | {ratio:.2f}x | <= 2x: {_met(ratio <= 2)} |",
    ]


def crowded_brand(settings: Settings, scratch: Path) -> list[str]:
    """The demo brand's PUT (isDefault) and list, alone vs beside a brand with 100,000 settings."""
    crowd = 100_000 if settings.rounds > 1 else 1_000
    path = str(scale.write_crowded_brand(scratch, crowd))
    with running(start_fake, lambda: start_fake(["default", path])) as started:
        rows = []
        for workload in (jframework_put(), jframework_list()):
            series = [Series(), Series()]
            for server in started:
                wrk.run(server, workload, settings.warmup)
            for _ in range(settings.rounds):
                for index, server in enumerate(started):
                    series[index].runs.append(wrk.run(server, workload, settings.seconds))
            ratio = series[1].rate / series[0].rate
            rows.append(
                [workload.name, f"{series[0].rate:,.0f}", f"{series[1].rate:,.0f}", f"{ratio:.2f}x",
                 f">= 0.83x (1.2x the time): {_met(ratio >= 1 / 1.2)}"]
            )  # fmt: skip
    head = ["workload (demo brand)", "req/s alone", f"req/s beside {crowd:,} settings", "ratio", "goal"]
    return ["", "## One brand's data does not slow another's", "", *report.table(head, rows)]


def memory_after_big_requests(settings: Settings) -> list[str]:
    """RSS after requests near every limit (1 MB bodies, 60 KiB headers) vs after small ones."""
    count = 1_000 if settings.rounds > 1 else 50
    path = f"/jframework/api/v1/app-integrations/sms/{JFRAMEWORK_SETTING}"

    def send(fake: Server, body: bytes, pad: str) -> float:
        headers = {**JFRAMEWORK_AUTH, "Content-Type": "application/json", "X-Pad": pad}
        with httpx.Client(base_url=fake.url, timeout=60) as client:
            for _ in range(count):
                client.put(path, content=body, headers=headers)
        return fake.rss_mib()

    with running(start_fake) as (fake,):
        small = send(fake, b'{"name": "x"}', "s")
        big = send(fake, b'{"name": "' + b"x" * 999_000 + b'"}', "h" * 60_000)
    ratio = big / small
    return [
        "",
        "## Memory after big requests",
        "",
        f"RSS of one fake after {count:,} small PUTs, then after {count:,} more with 1 MB bodies and 60 KiB "
        "of headers (the journal keeps at most 8 MiB; bodies and headers are cut).",
        "",
        "| after | RSS MiB | ratio | goal |",
        "|---|---|---|---|",
        f"| {count:,} small | {small:.1f} | 1.00x | |",
        f"| {count:,} big | {big:.1f} | {ratio:.2f}x | <= 1.2x: {_met(ratio <= 1.2)} |",
    ]


def _met(met: bool) -> str:
    return "met" if met else "**not met**"


def _pairs(started: list[Server], workloads: list[Workload]) -> Iterator[tuple[Server, Workload]]:
    """(server, workload) pairs to run, alternating servers; Prism serves the JFramework PUT only."""
    for workload in workloads:
        for server in started:
            if server.name != "Prism" or workload.name == jframework_put().name:
                yield server, workload


def _status(fake: Server, server: Server, workload: Workload) -> int:
    return workload.status if server is fake else 200


def _token(server: Server, client: dict[str, str]) -> str:
    answer = httpx.post(f"{server.url}/twosms/Token", data=client)
    answer.raise_for_status()
    return answer.json()["access_token"]


def _preflight(server: Server, workload: Workload, status: int) -> None:
    """One request before the load: the exact status (wrk only tells errors from successes)."""
    answer = httpx.request(
        workload.method, server.url + workload.path, headers=workload.headers, content=workload.body_for(0)
    )
    if answer.status_code != status:
        raise wrk.RunFailed(f"{workload.name} on {server.name}: {answer.status_code} {answer.text[:500]}")


def _row_state(fake: Server, workload: Workload) -> dict[str, Any]:
    table, key = workload.target
    rows = httpx.get(f"{fake.url}/__admin/state").json()[table]
    return next(row for row in rows if row["id"] == key)


def _check_state(workload: Workload, before: dict[str, Any], after: dict[str, Any]) -> None:
    if workload.changes is None and before != after:
        raise wrk.RunFailed(f"{workload.name} changed {workload.target}: {before} -> {after}")
    if workload.changes is not None and before[workload.changes] == after[workload.changes]:
        raise wrk.RunFailed(f"{workload.name} left {workload.target} {workload.changes} as it was")


def _memory_run(fake: Server, workloads: list[Workload], wanted: int, log: Log) -> tuple[list[float], int]:
    """Keep loading the fake (every workload in turn) until `wanted` more requests were served;
    returns the RSS sampled after each chunk and the requests served."""
    samples, served = [], 0
    for chunk in range(MAX_MEMORY_CHUNKS):
        if served >= wanted:
            break
        workload = workloads[chunk % len(workloads)]
        served += wrk.run(fake, workload, MEMORY_CHUNK_SECONDS, workload.status).requests
        samples.append(fake.rss_mib())
        log(f"memory run: {served:,} of {wanted:,} requests, RSS {samples[-1]:.1f} MiB")
    return samples, served


def _memory_lines(rss: dict[str, list[float]], served: int) -> list[str]:
    fake = rss["fake"]
    growth = (fake[-1] - fake[0]) / fake[0] * 100
    rows = [
        [
            name,
            f"{values[0]:.1f}",
            f"{values[-1]:.1f}",
            f"{max(values):.1f}",
            report.ratio(fake[0], values[0]),
        ]
        for name, values in rss.items()
    ]
    return [
        "",
        f"Resident memory (MiB) after the warm-up and after the fake served {served:,} more requests "
        f"(the fake grew {growth:+.1f}%; its journal keeps the last 10,000):",
        "",
        *report.table(["server", "after warm-up", "at the end", "peak sampled", "fake / this"], rows),
    ]
