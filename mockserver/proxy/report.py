"""What the proxy saw, for people and for CI: each violation printed as it happens, a summary per
operation at the end, JUnit XML and a JSON report, and the exit code. Everything written goes
through the Taint first (`secrets.py`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO
from xml.sax.saxutils import quoteattr

from mockserver.errors import Violation
from mockserver.proxy.secrets import Taint

FailOn = Literal["request", "response", "any"]
REFUSING = frozenset({400, 405, 406, 411, 413, 415, 422})
"""Statuses that say the request itself is malformed: given to a request the spec finds valid, the
provider is stricter than the spec. (401, 403, 404, 409 and 429 are about the state, not the form.)"""
REFUSED_RULES = frozenset({"route", "security", "parameters", "media-type", "body"})
"""A request's violations the provider's stack refuses (the rest are client warnings it forgives)."""


@dataclass(frozen=True)
class Hint:
    """Where the spec and the provider disagree: likely a spec (and so a fake) error."""

    operation: str
    kind: str
    """`invalid-request-accepted`, `valid-request-refused`, `undocumented-status` or
    `undocumented-member`."""
    message: str


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
        self.hints: list[Hint] = []
        """Each kind said once per operation, in the order seen."""

    def record(
        self,
        method: str,
        path: str,
        operation: str | None,
        status: int,
        found: list[Violation],
        *,
        forwarded: bool = False,
        undocumented: Sequence[str] = (),
    ) -> None:
        """One exchange: `forwarded` when the provider answered (not the proxy), `undocumented`
        the answer's members its schema does not name."""
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
        if operation is not None and forwarded:
            self._hint_about(operation, status, found, undocumented)

    def _hint_about(
        self, operation: str, status: int, found: list[Violation], members: Sequence[str]
    ) -> None:
        refused = [v for v in found if v.side == "request" and v.rule in REFUSED_RULES]
        if refused and 200 <= status < 300:
            self._hint(operation, "invalid-request-accepted",
                       f"the provider answered {status} to a request the spec refuses "
                       f"({refused[0].rule}: {refused[0].message}): the spec may be stricter than "
                       "the provider")  # fmt: skip
        if not refused and status in REFUSING:
            self._hint(operation, "valid-request-refused",
                       f"the provider answered {status} to a request the spec accepts: the spec may be "
                       "looser than the provider")  # fmt: skip
        if any(v.rule == "status" for v in found):
            self._hint(operation, "undocumented-status",
                       f"the provider answered {status}, which the spec does not list for it")  # fmt: skip
        if members:
            shown = ", ".join(members[:5]) + (f" and {len(members) - 5} more" if len(members) > 5 else "")
            self._hint(operation, "undocumented-member",
                       f"the answer holds members the spec does not name: {shown}")  # fmt: skip

    def _hint(self, operation: str, kind: str, message: str) -> None:
        if any(h.operation == operation and h.kind == kind for h in self.hints):
            return
        hint = Hint(operation, kind, self.taint.scrub(message))
        self.hints.append(hint)
        print(f"hint: {operation} {kind}: {hint.message} (likely a spec, and so a fake, error)",
              file=self.out, flush=True)  # fmt: skip

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
        lines += [f"hint: {h.operation} {h.kind}: {h.message}" for h in self.hints]
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
            "hints": [{"operation": h.operation, "kind": h.kind, "message": h.message} for h in self.hints],
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
