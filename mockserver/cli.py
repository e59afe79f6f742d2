"""`mockserver serve | contract | proxy | fixtures check | fixtures schema`."""

from __future__ import annotations

import argparse
import errno
import gc
import ipaddress
import json
import os
import signal
import socket
import ssl
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mockserver import registry
from mockserver.errors import FixtureError, SpecError
from mockserver.providers.base import Provider
from mockserver.settings import ENGINES, Limits, Settings
from mockserver.state.statefile import StateFileError
from mockserver.version import __version__

if TYPE_CHECKING:
    from mockserver.app import MockApp


def _parser(providers: Sequence[Provider]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description="A stateful fake of SMS provider APIs.")
    parser.add_argument("--version", action="version", version=f"sms-mockserver {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the fake until Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--admin-token",
        default=os.environ.get("MOCKSERVER_ADMIN_TOKEN"),
        help="require this token for /__admin and the web pages (or MOCKSERVER_ADMIN_TOKEN)",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name the control plane and web pages answer to besides IP addresses and localhost",
    )
    serve.add_argument("--port", type=port, default=8080, help="port (default 8080; 0 picks a free one)")
    serve.add_argument(
        "--fixtures",
        action="append",
        metavar="FILE",
        help="fixture file to load instead of the demo world; repeat to add more "
        "('default' names the demo world)",
    )
    serve.add_argument(
        "--provider",
        action="append",
        metavar="MODULE:ATTR",
        default=[],
        help="serve this provider too, besides the registered ones (repeatable)",
    )
    serve.add_argument(
        "--state",
        metavar="FILE",
        default=os.environ.get("MOCKSERVER_STATE") or None,
        help="keep the state in this SQLite file, so it survives restarts (or MOCKSERVER_STATE); "
        "a file holding a world is opened as it is, the fixtures apply to a new one",
    )
    serve.add_argument(
        "--reset-state",
        action="store_true",
        help="empty the --state file and start it afresh from the fixtures",
    )
    serve.add_argument("--seed", type=int, default=0, help="seed of generated ids (default 0)")
    serve.add_argument(
        "--deterministic-secrets",
        action="store_true",
        help="derive tokens, link contactIds and tenant keys from --seed too (reproducible, but "
        "predictable by anyone: for tests only)",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log every request, and what each drew as client warnings",
    )
    serve.add_argument(
        "--strict",
        action="store_true",
        help="forgive nothing the real servers forgive (a member name in the wrong case, an unknown "
        "member, a null, a date without a zone): a 400 in the provider's format, not a warning",
    )
    serve.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="who serves each spec: the engine compiled from it (`compiled`: a spec off its "
        "allow-list is refused, naming every construct), Connexion 3 itself (`connexion`), or "
        "compiled where the allow-list allows and Connexion elsewhere (`auto`, the default)",
    )
    serve.add_argument(
        "--max-header-kib",
        type=count,
        default=64,
        metavar="KIB",
        help="request headers past this are a 431 (64)",
    )
    serve.add_argument(
        "--header-timeout",
        type=seconds,
        default=10.0,
        metavar="SECONDS",
        help="close a connection that takes longer to send a request's headers (10)",
    )
    serve.add_argument(
        "--body-timeout",
        type=seconds,
        default=30.0,
        metavar="SECONDS",
        help="answer 408 to a request whose body takes longer to arrive after its headers (30)",
    )
    serve.add_argument(
        "--max-connections", type=count, default=1000, metavar="N", help="answer 503 beyond this many (1000)"
    )
    serve.add_argument(
        "--ssl-certfile", metavar="PEM", help="serve HTTPS with this certificate (and --ssl-keyfile)"
    )
    serve.add_argument("--ssl-keyfile", metavar="PEM", help="the certificate's private key")
    serve.add_argument(
        "--journal-limit",
        type=count,
        default=10_000,
        metavar="N",
        help="requests kept in the journal (default 10000)",
    )
    serve.add_argument(
        "--max-messages",
        type=count,
        default=200_000,
        metavar="N",
        help="sent messages a provider keeps; the oldest go first (default 200000)",
    )
    serve.add_argument(
        "--outbox-limit",
        type=count,
        default=10_000,
        metavar="N",
        help="SMS the outbox keeps (default 10000)",
    )
    serve.add_argument(
        "--journal-mib",
        type=count,
        default=8,
        metavar="MIB",
        help="memory the journal may use; the oldest entries go first (default 8)",
    )
    serve.add_argument(
        "--validate-responses",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="check every answer against the spec (off when serving: ~20%% of a request's cost; "
        "the test suite and the pytest plugin keep it on)",
    )

    contract = commands.add_parser(
        "contract",
        help="check a server (the fake, staging, the real provider) against a bundled spec",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    contract.add_argument("--provider", required=True, choices=[p.name for p in providers])
    contract.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8080/jframework")
    seen = set()
    for option in (o for p in providers for o in p.contract_options):
        if option.name not in seen:
            seen.add(option.name)
            contract.add_argument(f"--{option.name}", help=f"{option.help} (or {option.env})")
    contract.add_argument(
        "--max-examples", type=int, default=20, metavar="N", help="cases per operation and phase"
    )
    contract.add_argument(
        "--stateful", action=argparse.BooleanOptionalAction, default=True, help="run link sequences"
    )
    contract.add_argument(
        "--operation",
        action="append",
        default=[],
        metavar="ID",
        help="check only this operationId (repeatable; all of the spec's by default)",
    )
    contract.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    contract.add_argument(
        "--report-dir",
        default="mockserver-contract-report",
        metavar="DIR",
        help="where Schemathesis' JSON report is kept (in the working folder by default)",
    )
    contract.add_argument(
        "--seed", type=int, default=1, help="seed of the generated cases: the same seed, the same requests"
    )

    from mockserver.proxy.run import add_command

    add_command(commands, providers)

    fixtures = commands.add_parser("fixtures", help="work with fixture files")
    fixture_commands = fixtures.add_subparsers(dest="fixtures_command", required=True)
    check = fixture_commands.add_parser(
        "check", help="validate fixture files as `serve --fixtures` would load them; exit 1 on problems"
    )
    check.add_argument("files", nargs="+", metavar="FILE")
    fixture_commands.add_parser(
        "schema", help="print the fixture format's JSON Schema, composed from the registered providers"
    )
    return parser


def port(text: str) -> int:
    """A port number (argparse names the type by this function's name in its messages)."""
    if not text.strip().isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port: a number from 0 to 65535 (0 picks a free one)"
        )
    return int(text)


def count(text: str) -> int:
    """A whole number, zero or more."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a count: a whole number, 0 or more")
    return int(text)


def seconds(text: str) -> float:
    """A number of seconds, more than zero."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration: a number of seconds, more than 0")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    try:
        providers = registry.discover()
    except registry.ProviderError as exc:
        print(f"cannot load a provider: {exc}", file=sys.stderr)
        return 2
    arguments = list(sys.argv[1:] if argv is None else argv)
    # `mockserver proxy ... -- COMMAND ...`: what follows `--` is the command to run through it.
    command: list[str] = []
    if arguments[:1] == ["proxy"] and "--" in arguments:
        cut = arguments.index("--")
        arguments, command = arguments[:cut], arguments[cut + 1 :]
    args = _parser(providers).parse_args(arguments)
    if args.command == "proxy":
        from mockserver.proxy.run import run_command

        return run_command(args, providers, command)
    if args.command == "serve":
        return _serve(args, providers)
    if args.command == "contract":
        return _contract(args, providers)
    if args.fixtures_command == "schema":
        print(json.dumps(registry.fixture_schema(providers), indent=2, ensure_ascii=False))
        return 0
    return _check_fixtures(args.files, providers)


def _contract(args: argparse.Namespace, providers: Sequence[Provider]) -> int:
    from mockserver.contract import run

    provider = next(p for p in providers if p.name == args.provider)
    credentials = {
        o.key: getattr(args, o.key, None) or os.environ.get(o.env) for o in provider.contract_options
    }
    return run(
        provider,
        args.base_url,
        credentials,
        max_examples=args.max_examples,
        stateful=args.stateful,
        operations=args.operation,
        junit=args.junit,
        seed=args.seed,
        report_dir=args.report_dir,
    )


def _check_fixtures(files: Sequence[str], providers: Sequence[Provider]) -> int:
    from mockserver.world import World

    try:
        # The schema, then the providers' own rules: references, duplicates.
        World(providers, Settings.of(files))
    except FixtureError as exc:
        print("\n".join(exc.lines), file=sys.stderr)
        return 1
    print(f"{len(files)} fixture file(s) OK")
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    """What `serve` was asked for, as the one Settings the fake is built from."""
    limits = Limits(
        max_header_bytes=args.max_header_kib * 1024,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        max_connections=args.max_connections,
        journal_limit=args.journal_limit,
        journal_bytes=args.journal_mib * 1024 * 1024,
        max_messages=args.max_messages,
        outbox_limit=args.outbox_limit,
    )
    return Settings.of(
        args.fixtures,
        host=args.host,
        port=args.port,
        seed=args.seed,
        deterministic_secrets=args.deterministic_secrets,
        admin_token=args.admin_token,
        allowed_hosts=args.allowed_host,
        validate_responses=args.validate_responses,
        strict=args.strict,
        engine=args.engine,
        log_warnings=args.access_log,
        state=args.state,
        reset_state=args.reset_state,
        limits=limits,
    )


def _serve(args: argparse.Namespace, providers: Sequence[Provider]) -> int:
    from mockserver.app import create_app
    from mockserver.server import bind

    refusal = _refused_options(args)
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return 2
    settings = _settings(args)
    try:
        sock = bind(settings.host, settings.port)
    except OSError as exc:
        in_use = exc.errno == errno.EADDRINUSE
        hint = " (another server holds it: stop it, or --port 0 picks a free port)" if in_use else ""
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror}{hint}", file=sys.stderr)
        return 2
    # The port is known before the fake is built, so its settings name the URL links point to.
    settings = settings.with_address(
        settings.host, sock.getsockname()[1], "https" if args.ssl_certfile else "http"
    )
    try:
        app = create_app(
            providers=[*providers, *(registry.load(r) for r in args.provider)], settings=settings
        )
    except (StateFileError, FixtureError, SpecError, registry.ProviderError) as exc:
        sock.close()
        print(_refusal(exc), file=sys.stderr)
        return 2
    return _run(app, sock, args)


def _refused_options(args: argparse.Namespace) -> str | None:
    """What is wrong with `serve`'s options, in one sentence, before anything starts."""
    if args.reset_state and not args.state:
        return "--reset-state empties the --state file: give --state FILE too (or MOCKSERVER_STATE)"
    if args.state and Path(args.state).is_dir():
        return f"--state {args.state} is a folder: give a file in it, such as {Path(args.state) / 'world.db'}"
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        return "HTTPS needs both --ssl-certfile and --ssl-keyfile"
    if args.ssl_certfile:
        return _tls_refusal(args.ssl_certfile, args.ssl_keyfile)
    return None


def _tls_refusal(certfile: str, keyfile: str) -> str | None:
    """Whether the certificate and key can serve HTTPS, checked as uvicorn will load them."""
    for flag, path in (("--ssl-certfile", certfile), ("--ssl-keyfile", keyfile)):
        if not Path(path).is_file():
            return f"{flag} {path}: no such file"
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except ssl.SSLError as exc:
        return (
            f"cannot serve HTTPS with {certfile} and {keyfile}: they are not a PEM certificate and its "
            f"private key ({exc.reason or exc})"
        )
    return None


def _refusal(exc: Exception) -> str:
    """Why the fake cannot start, in words."""
    if isinstance(exc, StateFileError):
        return f"cannot use the state file: {exc}"
    if isinstance(exc, FixtureError):
        return "\n".join(exc.lines)
    if isinstance(exc, SpecError):
        return f"cannot serve the spec: {exc}"
    return f"cannot load a provider: {exc}"


def _run(app: MockApp, sock: socket.socket, args: argparse.Namespace) -> int:
    import uvicorn

    from mockserver.server import uvicorn_config

    tls = {"ssl_certfile": args.ssl_certfile, "ssl_keyfile": args.ssl_keyfile} if args.ssl_certfile else {}
    # uvicorn's own start and stop lines only with the access log: the banner and `stopped` say it.
    level = "info" if args.access_log else "warning"
    config = uvicorn_config(app, app.settings.limits, access_log=args.access_log, log_level=level, **tls)
    server = uvicorn.Server(config)
    # Ctrl-C or SIGTERM, whenever it comes (before uvicorn takes the signals over, or when it raises
    # them again once stopped), asks the server to stop: one line and exit 0, never a traceback.
    stop = signal.SIGINT, signal.SIGTERM
    previous = {s: signal.signal(s, lambda signum, frame: setattr(server, "should_exit", True)) for s in stop}
    try:
        print(_banner(app, app.settings.public_url), flush=True)
        if not args.admin_token and not _loopback(args.host):
            print(
                f"WARNING: listening on {args.host} with no --admin-token: anyone who can reach this "
                "port can reset the fake, change its clock and faults, and read every request and SMS "
                "it got.",
                file=sys.stderr,
                flush=True,
            )
        # What start-up built (specs, compiled plans, fixtures) lives as long as the process: keep it
        # out of the cyclic collector's way, which otherwise rescans it on every full collection (~10%
        # of the CPU a request costs, measured under load).
        gc.freeze()
        server.run(sockets=[sock])
    finally:
        app.world.close()  # with --state: a checkpoint for a fast next start, and the file released
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("stopped", flush=True)
    return 0


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _banner(app: MockApp, url: str) -> str:
    lines = [f"sms-mockserver {__version__} listening on {url}"]
    for name, details in app.world.describe().items():
        title = app.world.providers[name].title
        lines.append(f"  {name:<11} {url}{app.paths[name]}   docs: {url}/{name}/ui/   ({title})")
        lines.extend(f"              {line}" for line in details)
        lines.append(f"              engine: {app.engines[name]}")
    lines.append(f"  admin       {url}/__admin   docs: {url}/__admin/ui/")
    lines.append(f"  state       {_state_line(app)}")
    lint = (
        "strict: what the real servers forgive is a 400"
        if app.settings.strict
        else "client warnings in the journal"
    )
    lines.append(f"  lint        {lint}")
    lines.append(f"  web pages   {url}/" + ("?token=<the admin token>" if app.settings.admin_token else ""))
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def _state_line(app: MockApp) -> str:
    state = app.world.state_file
    if state is None:
        return "in memory: a restart starts again from the fixtures (--state FILE keeps it)"
    if app.world.resumed:
        return f"{state.path}, as the last run left it (--reset-state starts it again from the fixtures)"
    return f"{state.path}, new: built from the fixtures"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
