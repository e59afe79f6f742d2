"""Assembles the ASGI app: one Connexion API per provider, each in its own envelope."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.json_schema import resolve_refs
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send

from mockserver import resources
from mockserver.admin.handlers import AdminHandlers
from mockserver.core.backend import Backend, BackendSnapshot
from mockserver.core.errors import ApiError, DomainError
from mockserver.core.faults import Faults
from mockserver.core.fixtures import FixtureDocument, FixtureError, FixtureSchema, load_yaml, read_document
from mockserver.core.http import DEFAULT_MAX_BODY, MEDIA_TYPE_KEY, RequestGuard, to_api_error
from mockserver.core.journal import MAX_BODY_CHARS, Journal, JournalEntry, mask_body, mask_headers
from mockserver.core.render import json_response
from mockserver.core.routes import Operation, RouteTable
from mockserver.core.security import bound_security_map
from mockserver.core.validation import validator_map
from mockserver.core.xmlbody import XML_MEDIA_TYPES, XMLRequestBodyValidator, XMLResponseBodyValidator
from mockserver.providers.base import Provider
from mockserver.providers.jframework import PROVIDER as JFRAMEWORK
from mockserver.providers.twosms import PROVIDER as TWOSMS

PROVIDERS: tuple[Provider, ...] = (JFRAMEWORK, TWOSMS)
ADMIN_PATH = "/__admin"
TENANTS = "admin.tenants"
"""owner key (`brand:...`, `account:...`) -> tenant id."""

XML_VALIDATOR_MAP = validator_map(
    body_validators=dict.fromkeys(XML_MEDIA_TYPES, XMLRequestBodyValidator),
    response_validators=dict.fromkeys(XML_MEDIA_TYPES, XMLResponseBodyValidator),
)

logger = logging.getLogger("mockserver")


@dataclass(frozen=True, slots=True)
class TenantOwner:
    """Credentials' owner (`brand:...` or `account:...`) created for a tenant."""

    owner: str
    tenant: str


# Connexion warns several times per request when an operation accepts several media types, and
# logs every 4xx as a warning: noise for a fake whose job is to answer bad requests.
logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)
logging.getLogger("connexion.middleware.exceptions").setLevel(logging.ERROR)
logging.getLogger("connexion.validators").setLevel(logging.CRITICAL)


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
        self._routes: dict[str, RouteTable] = {}
        self.connexion = self._build(validate_responses, max_body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Connexion's router works on a shallow copy of the scope; a shared `extensions` dict is
        # how routing facts (operation, negotiated type) reach the error handler above it.
        scope.setdefault("extensions", {})
        provider = self._provider_of(scope)
        if provider is None:
            await self.connexion(scope, receive, send)
        else:
            await self._journaled(provider, scope, receive, send)

    def _provider_of(self, scope: Scope) -> str | None:
        if scope["type"] != "http":
            return None
        name = scope["path"].split("/", 2)[1] if scope["path"].count("/") >= 1 else ""
        return name if name in self.providers and not scope["path"].startswith(f"/{name}/ui") else None

    async def _journaled(self, provider: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a provider request and record it in the journal, secrets masked."""
        started = time.perf_counter()
        at = self.backend.clock.now()
        body = bytearray()
        status = 500

        async def receive_() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(body) < MAX_BODY_CHARS * 4:
                body.extend(message.get("body", b""))
            return message

        async def send_(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.connexion(scope, receive_, send_)
        finally:
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
            lowered = {k.lower(): v for k, v in headers}
            with self.backend.store.transaction() as tx:
                tenant = self.tenant_of(self.providers[provider].owner_of(tx, lowered))
            self.journal.record(
                JournalEntry(
                    at=at,
                    provider=provider,
                    method=scope["method"],
                    path=scope["path"],
                    query=scope.get("query_string", b"").decode("latin-1"),
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 3),
                    tenant=tenant,
                    request_headers=mask_headers(headers),
                    request_body=mask_body(bytes(body), lowered.get("content-type", "")),
                )
            )

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
    def _build(self, validate_responses: bool, max_body: int) -> AsyncApp:
        app = AsyncApp(__name__)
        for provider in self.providers.values():
            base_path = f"/{provider.name}"
            routes = self._routes[base_path] = route_table(provider.spec_file, base_path)
            handlers = self.handlers[provider.name] = provider.build_handlers(self.backend, routes)
            _mount(
                app, provider.spec_file, base_path, handlers, validate_responses, bound_security_map(handlers)
            )
        self._routes[ADMIN_PATH] = route_table("admin.yaml", ADMIN_PATH)
        _mount(app, "admin.yaml", ADMIN_PATH, AdminHandlers(self), validate_responses, None)
        app.add_middleware(
            RequestGuard,
            position=MiddlewarePosition.BEFORE_SECURITY,
            operations=self._operation,
            max_body=max_body,
            faults=self.faults,
            fault_free=frozenset({ADMIN_PATH}),
        )
        for exception in (DomainError, ProblemException, StarletteHTTPException, Exception):
            app.add_error_handler(exception, self._on_error)
        return app

    def _operation(self, base_path: str, operation_id: str) -> Operation | None:
        table = self._routes.get(base_path)
        return table.operations.get(operation_id) if table else None

    def _mounted(self, path: str) -> tuple[Provider | None, RouteTable | None]:
        for base_path, table in self._routes.items():
            if table.owns(path):
                return self.providers.get(base_path.lstrip("/")), table
        return None, None

    async def _on_error(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        """Every error on a provider route, Connexion's own included, in that provider's envelope."""
        provider, table = self._mounted(request.url.path)
        if isinstance(exc, DomainError) and provider is not None:
            error = provider.from_domain(exc)
        elif isinstance(exc, ProblemException | StarletteHTTPException):
            error = to_api_error(exc)
        else:
            error = ApiError(500)
        error.correlation_id = self.backend.ids.uuid("correlation")
        if error.status >= 500:
            logger.error(
                "%s %s failed (correlationId %s)",
                request.method,
                request.url.path,
                error.correlation_id,
                exc_info=exc,
            )
        if error.status == 405 and table is not None:
            # Connexion's Allow lists one route's methods only; the spec knows them all.
            error.headers["Allow"] = ", ".join(table.allowed_methods(request.url.path))
        if provider is None:  # the control plane, or no mount at all
            return _plain_error(error)
        extensions = request.scope.get("extensions", {})
        media_type = extensions.get("connexion_context", {}).get(MEDIA_TYPE_KEY)
        operation_id = extensions.get("connexion_routing", {}).get("operation_id")
        operation = table.operations.get(operation_id) if table and operation_id else None
        return provider.render_error(error, media_type, operation)


def route_table(spec_file: str, base_path: str) -> RouteTable:
    """What a bundled spec says per route, refs resolved."""
    spec = load_yaml(resources.data_path("openapi", spec_file).read_bytes())
    return RouteTable(resolve_refs(spec), base_path)


def _mount(
    app: AsyncApp,
    spec_file: str,
    base_path: str,
    handlers: Any,
    validate_responses: bool,
    security_map: dict[str, type] | None,
) -> None:
    """One API: its operationIds resolve to methods of `handlers`, its UI at `<base_path>/ui/`."""
    app.add_api(
        resources.data_path("openapi", spec_file),
        base_path=base_path,
        name=base_path.strip("/"),
        resolver=Resolver(function_resolver=lambda op_id: getattr(handlers, op_id)),
        pythonic_params=True,
        validate_responses=validate_responses,
        validator_map=XML_VALIDATOR_MAP,
        security_map=security_map,
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
    )


def _plain_error(error: ApiError) -> ConnexionResponse:
    """Outside every provider's prefix there is no provider format to follow."""
    body: dict[str, Any] = {"status": error.status, "errors": [p.message for p in error.problems]}
    return json_response(body, error.status, error.headers)


def _fixture_path(value: str | Path) -> Path:
    """`default` names the bundled demo world; anything else is a file path."""
    return resources.default_fixtures() if str(value) == "default" else Path(value)


def create_app(fixtures: Sequence[str | Path] | None = None, **options: Any) -> MockApp:
    """Build the fake on `fixtures` (default: the bundled demo world). Raises FixtureError."""
    return MockApp(fixtures, **options)
