"""`mockserver proxy`: serve the proxy on a port, optionally around a command, then say what it saw.

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
from typing import Any
from urllib.parse import urlsplit

from mockserver.http_limits import protocol_with
from mockserver.providers.base import Provider
from mockserver.proxy.checker import Checker
from mockserver.proxy.forward import Mode, ProxyApp, Upstream
from mockserver.proxy.report import FailOn, Reporter
from mockserver.proxy.secrets import SecretLeak, Taint
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
    command: Sequence[str] = ()


def scheme_fields(spec: dict[str, Any]) -> list[str]:
    """The names a spec's security schemes carry credentials in (their values are secrets)."""
    schemes = spec.get("components", {}).get("securitySchemes", {}).values()
    return ["authorization", *(s["name"] for s in schemes if s.get("type") == "apiKey" and "name" in s)]


def run(provider: Provider, options: ProxyOptions) -> int:
    target = urlsplit(options.target)
    if target.scheme not in ("http", "https") or not target.netloc:
        print(f"--target must be an http:// or https:// URL, not {options.target!r}", file=sys.stderr)
        return 2
    checker = Checker(provider)
    taint = Taint(scheme_fields(checker.routes.spec))
    reporter = Reporter(checker.routes.operations, taint, sys.stdout)
    upstream = Upstream(options.target, options.timeout, options.max_answer, options.ca_file)
    app = ProxyApp(provider, checker, upstream, reporter, taint, options.mode)
    sock = bind(options.host, options.port)
    port = sock.getsockname()[1]
    url = f"http://{options.host}:{port}"
    limits = Limits()
    server = ReadyServer(uvicorn_config(app, limits, http=protocol_with(limits, origin_form_only=True)))
    print(f"mockserver proxy: {url} -> {options.target} ({provider.name}, {options.mode} mode)", flush=True)
    command_code = 0
    if options.command:
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="proxy", daemon=True)
        thread.start()
        server.ready.wait(10)
        try:
            env = {**os.environ, "MOCKSERVER_PROXY_URL": url}
            command_code = subprocess.run(list(options.command), env=env, check=False).returncode
        except OSError as exc:
            print(f"cannot run {options.command[0]!r}: {exc.strerror}", file=sys.stderr)
            command_code = 2
        server.should_exit = True
        thread.join(timeout=10)
    else:
        server.run(sockets=[sock])  # until Ctrl-C or SIGTERM
    print(reporter.summary(), flush=True)
    code = reporter.exit_code(options.fail_on)
    try:
        if options.junit:
            reporter.write_junit(options.junit)
        if options.report_json:
            reporter.write_json(options.report_json)
    except SecretLeak as leak:
        print(str(leak), file=sys.stderr)
        code = 1
    return max(code, command_code)


def add_command(commands: Any, providers: Sequence[Provider]) -> None:
    """The `proxy` subcommand's options (cli.py)."""
    proxy = commands.add_parser(
        "proxy",
        help="forward an app's traffic to the real provider, checking it against the bundled spec",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    proxy.add_argument("--provider", required=True, choices=[p.name for p in providers])
    proxy.add_argument(
        "--target", required=True, help="the provider's base URL, e.g. https://api.example.com"
    )
    proxy.add_argument("--host", default="127.0.0.1", help="address to listen on")
    proxy.add_argument("--port", type=int, default=8090, help="port (0 picks a free one)")
    proxy.add_argument(
        "--mode",
        choices=["report", "enforce"],
        default="report",
        help="report: pass every answer through as the provider sent it; enforce: answer an invalid "
        "request with the provider's own 400 and never forward it",
    )
    proxy.add_argument("--fail-on", choices=["request", "response", "any"], default="any",
                       help="which violations make the exit code 1")  # fmt: skip
    proxy.add_argument("--junit", metavar="FILE", help="write a JUnit XML report (a test case per operation)")
    proxy.add_argument("--report-json", metavar="FILE", help="write the summary as JSON")
    proxy.add_argument(
        "--ca-file", metavar="PEM", help="trust this CA for the target (TLS is always verified)"
    )
    proxy.add_argument(
        "--timeout", type=float, default=30.0, help="seconds the target has to answer (504 after)"
    )
    proxy.add_argument(
        "--max-answer-mib", type=float, default=10.0, help="a bigger answer from the target is a 502"
    )


def run_command(args: argparse.Namespace, providers: Sequence[Provider], command: Sequence[str]) -> int:
    provider = next(p for p in providers if p.name == args.provider)
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
        command=tuple(command),
    )
    return run(provider, options)
