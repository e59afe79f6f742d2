"""What the proxy saw, for people and for CI: each violation printed as it happens, a summary per
operation at the end, JUnit XML and a JSON report, and the exit code. Everything written goes
through the Taint first (`secrets.py`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO
from xml.sax.saxutils import quoteattr

from mockserver.proxy.checker import Violation
from mockserver.proxy.secrets import Taint

FailOn = Literal["request", "response", "any"]


@dataclass
class OperationStats:
    calls: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    violations: Counter[str] = field(default_factory=Counter)
    """By `side rule`."""
    undocumented: Counter[int] = field(default_factory=Counter)
    """Statuses the spec does not list for the operation."""
    examples: list[str] = field(default_factory=list)
    """The first few violations, worded."""


class Reporter:
    """Collects every exchange's violations; says each at once on `out`."""

    def __init__(self, operations: Iterable[str], taint: Taint, out: TextIO) -> None:
        self.operations = list(operations)
        self.taint, self.out = taint, out
        self.stats: dict[str, OperationStats] = {}

    def record(
        self, method: str, path: str, operation: str | None, status: int, found: list[Violation]
    ) -> None:
        stats = self.stats.setdefault(operation or "(not in the spec)", OperationStats())
        stats.calls += 1
        stats.statuses[status] += 1
        for violation in found:
            stats.violations[f"{violation.side} {violation.rule}"] += 1
            if violation.rule == "status":
                stats.undocumented[status] += 1
            line = self.taint.scrub(_worded(method, path, violation))
            if len(stats.examples) < 5:
                stats.examples.append(line)
            print(f"violation: {line}", file=self.out, flush=True)

    def exit_code(self, fail_on: FailOn) -> int:
        sides = {"request": {"request"}, "response": {"response"}, "any": {"request", "response"}}[fail_on]
        failing = any(key.split(" ", 1)[0] in sides for s in self.stats.values() for key in s.violations)
        return 1 if failing else 0

    def summary(self) -> str:
        lines = ["", "operation | calls | statuses | violations | statuses the spec does not list", "---"]
        for name in sorted(self.stats):
            s = self.stats[name]
            statuses = ", ".join(f"{code} x{n}" for code, n in sorted(s.statuses.items()))
            violations = ", ".join(f"{rule} x{n}" for rule, n in sorted(s.violations.items())) or "none"
            undocumented = ", ".join(str(code) for code in sorted(s.undocumented)) or "-"
            lines.append(f"{name} | {s.calls} | {statuses} | {violations} | {undocumented}")
        never = [op for op in self.operations if op not in self.stats]
        lines.append(f"never called: {', '.join(never) if never else 'none'}")
        total = sum(sum(s.violations.values()) for s in self.stats.values())
        lines.append(f"{sum(s.calls for s in self.stats.values())} calls, {total} violations")
        return self.taint.scrub("\n".join(lines))

    def as_json(self) -> dict:
        return {
            "operations": {
                name: {
                    "calls": s.calls,
                    "statuses": {str(k): v for k, v in sorted(s.statuses.items())},
                    "violations": dict(sorted(s.violations.items())),
                    "undocumentedStatuses": sorted(s.undocumented),
                    "examples": s.examples,
                }
                for name, s in sorted(self.stats.items())
            },
            "neverCalled": [op for op in self.operations if op not in self.stats],
        }

    def write_json(self, path: str | Path) -> None:
        self._write(path, json.dumps(self.as_json(), indent=2) + "\n")

    def write_junit(self, path: str | Path) -> None:
        """One test case per operation called: failed when it drew violations."""
        cases, failures = [], 0
        for name, s in sorted(self.stats.items()):
            if s.violations:
                failures += 1
                detail = "\n".join(s.examples)
                summary = ", ".join(f"{rule} x{n}" for rule, n in sorted(s.violations.items()))
                cases.append(
                    f'  <testcase classname="mockserver.proxy" name={quoteattr(name)}>'
                    f"<failure message={quoteattr(summary)}>{_text(detail)}</failure></testcase>"
                )
            else:
                cases.append(f'  <testcase classname="mockserver.proxy" name={quoteattr(name)}/>')
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<testsuite name="mockserver proxy" tests="{len(cases)}" failures="{failures}">\n'
            + "\n".join(cases)
            + "\n</testsuite>\n"
        )
        self._write(path, body)

    def _write(self, path: str | Path, text: str) -> None:
        text = self.taint.scrub(text)
        self.taint.check_clean(text, str(path))
        Path(path).write_text(text)


def _worded(method: str, path: str, violation: Violation) -> str:
    where = f" at {violation.where}" if violation.where else ""
    rule = f"{violation.side} {violation.rule}{where}"
    return f"{method} {path} ({violation.operation}) {rule}: {violation.message}"


def _text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
