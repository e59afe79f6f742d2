"""Tiny inline specs served two ways: by the engine, and by Connexion 3's own AsyncApp pipeline.

Connexion defines what a spec means, so every inline test asks both and compares: the same status
for every request, the same body for every success. Where the engine differs on purpose, the test
names the difference from DIFFERENCES (one table, each with its reason) and checks it is real.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx
from connexion import AsyncApp
from connexion.json_schema import resolve_refs
from connexion.lifecycle import ConnexionResponse
from connexion.resolver import Resolver
from connexion.security import (
    ApiKeySecurityHandler,
    BasicSecurityHandler,
    BearerSecurityHandler,
    OAuthSecurityHandler,
)

from mockserver.engine.connexion_api import bound_security
from mockserver.engine.dispatch import Api
from mockserver.engine.render import json_response
from mockserver.engine.routes import RouteTable
from mockserver.errors import HttpProblem, to_api_error

logging.getLogger("connexion").setLevel(logging.CRITICAL)

DIFFERENCES = {
    "header-types": "Connexion 3 checks header and cookie values as raw text, so a non-string header "
    "schema refuses every request; the engine converts them like path values.",
    "ecma-pattern": "OpenAPI says `pattern` is ECMA-262: `$` ends the text. Connexion uses Python's `re`, "
    "where `$` also matches before a final newline (`+15005550006\\n` would pass an E.164 pattern).",
    "int-format": "`format: int32`/`int64` are ranges here; Connexion (Python jsonschema) ignores them.",
    "charset": "The body is decoded with the charset the request names (utf-16 and all); Connexion reads "
    "only `charset=` with no space before it and answers 500 to a body it then cannot decode.",
    "not-acceptable": "An Accept that allows none of the operation's media types is a 406; Connexion never "
    "looks at Accept.",
    "text-charset": "A charset that is not a text encoding (`rot13`, `base64`) is a 415; Connexion answers "
    "500 (LookupError or a failed decode).",
    "undecodable-body": "A JSON body that is not valid in its charset is a 400 in the provider's envelope; "
    "Connexion lets the UnicodeDecodeError escape and answers 500.",
    "line-break-in-path": "A path whose decoded text holds a line feed (`/sms/J%0A3`) is routed by the spec; "
    "under Connexion, Starlette's `Mount` pattern (`.*` without DOTALL) cannot match it and answers 404.",
    "wrong-scheme-wording": "When no credential is present the 401 names the missing header; Connexion "
    "says 'No authorization token provided' (same status).",
    "trailing-slash": "A path with a trailing slash the spec does not declare (`/items/` for `/items`) is a "
    "404 in the provider's envelope; Connexion (Starlette's redirect_slashes) answers 307 to the path "
    "without it, which a client following redirects would take for the same resource.",
    "body-without-content-type": "A body sent with no Content-Type is read as the operation's first declared "
    "media type and reaches the handler decoded; Connexion validates it so but hands the handler raw bytes "
    "(a handler reading the schema's members answers 500).",
    "overridden-parameter": "An operation's parameter overrides the path item's of the same name and place "
    "(OpenAPI); Connexion keeps both, converting by the path item's schema and checking by both, so a value "
    "valid for the operation's alone is a 400 there.",
    "form-field-limit": "A form body with more than 1000 fields is read whole (within the body size limit); "
    "under Connexion, Starlette's form parser raises MultiPartException and the answer is a 500.",
    "not-a-number": "A number parameter given `nan` or `inf` is a 400 (JSON has no such number, and no "
    "bound can hold it); Connexion passes float('nan') to the handler, or answers 500 where `multipleOf` "
    "meets it.",
    "deep-object-nesting": "A deepObject key nested past its schema (`filter[a][x]` where `a` is an integer) "
    "is a 400 naming the member, and so is the parameter's own name given plain (`filter=2.5`); Connexion "
    "answers 500 (it indexes into a string), or drops the key when the same member also came plain.",
    "allow-lists-every-method": "A 405's `Allow` names every method the path has (HEAD with GET); "
    "Connexion routes each operation separately and names only the first route's methods.",
    "form-untyped-items": "A form field with no `type` of its own (an `anyOf` of an enum's number and name), "
    "or an array whose items have none (an `allOf` of a `$ref`), is read with the type found through them; "
    "Connexion's form reader looks up `['type']` and answers 500 (KeyError).",
}


def spec_of(paths: dict, *, components: dict | None = None, security: list | None = None) -> dict:
    spec: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "inline", "version": "1"}, "paths": paths}
    if components:
        spec["components"] = components
    if security is not None:
        spec["security"] = security
    return spec


def _render_error(exc: Exception, exchange: Any) -> Any:
    error = to_api_error(exc)
    return json_response(
        {"status": error.status, "problems": [[p.field, p.message] for p in error.problems]},
        error.status,
        error.headers,
    )


def engine(spec: dict, handlers: Any) -> Api:
    return Api(RouteTable(resolve_refs(copy.deepcopy(spec)), "", source="inline"), handlers, _render_error)


class _BoundResolver(Resolver):
    """operationIds name methods of one handlers object (as the engine binds them)."""

    def __init__(self, handlers: Any) -> None:
        super().__init__()
        self.handlers = handlers

    def resolve_function_from_operation_id(self, operation_id: str) -> Any:
        return getattr(self.handlers, operation_id)


def connexion_app(spec: dict, handlers: Any) -> AsyncApp:
    app = AsyncApp(__name__)
    security_map = {
        "apiKey": bound_security(ApiKeySecurityHandler, handlers),
        "basic": bound_security(BasicSecurityHandler, handlers),
        "bearer": bound_security(BearerSecurityHandler, handlers),
        "oauth2": bound_security(OAuthSecurityHandler, handlers),
    }
    app.add_api(
        copy.deepcopy(spec),
        resolver=_BoundResolver(handlers),
        security_map=security_map,
        pythonic_params=True,
    )
    app.add_error_handler(HttpProblem, _problem)  # the providers' way to say 403 (Connexion: Forbidden)
    return app


def _problem(request: Any, exc: HttpProblem) -> ConnexionResponse:
    return ConnexionResponse(status_code=exc.status, body=b"{}", content_type="application/json")


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    params: Any = None

    def __str__(self) -> str:
        return f"{self.method} {self.path} params={self.params} headers={self.headers} body={self.content!r}"


async def _send(app: Any, request: Request) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://inline") as client:
        return await client.request(
            request.method,
            request.path,
            headers=request.headers,
            content=request.content,
            params=request.params,
        )


def served(spec: dict, handlers: Any, request: Request) -> tuple[httpx.Response, httpx.Response]:
    """The engine's answer and Connexion's to the same request on fresh apps."""

    async def both() -> tuple[httpx.Response, httpx.Response]:
        return await _send(engine(spec, handlers), request), await _send(
            connexion_app(spec, handlers), request
        )

    return asyncio.run(both())


def check(
    spec: dict,
    handlers: Any,
    request: Request,
    status: int,
    body: Any = None,
    *,
    differs: str | None = None,
) -> httpx.Response:
    """The engine answers `status` (and `body`); Connexion agrees, unless `differs` names why not."""
    mine, theirs = served(spec, handlers, request)
    assert mine.status_code == status, f"{request}: engine {mine.status_code} {mine.text}"
    if body is not None:
        assert mine.json() == body
    if differs is None:
        assert theirs.status_code == mine.status_code, (
            f"{request}: Connexion {theirs.status_code} {theirs.text}"
        )
        if status < 300:
            assert theirs.json() == mine.json(), request
    else:
        assert differs in DIFFERENCES
        assert theirs.status_code != mine.status_code, f"{request}: no difference for {differs!r} any more"
    return mine
