"""`mockserver contract`: check any server (the fake, staging, the real provider) against a bundled spec.

Runs the Schemathesis CLI with every default check, auth given through its OpenAPI-aware auth
configuration (so its missing- and ignored-auth checks stay meaningful), the XML deserializer of
`mockserver.contract_hooks`, then prints one line per operation from its JSON report.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mockserver.engine.specs import route_table
from mockserver.providers.base import Provider

# 402 (not enough credits) answers a perfectly valid 2SMS send; the check keeps every other rule.
POSITIVE_STATUSES = ["2xx", "3xx", "401", "402", "403", "404", "409", "429", "5xx"]
EXPECTED_WARNINGS = {
    "missing_test_data": "operations whose path ids Schemathesis cannot make exist are checked with "
    "generated ids, which must answer the spec's 404",
    "validation_mismatch": "2SMS forgives what ASP.NET Web API forgives (a member name in another "
    "case, an unknown member), so some negative cases are accepted, as by the real service "
    "(docs/decisions.md T17); `serve --strict` refuses them",
}
"""Schemathesis warnings that these specs draw by design: not shown, and said why at the end. The
others (missing or unused auth, a base URL mismatch, a missing deserializer...) are shown."""
SHOWN_WARNINGS = [
    "missing_auth", "base_url_mismatch", "missing_deserializer", "unused_openapi_auth", "unsupported_regex",
    "method_not_allowed", "unmatched_filter", "unresolvable_reference", "rate_limited", "timeout_units",
]  # fmt: skip
REPORT_DIR = "mockserver-contract-report"


@dataclass
class OperationResult:
    label: str
    cases: int = 0
    failures: Counter[str] = field(default_factory=Counter)


def _toml(value: Any) -> str:
    return json.dumps(value)  # JSON strings, numbers and arrays are valid TOML values


def write_config(path: Path, auth: dict[str, dict[str, str]], seed: int, max_examples: int) -> None:
    lines = [
        f"hooks = {_toml('mockserver.contract_hooks')}",
        f"seed = {seed}",
        "",
        "[generation]",
        f"max-examples = {max_examples}",
        "",
    ]
    lines += ["[checks.positive_data_acceptance]", f"expected-statuses = {_toml(POSITIVE_STATUSES)}", ""]
    lines += ["[warnings]", f"display = {_toml(SHOWN_WARNINGS)}", ""]
    for scheme, values in auth.items():
        lines.append(f"[auth.openapi.{scheme}]")
        lines += [f"{key} = {_toml(value)}" for key, value in values.items()]
        lines.append("")
    path.write_text("\n".join(lines))


def run(
    provider: Provider,
    base_url: str,
    credentials: Mapping[str, str | None],
    *,
    max_examples: int = 20,
    stateful: bool = True,
    operations: Sequence[str] = (),
    junit: str | None = None,
    seed: int = 1,
    request_timeout: float = 10.0,
    report_dir: str | Path = REPORT_DIR,
) -> int:
    """Run the contract checks; print the per-operation table; return the process exit code.
    `operations` (operationIds) narrows the run to those; an id the spec lacks is a usage error."""
    if importlib.util.find_spec("schemathesis") is None:
        print("mockserver contract needs Schemathesis: pip install 'schemathesis>=4.32'", file=sys.stderr)
        return 2
    unknown = sorted(set(operations) - set(route_table(provider.spec, "").operations))
    if unknown:
        print(f"{provider.spec.name} has no operation {', '.join(unknown)}", file=sys.stderr)
        return 2
    try:  # missing credentials are said first (a provider may fetch a token here)
        auth, failed = provider.contract_auth(base_url, credentials), None
    except httpx.TransportError as exc:
        auth, failed = {}, exc
    refusal = _unreachable(base_url) or (failed and f"cannot get credentials from {base_url}: {failed}")
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    spec = provider.spec
    report = Path(report_dir) / "report.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mockserver-contract-") as scratch:
        # Written in this run's own folder, read there, then moved into place in one step: two runs
        # sharing a working folder never read each other's half-written report.
        written = Path(scratch) / "report.json"
        config = Path(scratch) / "schemathesis.toml"
        write_config(config, auth, seed, max_examples)
        phases = "examples,coverage,fuzzing" + (",stateful" if stateful else "")
        command = [
            sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
            "run", str(spec), "--url", base_url.rstrip("/"),
            "--phases", phases, "--request-timeout", str(request_timeout),
            "--report", "json" + (",junit" if junit else ""), "--report-json-path", str(written),
        ]  # fmt: skip
        for operation_id in operations:
            command += ["--include-operation-id", operation_id]
        if junit:
            command += ["--report-junit-path", junit]
        code = subprocess.run(command, check=False).returncode
        results = read_report(json.loads(written.read_text())) if written.exists() else []
        if written.exists():
            _put_in_place(written, report)
    print_table(results)
    print("\nNot shown, by design of these specs (nothing to act on):")
    for name, why in EXPECTED_WARNINGS.items():
        print(f"  {name}: {why}")
    if report.exists():
        print(f"Schemathesis' JSON report: {report}")
    return code


def _put_in_place(written: Path, report: Path) -> None:
    """Copy `written` to `report` in one step (scratch may be on another filesystem)."""
    fd, part = tempfile.mkstemp(dir=report.parent, prefix=".report-", suffix=".part")
    os.close(fd)
    shutil.copyfile(written, part)
    os.replace(part, report)


def _unreachable(base_url: str, timeout: float = 5.0) -> str | None:
    """Why nothing can be checked at `base_url`, in one sentence; None when something answers (any
    status will do: the checks judge the answers)."""
    try:
        httpx.get(base_url, timeout=timeout)
    except httpx.ConnectError:
        hint = "is the server running? is --base-url right?"
        return f"cannot reach {base_url}: nothing answers there ({hint})"
    except httpx.TimeoutException:
        return f"cannot reach {base_url}: no answer within {timeout:g} s"
    except (httpx.HTTPError, ValueError) as exc:
        return f"cannot reach {base_url}: {exc}"
    return None


def read_report(report: dict[str, Any]) -> list[OperationResult]:
    """Cases and failing checks per operation, from Schemathesis' JSON run report."""
    by_label: dict[str, OperationResult] = {}
    for label, phases in report.get("valid_rates", {}).items():
        sent = sum(sum(counts.values()) for counts in phases.values())
        by_label[label] = OperationResult(label, cases=sent)
    for failure in report.get("failures", []):
        for label in failure.get("operations", []):
            result = by_label.setdefault(label, OperationResult(label))
            result.failures[f"{failure['code']} {failure['title']}"] += 1
    return sorted(by_label.values(), key=lambda r: r.label)


def print_table(results: list[OperationResult]) -> None:
    if not results:
        print("no operation was tested (see Schemathesis' output above)")
        return
    width = max(len(r.label) for r in results)
    print(f"\n{'operation':<{width}}  {'valid cases':>11}  failing checks")
    for r in results:
        failures = "; ".join(sorted(r.failures)) or "-"
        print(f"{r.label:<{width}}  {r.cases:>11}  {failures}")
