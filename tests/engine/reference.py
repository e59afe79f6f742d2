"""The providers served by Connexion's own AsyncApp pipeline: the reference the engine is compared with.

Not a product mode. Connexion does the routing, parameters, security and JSON validation; the same
handler objects do the work, on a world of their own. What Connexion leaves to the application is
filled in the way its documentation (and our stack notes) say to: an XML body validator in
`validator_map` (our codec parses, Connexion's Draft 4 validator decides), a `text/json` body (which
Connexion validates but passes on as bytes) decoded in the handler, content negotiation in the
handler with Werkzeug's `MIMEAccept`, one store transaction around each handler, and error handlers
that map the providers' exceptions to their statuses. Only statuses are compared for errors, so an
error body here only names the exception, for the failure report.
"""

from __future__ import annotations

import copy
import inspect
import json
from typing import Any

from connexion import AsyncApp, request
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem, NonConformingResponseBody, ProblemException
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator
from connexion.lifecycle import ConnexionResponse
from connexion.resolver import Resolver
from connexion.security import ApiKeySecurityHandler, BasicSecurityHandler, BearerSecurityHandler
from connexion.validators import VALIDATOR_MAP, AbstractRequestBodyValidator, AbstractResponseBodyValidator
from jsonschema import Draft4Validator, ValidationError
from starlette.exceptions import HTTPException
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from mockserver.app import MockApp
from mockserver.engine import xmlcodec
from mockserver.engine.dispatch import as_response
from mockserver.engine.routes import RouteTable
from mockserver.engine.specs import route_table
from mockserver.errors import DomainError, HttpProblem, to_api_error
from mockserver.providers.base import Provider

from .harness import _bound


class XMLBodyValidator(AbstractRequestBodyValidator):
    async def _parse(self, stream: Any, scope: Any) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw:
            return None
        try:
            value = xmlcodec.loads(raw, self._schema)
        except xmlcodec.XMLDecodeError as exc:
            raise BadRequestProblem(detail=str(exc)) from None
        scope.setdefault("extensions", {}).setdefault("connexion_context", {})["xml_body"] = value
        return value

    def _validate(self, body: Any) -> None:
        if body is None and not self._nullable:
            raise BadRequestProblem("Request body must not be empty")
        try:
            Draft4RequestValidator(self._schema, format_checker=Draft4Validator.FORMAT_CHECKER).validate(body)
        except ValidationError as exc:
            raise BadRequestProblem(detail=exc.message) from None


class XMLResponseValidator(AbstractResponseBodyValidator):
    def _parse(self, stream: Any) -> Any:
        raw = b"".join(stream)
        try:
            return xmlcodec.loads(raw, self._schema) if raw else None
        except xmlcodec.XMLDecodeError as exc:
            raise NonConformingResponseBody(detail=str(exc)) from None

    def _validate(self, body: Any) -> None:
        try:
            Draft4ResponseValidator(self._schema, format_checker=Draft4Validator.FORMAT_CHECKER).validate(
                body
            )
        except ValidationError as exc:
            raise NonConformingResponseBody(detail=exc.message) from None


VALIDATORS = {
    "body": MediaTypeDict(
        {**VALIDATOR_MAP["body"], "application/xml": XMLBodyValidator, "text/xml": XMLBodyValidator}
    ),
    "response": MediaTypeDict(
        {
            **VALIDATOR_MAP["response"],
            "application/xml": XMLResponseValidator,
            "text/xml": XMLResponseValidator,
        }
    ),
}


class _Handlers(Resolver):
    """operationIds resolve to the provider's handler methods, called the way the engine calls them."""

    def __init__(self, handlers: Any, routes: RouteTable, world: MockApp) -> None:
        super().__init__()
        self.handlers = handlers
        self.routes = routes
        self.world = world

    def resolve_function_from_operation_id(self, operation_id: str) -> Any:
        method = getattr(self.handlers, operation_id)
        operation = self.routes.operations[operation_id]
        produces = operation.produces
        wanted = set(inspect.signature(method).parameters)

        async def call(**kwargs: Any) -> ConnexionResponse:
            if "xml_body" in kwargs:
                kwargs["body"] = kwargs.pop("xml_body")
            elif isinstance(kwargs.get("body"), bytes) and request.mimetype.endswith("json"):
                # Connexion validates `text/json` as JSON but hands the handler bytes (it decodes
                # only application/json and application/*+json): the handler decodes it.
                kwargs["body"] = json.loads(kwargs["body"])
            media_type = _negotiate(produces) if produces else None
            arguments = {k: v for k, v in kwargs.items() if k in wanted}
            with self.world.world.store.transaction():
                result = await method(**arguments)
            response = as_response(result, media_type, operation)
            return ConnexionResponse(
                status_code=response.status,
                body=response.body,
                content_type=response.media_type,
                headers=response.headers,
            )

        return call


def _negotiate(produces: list[str]) -> str:
    """Content negotiation as Connexion's users write it (Connexion itself never reads Accept)."""
    accept = request.headers.get("accept") or "*/*"
    chosen = parse_accept_header(accept, MIMEAccept).best_match(produces)
    if chosen is None:
        raise HttpProblem(406, "not acceptable")
    return chosen


def connexion_reference(world: MockApp, provider: Provider) -> AsyncApp:
    """`provider` mounted at `/<name>` by Connexion, over the handlers and state of `world`."""
    routes = route_table(provider.spec, f"/{provider.name}")
    handlers = world.world.handlers[provider.name]
    app = AsyncApp(__name__)
    app.add_api(
        copy.deepcopy(routes.spec),
        base_path=f"/{provider.name}",
        resolver=_Handlers(handlers, routes, world),
        security_map={
            "apiKey": _bound(ApiKeySecurityHandler, handlers),
            "basic": _bound(BasicSecurityHandler, handlers),
            "bearer": _bound(BearerSecurityHandler, handlers),
        },
        validator_map=VALIDATORS,
        validate_responses=True,
        pythonic_params=True,
    )

    def status_of(exc: Exception) -> int:
        if isinstance(exc, DomainError):
            return provider.from_domain(exc).status
        if isinstance(exc, ProblemException):
            return exc.status
        if isinstance(exc, HTTPException):
            return exc.status_code
        return to_api_error(exc).status

    def answer(request: Any, exc: Exception) -> ConnexionResponse:
        body = json.dumps({"exception": repr(exc)[:500]})  # only for the failure report
        return ConnexionResponse(status_code=status_of(exc), body=body, content_type="application/json")

    for kind in (DomainError, HttpProblem, ProblemException, HTTPException, Exception):
        app.add_error_handler(kind, answer)

    due = world.world.catch_up_with(provider.name)

    async def catching_up(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and due is not None:  # as the fake does before every provider request
            due()
        await app(scope, receive, send)

    return catching_up
