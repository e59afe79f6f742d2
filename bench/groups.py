"""A 2SMS send to a 1,000-contact group against a send to one contact of the same account, on one
fake, alternating: what expanding a group and texting each contact costs per request."""

from __future__ import annotations

from pathlib import Path

import httpx

from bench import report, scale, wrk
from bench.measure import Log, Settings, _preflight, _token, running, start_fake
from bench.report import Series
from bench.servers import Server
from bench.workloads import Workload, twosms_send

GROUP_SIZE = 1_000


def group_sends(settings: Settings, scratch: Path, log: Log) -> list[str]:
    world = str(scale.write_group_world(scratch, GROUP_SIZE))
    with running(lambda: start_fake(["default", world])) as [fake]:
        token = _token(fake, scale.GROUP_CLIENT)
        group = twosms_send(
            token,
            {"GroupID": {scale.BENCH_GROUP: 2}},
            f"send to a {GROUP_SIZE:,}-contact group",
            scale.GROUP_ACCOUNT,
        )
        single = twosms_send(token, {"ContactID": {"1": 2}}, "send to one contact", scale.GROUP_ACCOUNT)
        workloads = [single, group]
        before = _credits(fake, token)
        for workload in workloads:
            _preflight(fake, workload, 200)
            wrk.run(fake, workload, settings.warmup)
        series = {w.name: Series() for w in workloads}
        for _ in range(settings.rounds):
            for workload in workloads:
                log(f"group sends: {workload.name}")
                series[workload.name].runs.append(wrk.run(fake, workload, settings.seconds))
        spent = before - _credits(fake, token)
    counted = {w.name: series[w.name].requests for w in workloads}
    # Every counted send charged its recipients (warm-ups and preflights charged more, never less).
    if spent < counted[group.name] * GROUP_SIZE + counted[single.name]:
        raise wrk.RunFailed(f"group sends charged {spent:,} credits for {counted} sends")
    rows = [_row(w, series[w.name], series[single.name]) for w in workloads]
    return [
        "",
        f"## 2SMS send to a {GROUP_SIZE:,}-contact group",
        "",
        f"One fake, the account's group of {GROUP_SIZE:,} contacts against one of its contacts, alternating; "
        "every answer a 200, and the account charged at least one credit per contact per counted send "
        f"({spent:,} credits in all).",
        "",
        *report.table(
            ["workload", "req/s (range)", "SMS/s", "p50 ms", "p99 ms", "req/s ratio to one contact"], rows
        ),
    ]


def _row(workload: Workload, measured: Series, single: Series) -> list[str]:
    recipients = GROUP_SIZE if "group" in workload.name else 1
    return [
        workload.name,
        f"{measured.rate:,.0f} ({measured.spread})",
        f"{measured.rate * recipients:,.0f}",
        f"{measured.p50:.2f}",
        f"{measured.p99:.2f}",
        report.ratio(measured.rate, single.rate),
    ]


def _credits(fake: Server, token: str) -> int:
    answer = httpx.get(
        f"{fake.url}/twosms/api/v1/admin/accounts", headers={"Authorization": f"Bearer {token}"}
    )
    answer.raise_for_status()
    return int(answer.json()["ResponseData"]["Detail"]["AnyTimeBalance"])
