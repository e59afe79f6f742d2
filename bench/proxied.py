"""The validation proxy's cost: JFramework PUTs through `mockserver proxy` (report mode, every
request and answer checked, each journaled) against the same PUTs to the conforming stand-in (the
fake) directly, alternating on the same stand-in. Each PUT carries a new password, so the proxy's
secret taint grows by one value per request, as a staging run's tokens would."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from bench import report, servers, wrk
from bench.measure import PRISM_PROBE, Log, Settings, _preflight, running, start_fake
from bench.report import Series
from bench.servers import Server
from bench.workloads import jframework_put


def start_proxy(target: Server) -> Server:
    port = servers.free_port()
    command = [str(Path(sys.executable).with_name("mockserver")), "proxy", "--provider", "jframework",
               "--target", f"{target.url}/jframework", "--port", str(port)]  # fmt: skip
    return servers.start("proxy", command, port, PRISM_PROBE, "/jframework")


def proxied_puts(settings: Settings, log: Log) -> list[str]:
    put = jframework_put()
    with running(start_fake) as [fake], running(lambda: start_proxy(fake)) as [proxy]:
        _preflight(fake, put, 200)
        _preflight(proxy, dataclasses.replace(put, path=put.path.removeprefix(proxy.strip)), 200)
        wrk.run(proxy, put, settings.warmup)
        direct, proxied = Series(), Series()
        for _ in range(settings.rounds):
            log("JFramework PUT to the stand-in directly")
            direct.runs.append(wrk.run(fake, put, settings.seconds))
            log("JFramework PUT through the proxy")
            proxied.runs.append(wrk.run(proxy, put, settings.seconds))
        memory = proxy.rss_mib()
    rows = [
        ["stand-in directly", f"{direct.rate:,.0f} ({direct.spread})", f"{direct.p99:.2f}", "1.00x"],
        ["through `mockserver proxy`", f"{proxied.rate:,.0f} ({proxied.spread})", f"{proxied.p99:.2f}",
         f"{proxied.rate / direct.rate:.2f}x"],
    ]  # fmt: skip
    return [
        "",
        "## The validation proxy",
        "",
        "JFramework PUTs (wrk), each with a new password, to the conforming stand-in (the fake) directly "
        "and through `mockserver proxy --mode report` in front of it, alternating. The proxy checks each "
        "request and answer against the spec, journals both and taints every secret it sees "
        f"(proxy RSS after the runs: {memory:.0f} MiB).",
        "",
        *report.table(["workload", "req/s (range)", "p99 ms", "vs direct"], rows),
    ]
