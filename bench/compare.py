"""`python -m bench.compare REV`: the fake at git revision REV against the working tree, same run.

Both fakes serve the default fixtures side by side (REV from a temporary `git worktree`, on this
virtual environment's packages); wrk alternates between them (A/B/A/B) on each workload after a
warm-up, and every answer's status is checked. Prints a markdown table of medians and ratios.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import report, servers, wrk
from bench.measure import PROBE, _token, running, start_fake
from bench.report import Series
from bench.servers import Server
from bench.workloads import TWOSMS_CLIENT, all_workloads

WARMUP = 2


def start_revision(tree: Path) -> Server:
    port = servers.free_port()
    command = [sys.executable, "-m", "mockserver", "serve", "--port", str(port)]
    return servers.start(tree.name, command, port, PROBE, env={**os.environ, "PYTHONPATH": str(tree)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("revision", help="a git revision, e.g. HEAD~1")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workload", action="append", help="only these workloads (by name)")
    args = parser.parse_args(argv)
    wrk.ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="mockserver-compare-") as scratch:
        tree = Path(scratch) / args.revision.replace("/", "_")
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), args.revision], check=True)
        try:
            print("\n".join(_compare(tree, args)))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], check=True)
    return 0


def _compare(tree: Path, args: argparse.Namespace) -> list[str]:
    with running(start_fake, lambda: start_revision(tree)) as started:
        # Each fake gets workloads carrying a bearer token it issued itself.
        workloads = {s.name: {w.name: w for w in all_workloads(_token(s, TWOSMS_CLIENT))} for s in started}
        names = [n for n in workloads[started[0].name] if not args.workload or n in args.workload]
        rows: dict[str, dict[str, Series]] = {}
        for name in names:
            for server in started:
                wrk.run(server, workloads[server.name][name], WARMUP, workloads[server.name][name].status)
            by_server = rows[name] = {}
            for _ in range(args.rounds):
                for server in started:
                    workload = workloads[server.name][name]
                    run = wrk.run(server, workload, args.seconds, workload.status)
                    by_server.setdefault(server.name, Series()).runs.append(run)
        new, old = (s.name for s in started)
        head = ["workload", "working tree req/s (range)", f"{args.revision} req/s (range)", "ratio"]
        table = [
            [
                name,
                f"{series[new].rate:,.0f} ({series[new].spread})",
                f"{series[old].rate:,.0f} ({series[old].spread})",
                report.ratio(series[new].rate, series[old].rate),
            ]
            for name, series in rows.items()
        ]
        return report.table(head, table)


if __name__ == "__main__":
    sys.exit(main())
