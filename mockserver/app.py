"""Assembles the ASGI app: one API per spec (providers and control plane), plus their docs pages."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connexion.json_schema import resolve_refs
from connexion.middleware import ConnexionMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions
from starlette.types import Receive, Scope, Send

from mockserver import resources
from mockserver.admin.handlers import AdminHandlers
from mockserver.core.backend import Backend, BackendSnapshot
from mockserver.core.dispatch import DEFAULT_MAX_BODY, Api, Exchange, Observer, send_response
from mockserver.core.errors import ApiError, DomainError, HttpProblem, Problem, to_api_error
from mockserver.core.faults import Faults
from mockserver.core.fixtures import FixtureDocument, FixtureError, FixtureSchema, load_yaml, read_document
from mockserver.core.journal import MAX_BODY_CHARS, Journal, JournalEntry
from mockserver.core.render import Response, json_response
from mockserver.core.routes import RouteTable
from mockserver.providers.base import Provider
from mockserver.providers.jframework import PROVIDER as JFRAMEWORK
from mockserver.providers.twosms import PROVIDER as TWOSMS

PROVIDERS: tuple[Provider, ...] = (JFRAMEWORK, TWOSMS)
ADMIN = "__admin"
TENANTS = "admin.tenants"
"""owner key (`brand:...`, `account:...`) -> tenant id."""
DOCS_PATHS = ("/ui", "/openapi.json")
"""Under each mount, served by Connexion's Swagger UI rather than by the API."""

logger = logging.getLogger("mockserver")


@dataclass(frozen=True, slots=True)
class TenantOwner:
    """Credentials' owner (`brand:...`, `account:...`) created for a tenant."""

    owner: str
    tenant: str


class MockApp:
    """The fake: an ASGI app plus the state behind it (reset, snapshot, restore, load)."""

    def __init__(
        self,
        fixtures: Sequence[str | Path] | None = None,
        *,
        seed: int = 0,
        validate_responses: bool = True,
        max_body: int = DEFAULT_MAX_BODY,
        providers: Sequence[Provider] = PROVIDERS,
        journal_limit: int = 10_000,
    ) -> None:
        self.backend = Backend(seed=seed)
        self.providers = {p.name: p for p in providers}
        self.journal = Journal(journal_limit)
        self.faults = Faults()
        self.snapshots: dict[str, BackendSnapshot] = {}
        self.handlers: dict[str, Any] = {}
        self.fixture_schema = FixtureSchema(resources.fixture_schema())
        paths = [resources.default_fixtures()] if fixtures is None else [_fixture_path(f) for f in fixtures]
        self.load([read_document(p) for p in paths])
        self.baseline = self.backend.snapshot()
        self.apis = self._build(validate_responses, max_body)
        self.docs = self._docs()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await _lifespan(scope, receive, send)
            return
        path = scope["path"]
        name = path.split("/", 2)[1]
        api = self.apis.get(name)
        if api is None or path[len(name) + 1 :].startswith(DOCS_PATHS):
            await self.docs(scope, receive, send)
        else:
            await api(scope, receive, send)

    def _journal(self, provider: str) -> Observer:
        """Records each request a provider answered (secrets are masked when the entry is read)."""

        def record(scope: Scope, exchange: Exchange) -> None:
            headers = tuple(scope["headers"])
            self.journal.record(
                JournalEntry(
                    at=self.backend.clock.now(),
                    provider=provider,
                    method=exchange.method,
                    path=exchange.path,
                    query=scope.get("query_string", b"").decode("latin-1"),
                    status=exchange.status,
                    duration_ms=round((time.perf_counter() - exchange.started) * 1000, 3),
                    tenant=self._tenant_of_request(provider, headers) if self._has_tenants() else None,
                    raw_headers=headers,
                    raw_body=exchange.body[: MAX_BODY_CHARS * 4],
                )
            )

        return record

    def _has_tenants(self) -> bool:
        with self.backend.store.transaction() as tx:
            return tx.count(TENANTS) > 0

    def _tenant_of_request(self, provider: str, headers: tuple[tuple[bytes, bytes], ...]) -> str | None:
        lowered = {k.decode("latin-1"): v.decode("latin-1") for k, v in headers}
        with self.backend.store.transaction() as tx:
            return self.tenant_of(self.providers[provider].owner_of(tx, lowered))

    # -- state ----------------------------------------------------------------------------------
    def load(self, documents: Sequence[FixtureDocument]) -> None:
        """Add fixture documents, all or nothing: any problem raises FixtureError and loads none."""
        self.fixture_schema.check(documents)
        lines = []
        with self.backend.store.transaction() as tx:
            for document in documents:
                for name, section in document.data.items():
                    try:
                        self.providers[name].load_fixtures(tx, section, self.backend)
                    except DomainError as exc:
                        lines.append(f"{document.source}: /{name}{exc.field or ''}: {exc.message}")
            if lines:
                raise FixtureError(lines)

    def reset(self) -> None:
        """Back to right after the fixtures were loaded: state, outbox, journal, faults, clock."""
        self.backend.restore(self.baseline)
        self.backend.clock.reset()
        self.journal.clear()
        self.faults.clear()

    def snapshot(self, name: str) -> None:
        self.snapshots[name] = self.backend.snapshot()

    def restore(self, name: str) -> None:
        """Back to a named snapshot; KeyError if there is none by that name."""
        self.backend.restore(self.snapshots[name])

    def clock_moved(self) -> None:
        """Let every provider react to a change of the fake clock (queued messages go out)."""
        for handlers in self.handlers.values():
            tick = getattr(handlers, "tick", None)
            if tick is not None:
                tick()

    def create_tenant(self) -> dict[str, Any]:
        """A tenant with fresh credentials in every provider, isolated from everyone else's."""
        with self.backend.store.transaction() as tx:
            tenant_id = self.backend.ids.alphanumeric("tenant", 10).lower()
            credentials: dict[str, Any] = {"id": tenant_id}
            owners = []
            for name, provider in self.providers.items():
                credentials[name], owner = provider.create_tenant(tx, self.backend, tenant_id)
                owners.append(owner)
            for owner in owners:
                tx.put(TENANTS, owner, TenantOwner(owner, tenant_id))
        return credentials

    def tenant_of(self, owner: str | None) -> str | None:
        """The tenant an owner key (`brand:...`, `account:...`) belongs to, if any."""
        if owner is None:
            return None
        with self.backend.store.transaction() as tx:
            link: TenantOwner | None = tx.get(TENANTS, owner)
        return link.tenant if link is not None else None

    def describe(self) -> dict[str, list[str]]:
        with self.backend.store.transaction() as tx:
            return {name: p.describe(tx) for name, p in self.providers.items()}

    # -- assembly -------------------------------------------------------------------------------
    def _build(self, validate_responses: bool, max_body: int) -> dict[str, Api]:
        """One API per spec, keyed by its mount name: the providers, then the control plane."""
        apis = {}
        for provider in self.providers.values():
            routes = route_table(provider.spec_file, f"/{provider.name}")
            handlers = self.handlers[provider.name] = provider.build_handlers(self.backend, routes)
            apis[provider.name] = Api(
                routes,
                handlers,
                _provider_errors(provider, self.backend),
                max_body=max_body,
                faults=self.faults,
                provider=provider.name,
                validate_responses=validate_responses,
                on_served=self._journal(provider.name),
                transaction=self.backend.store.transaction,
            )
        admin_routes = route_table("admin.yaml", f"/{ADMIN}")
        apis[ADMIN] = Api(
            admin_routes,
            AdminHandlers(self),
            _admin_errors(self.backend),
            max_body=max_body,
            validate_responses=validate_responses,
        )
        return apis

    def _docs(self) -> ConnexionMiddleware:
        """Swagger UI and the spec of every API at `/<name>/ui/`; any other path is a plain 404."""
        docs = ConnexionMiddleware(_not_found, middlewares=[SwaggerUIMiddleware])
        for name in self.apis:
            spec_file = self.providers[name].spec_file if name in self.providers else "admin.yaml"
            docs.add_api(
                resources.data_path("openapi", spec_file),
                base_path=f"/{name}",
                name=name,
                swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
            )
        return docs


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


def route_table(spec_file: str, base_path: str) -> RouteTable:
    """What a bundled spec says per route, refs resolved."""
    spec = load_yaml(resources.data_path("openapi", spec_file).read_bytes())
    return RouteTable(resolve_refs(spec), base_path, source=f"openapi/{spec_file}")


def _plain_error(error: ApiError) -> Response:
    """Outside every provider's prefix there is no provider format to follow."""
    body: dict[str, Any] = {"status": error.status, "errors": [p.message for p in error.problems]}
    return json_response(body, error.status, error.headers)


def _fixture_path(value: str | Path) -> Path:
    """`default` names the bundled demo world; anything else is a file path."""
    return resources.default_fixtures() if str(value) == "default" else Path(value)


def create_app(fixtures: Sequence[str | Path] | None = None, **options: Any) -> MockApp:
    """Build the fake on `fixtures` (default: the bundled demo world). Raises FixtureError."""
    return MockApp(fixtures, **options)
