"""`python -m bench [--quick] [--peers]`: run every measurement and write bench/results.md."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import measure, servers, wrk
from bench.measure import Settings

FULL = Settings(
    warmup=3,
    seconds=5,
    rounds=3,
    memory_requests=200_000,
    cold_starts=5,
    reset_repeats=2_000,
    scale=(100, 100_000),
)
QUICK = Settings(
    warmup=1, seconds=1, rounds=1, memory_requests=2_000, cold_starts=1, reset_repeats=20, scale=(100, 1_000)
)
RESULTS = servers.ROOT / "bench" / "results.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs: checks the bench itself works")
    parser.add_argument("--peers", action="store_true", help="also measure Stoplight Prism (needs npx)")
    parser.add_argument("--output", type=Path, help="where to write the results (default bench/results.md)")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    # A quick run only shows the bench works; it must not replace the committed full results.
    args.output = args.output or (RESULTS.with_name("results-quick.md") if args.quick else RESULTS)
    wrk.ensure_wrk()
    lines = _header(settings, args.peers)
    with tempfile.TemporaryDirectory(prefix="mockserver-bench-") as scratch:
        lines += measure.everything(settings, Path(scratch), peers=args.peers, log=_log)
    lines.append("")
    lines.append(f"Finished {dt.datetime.now().isoformat(timespec='seconds')}; load average {_load()}.")
    text = "\n".join(lines) + "\n"
    args.output.write_text(text)
    print(text)
    print(f"written to {args.output}", file=sys.stderr)
    return 0


def _header(settings: Settings, peers: bool) -> list[str]:
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return [
        "# Benchmark results",
        "",
        f"Written by `make bench{'-peers' if peers else ''}` on {dt.date.today().isoformat()}: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {wrk_version.split(' [')[0]}, "
        f"load average at start {_load()}.",
        f"wrk: {wrk.THREADS} thread, {wrk.CONNECTIONS} connections, loopback; {settings.warmup:g} s warm-up "
        f"per workload and server, then {settings.rounds} rounds of {settings.seconds:g} s alternating the "
        "servers (A/B/A/B). Figures are medians over the rounds; the range is the lowest and highest "
        "round. Ratios compare figures of this one run only.",
    ]


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _log(message: str) -> None:
    print(f"[bench {dt.datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
