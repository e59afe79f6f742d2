"""`mockserver serve | fixtures check`."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mockserver import __version__
from mockserver.core.errors import SpecError
from mockserver.core.fixtures import FixtureError

if TYPE_CHECKING:
    from mockserver.app import MockApp


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description="A stateful fake of SMS provider APIs.")
    parser.add_argument("--version", action="version", version=f"sms-mockserver {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the fake until Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    serve.add_argument(
        "--fixtures",
        action="append",
        metavar="FILE",
        help="fixture file to load instead of the demo world; repeat to add more "
        "('default' names the demo world)",
    )
    serve.add_argument("--seed", type=int, default=0, help="seed of generated ids (default 0)")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument(
        "--journal-limit",
        type=int,
        default=10_000,
        metavar="N",
        help="requests kept in the journal (default 10000)",
    )
    serve.add_argument(
        "--validate-responses",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="check every answer against the spec (off when serving: ~20%% of a request's cost; "
        "the test suite and the pytest plugin keep it on)",
    )

    contract = commands.add_parser(
        "contract", help="check a server (the fake, staging, the real provider) against a bundled spec"
    )
    contract.add_argument("--provider", required=True, choices=["jframework", "twosms"])
    contract.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8080/jframework")
    contract.add_argument("--brand-url", help="JFramework Brand-URL (or MOCKSERVER_BRAND_URL)")
    contract.add_argument("--auth-key", help="JFramework Auth-Key (or MOCKSERVER_AUTH_KEY)")
    contract.add_argument("--token", help="2SMS bearer token (or MOCKSERVER_TOKEN)")
    contract.add_argument("--client-id", help="2SMS client id, to fetch a token (or MOCKSERVER_CLIENT_ID)")
    contract.add_argument("--client-secret", help="2SMS client secret (or MOCKSERVER_CLIENT_SECRET)")
    contract.add_argument(
        "--max-examples", type=int, default=20, metavar="N", help="cases per operation and phase"
    )
    contract.add_argument(
        "--stateful", action=argparse.BooleanOptionalAction, default=True, help="run link sequences"
    )
    contract.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    contract.add_argument("--seed", type=int, default=1)

    fixtures = commands.add_parser("fixtures", help="work with fixture files")
    fixture_commands = fixtures.add_subparsers(dest="fixtures_command", required=True)
    check = fixture_commands.add_parser(
        "check", help="validate fixture files as `serve --fixtures` would load them; exit 1 on problems"
    )
    check.add_argument("files", nargs="+", metavar="FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "contract":
        return _contract(args)
    return _check_fixtures(args.files)


def _contract(args: argparse.Namespace) -> int:
    from mockserver.contract import Credentials, run

    credentials = Credentials.from_env(
        brand_url=args.brand_url,
        auth_key=args.auth_key,
        token=args.token,
        client_id=args.client_id,
        client_secret=args.client_secret,
    )
    return run(
        args.provider,
        args.base_url,
        credentials,
        max_examples=args.max_examples,
        stateful=args.stateful,
        junit=args.junit,
        seed=args.seed,
    )


def _check_fixtures(files: Sequence[str]) -> int:
    from mockserver.app import create_app

    try:
        create_app(files)  # the schema, then the providers' own rules: references, duplicates
    except FixtureError as exc:
        print("\n".join(exc.lines), file=sys.stderr)
        return 1
    print(f"{len(files)} fixture file(s) OK")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from mockserver.app import create_app
    from mockserver.server import bind, uvicorn_config

    try:
        app = create_app(
            args.fixtures,
            seed=args.seed,
            validate_responses=args.validate_responses,
            journal_limit=args.journal_limit,
        )
    except FixtureError as exc:
        print("\n".join(exc.lines), file=sys.stderr)
        return 2
    except SpecError as exc:
        print(f"cannot serve the spec: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    app.backend.public_url = f"http://{host}:{port}"
    print(_banner(app, app.backend.public_url), flush=True)

    import uvicorn

    server = uvicorn.Server(uvicorn_config(app, access_log=args.access_log, log_level="info"))
    # What start-up built (specs, compiled plans, fixtures) lives as long as the process: keep it out
    # of the cyclic collector's way, which otherwise rescans it on every full collection (~10% of
    # the CPU a request costs, measured under load).
    gc.freeze()
    server.run(sockets=[sock])
    return 0


def _banner(app: MockApp, url: str) -> str:
    lines = [f"sms-mockserver {__version__} listening on {url}"]
    for name, details in app.describe().items():
        lines.append(f"  {name:<11} {url}/{name}   docs: {url}/{name}/ui/")
        lines.extend(f"              {line}" for line in details)
    lines.append(f"  admin       {url}/__admin   docs: {url}/__admin/ui/")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
