"""`--state FILE`: what keeping the world in SQLite costs, against the in-memory store in the same run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench import report, scale, wrk
from bench.measure import Log, Settings, _check_state, _preflight, _row_state, running, start_fake
from bench.report import Series
from bench.workloads import jframework_put
from mockserver.app import MockApp, create_app

PUT_GOAL = 0.6
RESET_GOAL_MS = 20.0
START_GOAL_S = 2.0


def state_file(settings: Settings, scratch: Path, log: Log) -> list[str]:
    log("state file: PUT")
    lines = ["", "## State file (`--state FILE`)", "", *_put(settings, scratch)]
    log("state file: reset")
    lines += _resets(settings, scratch)
    log("state file: start-up")
    lines += _start_up(settings, scratch)
    return lines


def _put(settings: Settings, scratch: Path) -> list[str]:
    """The JFramework PUT on the in-memory fake and on one with a state file, alternating."""
    memory = lambda: start_fake(name="in memory")  # noqa: E731
    durable = lambda: start_fake(options=["--state", str(scratch / "put.db")], name="--state")  # noqa: E731
    workload = jframework_put()
    with running(memory, durable) as started:
        before = [_row_state(server, workload) for server in started]
        for server in started:
            _preflight(server, workload, 200)
            wrk.run(server, workload, settings.warmup)
        series = {server.name: Series() for server in started}
        for _ in range(settings.rounds):
            for server in started:
                series[server.name].runs.append(wrk.run(server, workload, settings.seconds))
        for server, row in zip(started, before, strict=True):
            _check_state(workload, row, _row_state(server, workload))
    memory_rate, durable_rate = series["in memory"].rate, series["--state"].rate
    ratio = durable_rate / memory_rate
    rows = [
        [name, f"{s.rate:,.0f} ({s.spread})", f"{s.p50:.2f}", f"{s.p99:.2f}"] for name, s in series.items()
    ]
    return [
        "JFramework PUT, every answer checked (a 200 that changed the row). With `--state` each PUT is",
        "committed to the SQLite file (WAL) before it is answered.",
        "",
        *report.table(["store", "req/s (range)", "p50 ms", "p99 ms"], rows),
        "",
        f"`--state` / in memory: **{ratio:.2f}x** (goal at least {PUT_GOAL}x: {_met(ratio >= PUT_GOAL)}).",
    ]


def _resets(settings: Settings, scratch: Path) -> list[str]:
    """`World.reset()` in-process after one row changed, default fixtures, both stores; and over HTTP."""
    repeats = max(20, settings.reset_repeats // 10)
    rows = []
    medians = {}
    for label, state in (("in memory", None), ("--state", scratch / "reset.db")):
        app = create_app(state=state)
        try:
            samples = _time(repeats, lambda app=app: _change_one_row(app), app.world.reset)
        finally:
            app.world.close()
        medians[label] = statistics.median(samples)
        rows.append([f"{label}, in-process", f"{medians[label]:,.2f}", f"{_p99(samples):,.2f}"])
    options = ["--state", str(scratch / "reset-http.db")]
    with (
        running(lambda options=options: start_fake(options=options)) as (fake,),
        httpx.Client(base_url=fake.url) as client,
    ):
        samples = _time(
            repeats,
            lambda: None,
            lambda: client.post("/__admin/reset", json={}).raise_for_status(),
        )
    rows.append(
        [
            "--state, `POST /__admin/reset` round trip",
            f"{statistics.median(samples):,.2f}",
            f"{_p99(samples):,.2f}",
        ]
    )
    met = medians["--state"] <= RESET_GOAL_MS
    return [
        "",
        "Reset with the default fixtures, after a change to one row:",
        "",
        *report.table(["case", "median ms", "p99 ms"], rows),
        "",
        f"`--state` reset median {medians['--state']:.2f} ms "
        f"(goal at most {RESET_GOAL_MS:g} ms: {_met(met)}).",
    ]


def _start_up(settings: Settings, scratch: Path) -> list[str]:
    """Process start to first 200 on a state file holding few and many stored messages: after a
    clean stop (the checkpoint is read), and after a kill -9 (the rows are read, after SQLite's check)."""
    rows = []
    starts = {}
    for messages in settings.scale:
        path = scratch / f"start-{messages}.db"
        fixtures = str(scale.write_world(scratch, messages))
        create_app(["default", fixtures], state=path).world.close()  # builds the file once
        options = ["--state", str(path)]
        samples = []
        for _ in range(max(1, settings.cold_starts // 2)):
            with running(lambda options=options: start_fake(options=options)) as (fake,):
                samples.append(fake.started_in)
        starts[messages] = statistics.median(samples)
        killed = start_fake(options=options)
        killed.process.kill()  # no clean stop: no current checkpoint
        killed.process.wait()
        with running(lambda options=options: start_fake(options=options)) as (fake,):
            after_kill = fake.started_in
        size = path.stat().st_size / 1024 / 1024
        rows.append(
            [f"{messages:,}", f"{size:,.1f}", f"{starts[messages] * 1000:,.0f}", f"{after_kill * 1000:,.0f}"]
        )
    small, large = settings.scale
    met = starts[large] <= START_GOAL_S
    head = ["stored messages", "file MiB", "start ms after a clean stop (median)", "start ms after kill -9"]
    return [
        "",
        "Start-up (process start to first 200) on an existing state file:",
        "",
        *report.table(head, rows),
        "",
        f"With {large:,} messages: {starts[large]:.2f} s (goal at most {START_GOAL_S:g} s: {_met(met)}); "
        f"{report.ratio(starts[large], starts[small])} of the start with {small:,}.",
    ]


def _change_one_row(app: MockApp) -> None:
    with app.world.store.transaction() as tx:
        tx.put("bench.scratch", "row", ("changed", time.perf_counter_ns()))


def _time(repeats: int, before: Callable[[], object], action: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(repeats):
        before()
        began = time.perf_counter_ns()
        action()
        samples.append((time.perf_counter_ns() - began) / 1e6)
    return sorted(samples)


def _p99(samples: list[float]) -> float:
    return samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def _met(met: bool) -> str:
    return "met" if met else "**not met**"
