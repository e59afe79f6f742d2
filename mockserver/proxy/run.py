"""`mockserver proxy`: serve the proxy on a port, optionally around a command, then say what it saw;
`mockserver proxy check FILE.har`: the same checks over recorded exchanges, offline.

Exit 0 when clean, 1 on violations (`--fail-on request|response|any`), 2 on a usage error; around a
command (`mockserver proxy ... -- pytest tests/e2e`, which gets `MOCKSERVER_PROXY_URL`), the worse
of the two.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from mockserver.http_limits import protocol_with
from mockserver.providers.base import Provider
from mockserver.proxy.checker import Checker
from mockserver.proxy.forward import Mode, Observers, ProxyApp, Upstream
from mockserver.proxy.guards import SmsGuard, load_places
from mockserver.proxy.har import HarWriter, read_har
from mockserver.proxy.recorder import Recorder, load_rules, rules_beside
from mockserver.proxy.report import FailOn, Reporter
from mockserver.proxy.secrets import SecretLeak, Taint
from mockserver.resources import load_yaml
from mockserver.server import ReadyServer, bind, uvicorn_config
from mockserver.settings import Limits


@dataclass(frozen=True)
class ProxyOptions:
    target: str
    host: str = "127.0.0.1"
    port: int = 8090
    mode: Mode = "report"
    fail_on: FailOn = "any"
    junit: str | None = None
    report_json: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0
    max_answer: int = 10 * 1024 * 1024
    trust_env: bool = False
    violations_header: bool = False
    record: str | None = None
    har: str | None = None
    allow_recipients: tuple[str, ...] = ()
    read_only: bool = False
    command: Sequence[str] = ()


def scheme_fields(spec: dict[str, Any], public: Sequence[str] = ()) -> list[str]:
    """The names a spec's security schemes carry credentials in (their values are secrets), but
    those the provider's proxy file says are `public` (JFramework's Brand-URL names a brand)."""
    schemes = spec.get("components", {}).get("securitySchemes", {}).values()
    named = [s["name"] for s in schemes if s.get("type") == "apiKey" and "name" in s]
    shown = {name.lower() for name in public}
    return ["authorization", *(name for name in named if name.lower() not in shown)]


def proxy_file(provider: Provider) -> dict[str, Any]:
    """What the proxy knows of the provider beyond its spec (`openapi/<provider>.proxy.yaml`)."""
    path = rules_beside(Path(provider.spec))
    return load_yaml(path.read_text()) if path.exists() else {}


def build(provider: Provider, options: ProxyOptions) -> ProxyApp:
    """The proxy app `options` describe (no port bound yet)."""
    checker = Checker(provider)
    known, operations = proxy_file(provider), list(checker.routes.operations)
    taint = Taint(scheme_fields(checker.routes.spec, known.get("public_credentials") or ()))
    reporter = Reporter(operations, taint, sys.stdout)
    target = urlsplit(options.target)
    observers = Observers(
        Recorder(known.get("section", provider.name), load_rules(known, operations))
        if options.record
        else None,
        HarWriter(taint, target.path) if options.har else None,
    )
    guard = SmsGuard(
        options.allow_recipients,
        options.read_only,
        load_places(known, operations),
        frozenset(known.get("read_only_allows") or ()),
    )
    upstream = Upstream(
        options.target, options.timeout, options.max_answer, options.ca_file, options.trust_env
    )
    return ProxyApp(provider, checker, upstream, reporter, taint, options.mode, guard=guard,
                    violations_header=options.violations_header, observers=observers)  # fmt: skip


def run(provider: Provider, options: ProxyOptions) -> int:
    target = urlsplit(options.target)
    if target.scheme not in ("http", "https") or not target.netloc:
        print(f"--target must be an http:// or https:// URL, not {options.target!r}", file=sys.stderr)
        return 2
    try:
        app = build(provider, options)
    except ValueError as exc:  # the provider's proxy file (RuleError is one)
        print(f"{rules_beside(Path(provider.spec))}: {exc}", file=sys.stderr)
        return 2
    reporter, taint, observers = app.reporter, app.taint, app.observers
    sock = bind(options.host, options.port)
    url = f"http://{options.host}:{sock.getsockname()[1]}"
    limits = Limits()
    server = ReadyServer(uvicorn_config(app, limits, http=protocol_with(limits, origin_form_only=True)))
    print(
        f"mockserver proxy: {url} -> {options.target} ({provider.name}, {options.mode} mode); "
        f"pages at {url}/_/requests",
        flush=True,
    )
    command_code = _serve(server, sock, url, options.command)
    print(reporter.summary(), flush=True)
    code = reporter.exit_code(options.fail_on)
    try:
        _write_reports(reporter, options.junit, options.report_json)
        if observers.har is not None and options.har:
            observers.har.write(options.har)
        if observers.recorder is not None and options.record:
            _write_recording(observers.recorder, taint, options.record)
    except SecretLeak as leak:
        print(str(leak), file=sys.stderr)
        code = 1
    return max(code, command_code)


def _serve(server: ReadyServer, sock: Any, url: str, command: Sequence[str]) -> int:
    """Serve until Ctrl-C or SIGTERM, or for as long as `command` runs (its exit code)."""
    if not command:
        server.run(sockets=[sock])
        return 0
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="proxy", daemon=True)
    thread.start()
    server.ready.wait(10)
    try:
        code = subprocess.run(
            list(command), env={**os.environ, "MOCKSERVER_PROXY_URL": url}, check=False
        ).returncode
    except OSError as exc:
        print(f"cannot run {command[0]!r}: {exc.strerror}", file=sys.stderr)
        code = 2
    server.should_exit = True
    thread.join(timeout=10)
    return code


def _write_reports(reporter: Reporter, junit: str | None, report_json: str | None) -> None:
    if junit:
        reporter.write_junit(junit)
    if report_json:
        reporter.write_json(report_json)


def _write_recording(recorder: Recorder, taint: Taint, path: str) -> None:
    document = recorder.document()
    for dropped in recorder.dropped:
        print(f"record: {dropped} (its parent was never seen)", flush=True)
    header = (
        "# Recorded by `mockserver proxy --record` from the traffic it saw. Serve it with\n"
        "# `mockserver serve --fixtures FILE`. Every secret is its placeholder (<secret-N>), which the\n"
        "# served recording takes as the credential.\n"
    )
    text = taint.scrub(header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    taint.check_clean(text, path)
    Path(path).write_text(text, encoding="utf-8")
    print(f"record: wrote {path}", flush=True)


def check(
    provider: Provider,
    har: str,
    base_path: str | None,
    fail_on: FailOn,
    junit: str | None = None,
    report_json: str | None = None,
) -> int:
    """`mockserver proxy check FILE.har`: each exchange re-validated against today's spec."""
    checker = Checker(provider)
    taint = Taint(scheme_fields(checker.routes.spec, proxy_file(provider).get("public_credentials") or ()))
    reporter = Reporter(checker.routes.operations, taint, sys.stdout)
    try:
        entries = list(read_har(har, base_path))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"cannot read {har}: {exc}", file=sys.stderr)
        return 2
    for entry in entries:
        checked = checker.inspect(
            entry.method, entry.path, entry.query, entry.request_headers, entry.request_body
        )
        found = list(checked.violations)
        members: list[str] = []
        if checked.operation is not None and not entry.cut:
            read = checker.answer(checked.operation, entry.status, entry.response_type, entry.response_body)
            found += read.violations
            members = read.undocumented
        reporter.record(
            entry.method,
            entry.path,
            checked.operation,
            entry.status,
            found,
            forwarded=True,
            undocumented=members,
        )
    print(reporter.summary(), flush=True)
    try:
        _write_reports(reporter, junit, report_json)
    except SecretLeak as leak:
        print(str(leak), file=sys.stderr)
        return 1
    return reporter.exit_code(fail_on)


def add_command(commands: Any, providers: Sequence[Provider]) -> None:
    """The `proxy` subcommand's options (cli.py), and `proxy check`."""
    names = [p.name for p in providers]
    proxy = commands.add_parser(
        "proxy",
        help="forward an app's traffic to the real provider, checking it against the bundled spec",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    proxy.add_argument("--provider", choices=names, help="the provider whose spec the traffic is held to")
    proxy.add_argument("--target", help="the provider's base URL, e.g. https://api.example.com")
    proxy.add_argument("--host", default="127.0.0.1", help="address to listen on")
    proxy.add_argument("--port", type=int, default=8090, help="port (0 picks a free one)")
    proxy.add_argument(
        "--mode",
        choices=["report", "enforce"],
        default="report",
        help="report: pass every answer through as the provider sent it; enforce: answer an invalid "
        "request with the provider's own 400 and never forward it",
    )
    _report_options(proxy)
    proxy.add_argument(
        "--ca-file", metavar="PEM", help="trust this CA for the target (TLS is always verified)"
    )
    proxy.add_argument(
        "--timeout", type=float, default=30.0, help="seconds the target has to answer (504 after)"
    )
    proxy.add_argument(
        "--max-answer-mib", type=float, default=10.0, help="a bigger answer from the target is a 502"
    )
    proxy.add_argument(
        "--trust-env",
        action="store_true",
        help="use HTTP(S)_PROXY from the environment to reach the target (ignored by default)",
    )
    proxy.add_argument(
        "--violations-header",
        action="store_true",
        help="say each answer's violations in an X-Mockserver-Violations header (at most 1 KiB)",
    )
    proxy.add_argument(
        "--record", metavar="FILE", help="write the state the traffic revealed as a fixture file"
    )
    proxy.add_argument("--har", metavar="FILE", help="write the exchanges, secrets masked, as HAR 1.2")
    proxy.add_argument(
        "--allow-recipient",
        action="append",
        default=[],
        metavar="GLOB",
        help="forward a send only when every number matches one of these globs (repeat)",
    )
    proxy.add_argument(
        "--read-only",
        action="store_true",
        help="forward only GET, HEAD, OPTIONS (and the token request); refuse the rest with a 403",
    )
    subcommands = proxy.add_subparsers(dest="proxy_command")
    check_parser = subcommands.add_parser("check", help="re-validate a HAR file's exchanges against the spec")
    check_parser.add_argument("har", metavar="FILE.har")
    check_parser.add_argument("--provider", required=True, choices=names, dest="check_provider")
    check_parser.add_argument(
        "--base-path",
        help="the target's path to strip from each URL (default: the "
        "one the proxy wrote in the HAR, else none)",
    )
    _report_options(check_parser)


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fail-on",
        choices=["request", "response", "any"],
        default="any",
        help="which violations make the exit code 1",
    )
    parser.add_argument(
        "--junit", metavar="FILE", help="write a JUnit XML report (a test case per operation)"
    )
    parser.add_argument("--report-json", metavar="FILE", help="write the summary as JSON")


def run_command(args: argparse.Namespace, providers: Sequence[Provider], command: Sequence[str]) -> int:
    by_name = {p.name: p for p in providers}
    if args.proxy_command == "check":
        return check(
            by_name[args.check_provider], args.har, args.base_path, args.fail_on, args.junit, args.report_json
        )
    missing = [
        flag for flag, value in (("--provider", args.provider), ("--target", args.target)) if not value
    ]
    if missing:
        print(
            f"mockserver proxy: {' and '.join(missing)} {'are' if len(missing) > 1 else 'is'} required",
            file=sys.stderr,
        )
        return 2
    options = ProxyOptions(
        target=args.target,
        host=args.host,
        port=args.port,
        mode=args.mode,
        fail_on=args.fail_on,
        junit=args.junit,
        report_json=args.report_json,
        ca_file=args.ca_file,
        timeout=args.timeout,
        max_answer=int(args.max_answer_mib * 1024 * 1024),
        trust_env=args.trust_env,
        violations_header=args.violations_header,
        record=args.record,
        har=args.har,
        allow_recipients=tuple(args.allow_recipient),
        read_only=args.read_only,
        command=tuple(command),
    )
    return run(by_name[args.provider], options)
