"""The results: markdown tables, printed and written to bench/results.md."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.wrk import Run


@dataclass
class Series:
    """The measured runs of one workload on one server."""

    runs: list[Run] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return statistics.median(r.rate for r in self.runs)

    @property
    def p50(self) -> float:
        return statistics.median(r.p50_ms for r in self.runs)

    @property
    def p99(self) -> float:
        return statistics.median(r.p99_ms for r in self.runs)

    @property
    def spread(self) -> str:
        rates = [r.rate for r in self.runs]
        return f"{min(rates):,.0f}-{max(rates):,.0f}"

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)


def ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}x" if reference else "-"


def throughput_table(rows: dict[str, dict[str, Series]], servers: Sequence[str]) -> list[str]:
    """One row per workload: the fake's figures, then each other server's and the fake's ratio to it."""
    head = ["workload", "fake req/s (range)", "p50 ms", "p99 ms"]
    for other in servers[1:]:
        head += [f"{other} req/s", f"{other} p50", f"{other} p99", f"fake/{other} req/s", f"fake/{other} p99"]
    lines = [_row(head), _row(["---"] * len(head))]
    for workload, by_server in rows.items():
        fake = by_server[servers[0]]
        cells = [workload, f"{fake.rate:,.0f} ({fake.spread})", f"{fake.p50:.2f}", f"{fake.p99:.2f}"]
        for other in servers[1:]:
            series = by_server.get(other)
            if series is None:
                cells += ["-"] * 5
                continue
            cells += [
                f"{series.rate:,.0f}",
                f"{series.p50:.2f}",
                f"{series.p99:.2f}",
                ratio(fake.rate, series.rate),
                ratio(fake.p99, series.p99),
            ]
        lines.append(_row(cells))
    return lines


def table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [_row(head), _row(["---"] * len(head)), *(_row(r) for r in rows)]


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"
