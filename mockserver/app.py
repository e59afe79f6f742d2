"""Assembles the ASGI app over one World: a Starlette Router of Mounts, one per API, with the
guards as middleware, Swagger UI beside each API, and the web pages. Nothing here serves a request
itself."""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # Connexion 3.3 imports names jsonschema has deprecated (RefResolver): not ours to fix.
    warnings.simplefilter("ignore", DeprecationWarning)
    from connexion.middleware import ConnexionMiddleware
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware
    from connexion.options import SwaggerUIOptions
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import registry
from mockserver.admin.handlers import AdminHandlers
from mockserver.admin.spec import admin_spec
from mockserver.admin.wording import in_words
from mockserver.engine.connexion_api import ConnexionApi
from mockserver.engine.dispatch import Api, Exchange
from mockserver.engine.engines import EngineChoice, choose_engine, mount_path
from mockserver.engine.render import Response
from mockserver.engine.routes import RouteTable
from mockserver.engine.specs import load_spec, resolved, route_table
from mockserver.errors import ApiError, DomainError, HttpProblem, SpecError, to_api_error
from mockserver.guard import AdminGuard, Guard, PageGuard, plain_error_body, refusal
from mockserver.providers.base import Provider
from mockserver.settings import Settings
from mockserver.web.ui import WebUI
from mockserver.world import World

ADMIN = "__admin"
DOCS = ("/ui", "/openapi.json")
"""Under each API's mount, served by Connexion's Swagger UI rather than by the API."""

logger = logging.getLogger("mockserver")


class MockApp(Router):
    """The fake as an ASGI app over one World, which owns all state (`app.world`): a Starlette
    Router of its mounts."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.settings = world.settings
        self.guard = Guard.of(self.settings.admin_token, self.settings.allowed_hosts)
        self.admin_spec = admin_spec(world.providers.values())
        # Each spec is read once: the engine resolves its refs, Swagger UI shows it as written.
        specs = {name: load_spec(p.spec) for name, p in world.providers.items()}
        written = {name: spec for name, (spec, _) in specs.items()}
        self.engines: dict[str, EngineChoice] = {}
        """Which engine serves each provider, and why."""
        self.paths: dict[str, str] = {}
        """Where each provider's API is served (`/<name>`, or deeper: see engines.mount_path)."""
        docs = _docs({**written, ADMIN: copy.deepcopy(self.admin_spec)})
        routes: list[BaseRoute] = [
            ApiMount(p.name, self._provider_api(p, specs[p.name]), docs) for p in world.providers.values()
        ]
        admin = self._admin_api()
        # The control plane's Swagger UI and spec are behind the admin token like the rest of it.
        admin_docs = PageGuard(docs, self.guard, public=lambda path: False)
        routes.append(
            ApiMount(ADMIN, AdminGuard(admin, self.guard, known=_known_to(admin.routes)), admin_docs)
        )
        served = {n: {"path": self.paths[n], "engine": self.engines[n]} for n in self.engines}
        pages = _unmounted(PageGuard(WebUI(world, f"/{ADMIN}", served), self.guard, public=self._public_page))
        routes += [Route("/", pages), Mount("/_", app=pages)]
        # No redirects for a missing or extra trailing slash: each API answers its own paths.
        super().__init__(routes, default=_unmounted(docs), redirect_slashes=False)
        self._apis = {r.prefix[1:]: r for r in routes if isinstance(r, ApiMount)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An API's mount is found by the path's first segment at once (a request to an API pays
        for no other route); everything else goes through the Router, its routes in order."""
        if scope["type"] == "http":
            mount = self._apis.get(scope["path"][1:].partition("/")[0])
            if mount is not None:
                scope["route"] = mount
                await mount.handle(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def _provider_api(self, provider: Provider, spec: tuple[dict[str, Any], Path]) -> ASGIApp:
        """The provider's API, served by the engine `settings.engine` picks for its spec (noted in
        `self.engines`, which the banner and the home page show)."""
        world, settings = self.world, self.settings
        routes = route_table(provider.spec, mount_path(spec[0], provider.name), spec, provider.profile)
        common: dict[str, Any] = {
            "max_body": settings.limits.max_body,
            "faults": world.faults,
            "provider": provider.name,
            "validate_responses": settings.validate_responses,
            "on_served": lambda scope, exchange: world.record(provider.name, scope, exchange),
            "transaction": world.store.transaction,
            "on_request": world.catch_up_with(provider.name),
        }
        handlers, errors = world.handlers[provider.name], _provider_errors(provider, world)
        choice = choose_engine(settings.engine, spec[0], str(spec[1]))
        if choice.engine == "compiled":
            try:
                api: ASGIApp = Api(routes, handlers, errors, strict=settings.strict, **common)
            except SpecError as exc:
                if settings.engine == "compiled":
                    raise
                choice = EngineChoice("connexion", f"the compiled engine does not take {exc}")
        if choice.engine == "connexion":
            api = ConnexionApi(routes, spec[0], handlers, errors, **common)
            if provider.profile.binds_bodies:  # said, never silently dropped
                how = f"bodies read as their schema says, not as {provider.profile.name} binds them"
                why = f"{choice.why}; {how}"
                choice = EngineChoice("connexion", why)
        self.engines[provider.name], self.paths[provider.name] = choice, routes.base_path
        return api

    def _admin_api(self) -> Api:
        return Api(
            RouteTable(resolved(copy.deepcopy(self.admin_spec)), f"/{ADMIN}", source="admin"),
            AdminHandlers(self.world),
            _admin_errors(self.world),
            max_body=self.settings.limits.max_body,
            validate_responses=self.settings.validate_responses,
        )

    def _public_page(self, path: str) -> bool:
        """A provider's own pages (the recipient page an SMS link opens) and the static assets are
        part of the fake's public face, like the providers' APIs: no admin token for them."""
        parts = path.split("/")
        return (
            len(parts) > 2 and parts[1] == "_" and (parts[2] == "static" or parts[2] in self.world.providers)
        )


class ApiMount(BaseRoute):
    """An API mounted at `/<name>`, with its Swagger UI (`/<name>/ui/`, `/<name>/openapi.json`)
    beside it. A Mount that matches its prefix as text: Starlette's own Mount, one regular expression
    and a new scope per route tried, cost every request about 6 us (a sixth of the simplest
    request's time in-process), and its pattern stops at a newline (`%0A` in a path parameter would
    miss the API). Both apps route on the whole path, so the scope is passed on as it is."""

    def __init__(self, name: str, api: ASGIApp, docs: ASGIApp) -> None:
        self.prefix, self.api, self.docs = f"/{name}", api, docs

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path, prefix = scope["path"], self.prefix
        # `/jframework/...` or `/jframework`, never `/jframeworks`
        if scope["type"] == "http" and path.startswith(prefix) and path[len(prefix) : len(prefix) + 1] in "/":
            return Match.FULL, {}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"][len(self.prefix) :].startswith(DOCS):
            await self.docs(scope, receive, send)
        else:
            await self.api(scope, receive, send)


class _unmounted:  # noqa: N801 (reads as a function where the routes are listed)
    """For an app that routes on the whole path (Connexion's Swagger UI, the web pages): the
    Mount's root_path is undone, so it sees the request as the server received it. A class, not a
    function: Starlette's Route takes a plain function for a request handler."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app({**scope, "root_path": scope.get("app_root_path", "")}, receive, send)


def _known_to(routes: RouteTable) -> Any:
    def known(method: str, path: str) -> bool:
        try:
            routes.resolve(method, path)
        except HttpProblem:
            return False  # 404 and 405 come first: the API answers them itself
        return True

    return known


def _docs(specs: Mapping[str, dict[str, Any]]) -> ASGIApp:
    """Swagger UI and the spec of every API at `/<name>/ui/` (as written); any other path is the
    fake's plain 404."""
    docs = ConnexionMiddleware(_not_found, middlewares=[SwaggerUIMiddleware])
    for name, spec in specs.items():
        docs.add_api(
            spec,
            base_path=f"/{name}",
            name=name,
            swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
        )

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        try:
            await docs(scope, receive, send)
        except HTTPException as exc:  # Swagger UI's static files raise for an unknown asset
            problem = HttpProblem(exc.status_code, str(exc.detail))
            await refusal(problem)(scope, receive, send)

    return serve


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    await refusal(HttpProblem(404, "The requested URL was not found on this server."))(scope, receive, send)


def _provider_errors(provider: Provider, world: World) -> Any:
    """Every failure on a provider route, in that provider's envelope and negotiated format."""

    def render(exc: Exception, exchange: Exchange) -> Response:
        error = provider.from_domain(exc) if isinstance(exc, DomainError) else to_api_error(exc)
        _log(error, exc, exchange, world)
        return provider.render_error(error, exchange.media_type, exchange.operation)

    return render


def _admin_errors(world: World) -> Any:
    def render(exc: Exception, exchange: Exchange) -> Response:
        error = to_api_error(exc)
        _log(error, exc, exchange, world)
        problems = in_words(error.problems, exchange.operation)
        return Response(error.status, plain_error_body(error.status, problems), headers=error.headers)

    return render


def _log(error: ApiError, exc: Exception, exchange: Exchange, world: World) -> None:
    error.correlation_id = world.ids.uuid("correlation")
    if error.status >= 500 and not isinstance(exc, HttpProblem):
        logger.error(
            "%s %s failed (correlationId %s)",
            exchange.method,
            exchange.path,
            error.correlation_id,
            exc_info=exc,
        )


def create_app(
    fixtures: Sequence[str | Path] | None = None,
    *,
    providers: Sequence[Provider] | None = None,
    settings: Settings | None = None,
    **options: Any,
) -> MockApp:
    """Build the fake on `fixtures` (default: the bundled demo world) with the registered providers
    (or `providers`). Give `settings`, or its fields as keywords (`seed=7`, `state=path`,
    `max_messages=1000`: see `mockserver.settings`). Raises FixtureError, SpecError, ProviderError
    or StateFileError."""
    if settings is None:
        settings = Settings.of(fixtures, **options)
    elif fixtures is not None or options:
        raise TypeError("give either settings or fixtures and keyword options, not both")
    world = World(registry.discover() if providers is None else providers, settings)
    try:
        return MockApp(world)
    except BaseException:
        world.close()  # a spec that cannot be served must not leave the state file locked
        raise
