"""Assembles the ASGI app: one API per spec (providers and control plane), plus their docs pages."""

from __future__ import annotations

import copy
import logging
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

with warnings.catch_warnings():
    # Connexion 3.3 imports names jsonschema has deprecated (RefResolver): not ours to fix, and not
    # for our users to see in their own test runs.
    warnings.simplefilter("ignore", DeprecationWarning)
    from connexion.json_schema import resolve_refs
    from connexion.middleware import ConnexionMiddleware
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware
    from connexion.options import SwaggerUIOptions
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from mockserver import registry, resources
from mockserver.admin.handlers import AdminHandlers
from mockserver.engine.dispatch import (
    DEFAULT_MAX_BODY,
    Api,
    Exchange,
    Observer,
    request_headers,
    send_response,
)
from mockserver.engine.render import Response, json_response
from mockserver.engine.routes import RouteTable
from mockserver.errors import ApiError, DomainError, HttpProblem, Problem, to_api_error
from mockserver.fixtures import load_yaml
from mockserver.guard import COOKIE, Guard
from mockserver.providers.base import Provider
from mockserver.state.backend import Backend
from mockserver.state.journal import DEFAULT_MAX_BYTES, MAX_BODY_BYTES, JournalEntry, bounded_headers
from mockserver.web.ui import WebUI
from mockserver.world import World

ADMIN = "__admin"
WEB = ("", "_")
"""First path segments of the web pages: `/` (landing) and `/_/...` (inbox, requests, ...)."""
DOCS_PATHS = ("/ui", "/openapi.json")
"""Under each mount, served by Connexion's Swagger UI rather than by the API."""

logger = logging.getLogger("mockserver")


class MockApp:
    """The fake as an ASGI app: one API per provider plus the control plane, over one World."""

    def __init__(
        self,
        world: World,
        *,
        validate_responses: bool = True,
        max_body: int = DEFAULT_MAX_BODY,
        guard: Guard | None = None,
        strict: bool = False,
        log_warnings: bool = False,
    ) -> None:
        self.world = world
        self.guard = guard or Guard()
        self.strict = strict
        """Forgive nothing a provider's real stack would forgive (see engine/binding.py)."""
        self.log_warnings = log_warnings
        """Log each request's client warnings (with the access log)."""
        self.admin_spec = admin_spec(world.providers.values())
        # Each spec is read once: the engine resolves its refs, Swagger UI shows it as written.
        specs = {name: load_spec(p.spec) for name, p in self.providers.items()}
        self.apis = self._build(specs, validate_responses, max_body)
        self.docs = self._docs({name: written for name, (written, _) in specs.items()})
        self.web = WebUI(world, admin_prefix=f"/{ADMIN}")

    # The World's parts, for code that holds the app (tests, the server).
    @property
    def backend(self) -> Backend:
        return self.world.backend

    @property
    def handlers(self) -> dict[str, Any]:
        return self.world.handlers

    @property
    def providers(self) -> dict[str, Provider]:
        return self.world.providers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await _lifespan(scope, receive, send)
            return
        path = scope["path"]
        name = path.split("/", 2)[1]
        api = self.apis.get(name)
        if api is not None and not path[len(name) + 1 :].startswith(DOCS_PATHS):
            if name == ADMIN and (refusal := self._refusal(scope, request_headers(scope), admin=True)):
                await send_response(send, refusal)
            else:
                await api(scope, receive, send)
        elif name in WEB:
            await self._web(scope, receive, send)
        else:
            await self._docs_or_404(scope, receive, send)

    def _refusal(self, scope: Scope, headers: Mapping[str, str], *, admin: bool) -> Response | None:
        """The control plane's and the web pages' own protection (see guard.py)."""
        try:
            self.guard.check_site(headers)
            if admin:
                try:
                    self.apis[ADMIN].routes.resolve(scope["method"], scope["path"])
                except HttpProblem:
                    return None  # 404 and 405 come first: the API answers them itself
                self.guard.check_admin(scope["method"], headers)
        except HttpProblem as exc:
            return _plain_error(ApiError(exc.status, problems=exc.problems, headers=exc.headers))
        return None

    async def _web(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = request_headers(scope)
        refusal = self._refusal(scope, headers, admin=False)
        if (
            refusal is None
            and self.guard.token is not None
            and not _public_page(scope["path"], self.providers)
        ):
            refusal = _token_page(scope, headers, self.guard)
        if refusal is not None:
            await send_response(send, refusal)
        else:
            await self.web(scope, receive, send)

    async def _docs_or_404(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Swagger UI's assets; an unknown one is a quiet 404 (its static files raise one)."""
        try:
            await self.docs(scope, receive, send)
        except HTTPException as exc:
            await send_response(
                send, _plain_error(ApiError(exc.status_code, problems=[Problem(str(exc.detail))]))
            )

    def _journal(self, provider: str) -> Observer:
        """Records each request a provider answered (secrets are masked when the entry is read)."""
        world = self.world

        def record(scope: Scope, exchange: Exchange) -> None:
            tenant = None
            if world.has_tenants():
                tenant = world.tenant_of_request(provider, request_headers(scope))
            world.journal.record(
                JournalEntry(
                    at=world.backend.clock.now(),
                    provider=provider,
                    method=exchange.method,
                    path=exchange.path,
                    query=scope.get("query_string", b"").decode("latin-1"),
                    status=exchange.status,
                    duration_ms=round((time.perf_counter() - exchange.started) * 1000, 3),
                    tenant=tenant,
                    raw_headers=bounded_headers(tuple(scope["headers"])),
                    raw_body=exchange.body[:MAX_BODY_BYTES],
                    dropped=exchange.dropped,
                    warnings=tuple(exchange.warnings or ()),
                    **_answer_if_error(exchange),
                )
            )
            if exchange.warnings and self.log_warnings:
                for warning in exchange.warnings:
                    logger.warning(
                        "%s %s: client warning %s at %s: %s",
                        exchange.method,
                        exchange.path,
                        warning.code,
                        warning.where,
                        warning.message,
                    )

        return record

    # -- assembly -------------------------------------------------------------------------------
    def _build(
        self, specs: Mapping[str, tuple[dict[str, Any], Path]], validate_responses: bool, max_body: int
    ) -> dict[str, Api]:
        """One API per spec (`load_spec`'s, by provider), keyed by its mount name: the providers,
        then the control plane."""
        world, apis = self.world, {}
        for provider in self.providers.values():
            apis[provider.name] = Api(
                route_table(provider.spec, f"/{provider.name}", specs[provider.name]),
                world.handlers[provider.name],
                _provider_errors(provider, world.backend),
                max_body=max_body,
                faults=world.faults,
                provider=provider.name,
                validate_responses=validate_responses,
                on_served=self._journal(provider.name),
                transaction=world.backend.store.transaction,
                strict=self.strict,
            )
        admin_routes = RouteTable(resolve_refs(copy.deepcopy(self.admin_spec)), f"/{ADMIN}", source="admin")
        apis[ADMIN] = Api(
            admin_routes,
            AdminHandlers(world),
            _admin_errors(world.backend),
            max_body=max_body,
            validate_responses=validate_responses,
        )
        return apis

    def _docs(self, written: Mapping[str, dict[str, Any]]) -> ConnexionMiddleware:
        """Swagger UI and the spec of every API at `/<name>/ui/` (providers' as `written`); any
        other path is a plain 404."""
        docs = ConnexionMiddleware(_not_found, middlewares=[SwaggerUIMiddleware])
        specs: dict[str, Any] = {**written, ADMIN: copy.deepcopy(self.admin_spec)}
        for name, spec in specs.items():
            docs.add_api(
                spec,
                base_path=f"/{name}",
                name=name,
                swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
            )
        return docs


def _public_page(path: str, providers: Mapping[str, Provider]) -> bool:
    """A provider's own pages (the recipient page an SMS link opens) and the static assets are
    part of the fake's public face, like the providers' APIs: no admin token for them."""
    parts = path.split("/")
    return len(parts) > 2 and parts[1] == "_" and (parts[2] == "static" or parts[2] in providers)


def _token_page(scope: Scope, headers: Mapping[str, str], guard: Guard) -> Response | None:
    """With an admin token: `?token=` (right) sets the cookie and comes back without it; without
    the cookie, a page that says how to get in."""
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    given = query.pop("token", None)
    if given is not None and guard.matches(given):
        location = scope["path"] + (f"?{urlencode(query)}" if query else "")
        cookie = f"{COOKIE}={given}; Path=/; HttpOnly; SameSite=Strict"
        return Response(303, b"", "text/plain", {"Location": location, "Set-Cookie": cookie})
    if guard.cookie_ok(headers):
        return None
    text = (
        b"<!doctype html><title>sms-mockserver</title><p>This fake has an admin token: open this "
        b"page once as <code>?token=&lt;the token&gt;</code>.</p>"
    )
    return Response(401, text, "text/html; charset=utf-8", {})


def _answer_if_error(exchange: Exchange) -> dict[str, Any]:
    """An error's answer is kept (bounded) for the requests view; a success's is not (cost)."""
    answer = exchange.answer
    if answer is None or answer.status < 400:
        return {}
    return {"error_body": answer.body[:MAX_BODY_BYTES], "response_type": answer.media_type}


EMPTY_JSON_BODY = {
    "description": "`{}`: every change to the fake declares JSON, so no other site's page can send one.",
    "required": True,
    "content": {"application/json": {"schema": {"type": "object", "maxProperties": 0}}},
}


def admin_spec(providers: Iterable[Provider]) -> dict[str, Any]:
    """openapi/admin.yaml with the registered providers filled in: the `provider` enums and the
    tenant's credentials (one object per provider)."""
    spec = load_yaml(resources.data_path("openapi", "admin.yaml").read_bytes())
    names = [p.name for p in providers]
    schemas = spec["components"]["schemas"]
    schemas["ProviderName"] = {"type": "string", "enum": names}
    for path_item in spec["paths"].values():
        for method, operation in path_item.items():
            if method in ("get", "put", "post", "delete", "patch"):
                refusals = ["401", "403"] + ([] if method == "get" else ["400", "415"])
                for status in refusals:  # guard.py's answers, whatever the operation
                    operation["responses"].setdefault(status, {"$ref": "#/components/responses/Error"})
                if method != "get" and "requestBody" not in operation:
                    operation["requestBody"] = EMPTY_JSON_BODY
    schemas["Tenant"]["required"] = ["id", *names]
    for name in names:
        schemas["Tenant"]["properties"][name] = {"type": "object", "additionalProperties": {"type": "string"}}
    return spec


def _provider_errors(provider: Provider, backend: Backend) -> Any:
    """Every failure on a provider route, in that provider's envelope and negotiated format."""

    def render(exc: Exception, exchange: Exchange) -> Response:
        error = provider.from_domain(exc) if isinstance(exc, DomainError) else to_api_error(exc)
        _log(error, exc, exchange, backend)
        return provider.render_error(error, exchange.media_type, exchange.operation)

    return render


def _admin_errors(backend: Backend) -> Any:
    def render(exc: Exception, exchange: Exchange) -> Response:
        error = to_api_error(exc)
        _log(error, exc, exchange, backend)
        return _plain_error(error)

    return render


def _log(error: ApiError, exc: Exception, exchange: Exchange, backend: Backend) -> None:
    error.correlation_id = backend.ids.uuid("correlation")
    if error.status >= 500 and not isinstance(exc, HttpProblem):
        logger.error(
            "%s %s failed (correlationId %s)",
            exchange.method,
            exchange.path,
            error.correlation_id,
            exc_info=exc,
        )


async def _lifespan(scope: Scope, receive: Receive, send: Send) -> None:
    """Nothing to start or stop (state lives in the MockApp); websockets are not served."""
    if scope["type"] != "lifespan":
        return
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    error = ApiError(404, problems=[Problem("The requested URL was not found on this server.")])
    await send_response(send, _plain_error(error))


def load_spec(spec: str | Path) -> tuple[dict[str, Any], Path]:
    """A spec as written (refs not resolved), and its file. A bare file name is a bundled spec
    (`openapi/`)."""
    path = Path(spec) if Path(spec).is_absolute() else resources.data_path("openapi", str(spec))
    return load_yaml(path.read_bytes()), path


def route_table(
    spec: str | Path, base_path: str, loaded: tuple[dict[str, Any], Path] | None = None
) -> RouteTable:
    """What a spec (or the spec `load_spec` gave) says per route, refs resolved."""
    written, path = loaded or load_spec(spec)
    return RouteTable(resolve_refs(written), base_path, source=str(path))


def _plain_error(error: ApiError) -> Response:
    """Outside every provider's prefix there is no provider format to follow."""
    body: dict[str, Any] = {"status": error.status, "errors": [p.message for p in error.problems]}
    return json_response(body, error.status, error.headers)


def create_app(
    fixtures: Sequence[str | Path] | None = None,
    *,
    providers: Sequence[Provider] | None = None,
    seed: int = 0,
    journal_limit: int = 10_000,
    deterministic_secrets: bool = False,
    admin_token: str | None = None,
    allowed_hosts: Sequence[str] = (),
    journal_bytes: int = DEFAULT_MAX_BYTES,
    max_messages: int = 200_000,
    outbox_limit: int = 10_000,
    state: str | Path | None = None,
    reset_state: bool = False,
    **options: Any,
) -> MockApp:
    """Build the fake on `fixtures` (default: the bundled demo world) with the registered providers
    (or `providers`); with `state`, kept in that SQLite file (see `World`). Raises FixtureError,
    SpecError, ProviderError or StateFileError."""
    world = World(
        registry.discover() if providers is None else providers,
        fixtures,
        seed=seed,
        journal_limit=journal_limit,
        deterministic_secrets=deterministic_secrets,
        journal_bytes=journal_bytes,
        max_messages=max_messages,
        outbox_limit=outbox_limit,
        state=state,
        reset_state=reset_state,
    )
    try:
        return MockApp(world, guard=Guard.of(admin_token, allowed_hosts), **options)
    except BaseException:
        world.close()  # a spec that cannot be served must not leave the state file locked
        raise
