"""How to serve one operation, compiled from the spec at start-up so a request only runs the plan.

A plan knows the operation's security requirements, its parameters (coerced and checked), its
request body per media type, and which arguments its handler takes. Nothing here is looked up,
inspected or compiled per request.
"""

from __future__ import annotations

import builtins
import inspect
import keyword
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from mockserver.core import xmlcodec
from mockserver.core.errors import HttpProblem, Problem
from mockserver.core.render import is_xml
from mockserver.core.routes import Operation
from mockserver.core.validation import InvalidInput, SchemaCheck, decode_json

Handler = Callable[..., Awaitable[Any]]
FORM = "application/x-www-form-urlencoded"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class MissingCredentials(HttpProblem):
    """A 401 for a required credential that is absent; `field` names the header."""

    def __init__(self, header: str, detail: str | None = None) -> None:
        super().__init__(
            401, detail or f"The request is missing the required {header} header.", field=f"header:{header}"
        )


def pythonic(name: str) -> str:
    """`messageID` -> `message_id`, `type` -> `type_`: the handler's name for a parameter."""
    snake = _CAMEL.sub("_", name.replace("-", "_")).lower()
    return f"{snake}_" if keyword.iskeyword(snake) or snake in _BUILTINS else snake


_BUILTINS = frozenset(dir(builtins))


def coerce(kind: str, raw: str) -> Any:
    """Text (a path, query or form value) as its schema's type; left as text if it is not one, so
    the schema check says what is wrong."""
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw.lower(), raw)
    return raw


# -- parameters -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Param:
    name: str
    location: str
    argument: str
    required: bool
    kind: str
    default: Any
    check: SchemaCheck


def _param(spec: dict) -> Param:
    schema = spec.get("schema", {})
    return Param(
        name=spec["name"],
        location=spec["in"],
        argument=pythonic(spec["name"]),
        required=bool(spec.get("required", spec["in"] == "path")),
        kind=schema.get("type", "string"),
        default=schema.get("default"),
        check=SchemaCheck(schema),
    )


# -- security -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Scheme:
    """One security scheme as a check: reads its credential, calls the provider's function."""

    name: str
    header: str
    bearer: bool
    verify: Callable[..., Any]
    wants_headers: bool

    def __call__(self, headers: Mapping[str, str]) -> Any:
        value = headers.get(self.header.lower())
        if self.bearer:
            scheme, _, token = (value or "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise MissingCredentials(self.header, "No authorization token provided.")
            value = token.strip()
        elif value is None:
            raise MissingCredentials(self.header)
        return self.verify(value, headers) if self.wants_headers else self.verify(value)


def _scheme(name: str, spec: dict, functions: Any) -> Scheme:
    if spec.get("type") == "apiKey" and spec.get("in") == "header":
        header, function_key, bearer = spec["name"], "x-apikeyInfoFunc", False
    elif spec.get("type") == "http" and spec.get("scheme", "").lower() == "bearer":
        header, function_key, bearer = "Authorization", "x-bearerInfoFunc", True
    else:
        raise ValueError(f"security scheme {name!r}: only header apiKey and http bearer are served")
    # The spec keeps a readable dotted name; its last part names the provider's method.
    verify = getattr(functions, spec[function_key].rsplit(".", 1)[-1])
    wants_headers = "headers" in inspect.signature(verify).parameters
    return Scheme(name, header, bearer, verify, wants_headers)


# -- request bodies -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Body:
    """The request body of one media type: how to decode it and what it must look like."""

    media_type: str
    check: SchemaCheck | None

    def decode(self, raw: bytes, charset: str) -> Any:
        kind = self.media_type
        if kind.endswith("json"):
            return decode_json(raw, charset)
        if is_xml(kind):
            try:
                return xmlcodec.loads(raw, self.check.schema if self.check else {})
            except xmlcodec.XMLDecodeError as exc:
                raise InvalidInput([Problem(str(exc))]) from None
        if kind == FORM:
            return self._form(raw, charset)
        return raw  # a media type with no decoder (YAML): the handler reads the bytes itself

    def _form(self, raw: bytes, charset: str) -> dict[str, Any]:
        try:
            pairs = parse_qsl(raw.decode(charset), keep_blank_values=True)
        except UnicodeDecodeError as exc:
            raise InvalidInput([Problem(f"the body is not valid {charset}: {exc.reason}")]) from None
        properties = self.check.schema.get("properties", {}) if self.check else {}
        return {name: coerce(properties.get(name, {}).get("type", "string"), value) for name, value in pairs}

    def problems(self, value: Any) -> list[Problem]:
        return self.check.problems(value) if self.check is not None else []


# -- the plan -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Plan:
    operation: Operation
    handler: Handler
    arguments: frozenset[str]
    """Names the handler accepts; everything else is not passed."""
    security: tuple[tuple[Scheme, ...], ...]
    """Alternatives (any one suffices), each a set of schemes that must all pass."""
    params: tuple[Param, ...]
    bodies: dict[str, Body]
    body_required: bool

    def authenticate(self, headers: Mapping[str, str]) -> Any:
        """The security info the handler gets as `token_info` (per scheme when several); raises
        the first requirement's error when no alternative passes."""
        first_error: HttpProblem | None = None
        for requirement in self.security:
            try:
                infos = {scheme.name: scheme(headers) for scheme in requirement}
            except MissingCredentials as exc:
                first_error = first_error or exc
                continue
            return next(iter(infos.values())) if len(infos) == 1 else infos
        if first_error is not None:
            raise first_error
        return None

    def parameters(self, path: Mapping[str, str], query_string: bytes) -> dict[str, Any]:
        """Path and query parameters by handler argument name; InvalidInput lists every problem."""
        query = (
            dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)) if query_string else {}
        )
        values, problems = {}, []
        for param in self.params:
            raw = path.get(param.name) if param.location == "path" else query.get(param.name)
            field = f"{param.location}:{param.name}"
            if raw is None:
                if param.required:
                    problems.append(Problem("is required", field))
                elif param.default is not None:
                    values[param.argument] = param.default
                continue
            value = coerce(param.kind, raw)
            found = param.check.problems(value)
            problems.extend(Problem(p.message, field) for p in found)
            values[param.argument] = value
        if problems:
            raise InvalidInput(problems)
        return values

    def body_for(self, media_type: str | None) -> Body:
        """The body definition for a Content-Type (none given: the first declared type)."""
        if media_type is None:
            return next(iter(self.bodies.values()))
        body = self.bodies.get(media_type)
        if body is None:
            raise HttpProblem(
                415,
                f"The Content-Type {media_type} is not accepted here; use one of: {', '.join(self.bodies)}.",
            )
        return body


def _body(media_type: str, schema: dict | None) -> Body:
    """Bodies we decode (JSON, XML, forms) are checked against their schema; others reach the
    handler as bytes, unchecked, for it to parse (a YAML document)."""
    decoded = media_type.endswith("json") or is_xml(media_type) or media_type == FORM
    return Body(media_type, SchemaCheck(schema) if decoded and schema is not None else None)


def compile_plan(
    operation: Operation, handlers: Any, schemes: dict[str, dict], default_security: list
) -> Plan:
    definition = operation.definition
    handler = getattr(handlers, operation.operation_id)
    signature = inspect.signature(handler).parameters
    accepts_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.values())
    params = tuple(_param(p) for p in definition.get("parameters", []) if p["in"] in ("path", "query"))
    arguments = set(signature) if not accepts_all else {p.argument for p in params} | set(signature)
    requirements = definition.get("security", default_security)
    security = tuple(
        tuple(_scheme(name, schemes[name], handlers) for name in requirement) for requirement in requirements
    )
    request_body = definition.get("requestBody", {})
    bodies = {
        media_type.lower(): _body(media_type.lower(), content.get("schema"))
        for media_type, content in request_body.get("content", {}).items()
    }
    return Plan(
        operation=operation,
        handler=handler,
        arguments=frozenset(arguments),
        security=security,
        params=params,
        bodies=bodies,
        body_required=bool(request_body.get("required", False)),
    )
