"""How to serve one operation, compiled from the spec at start-up so a request only runs the plan.

A plan knows the operation's security requirements, its parameters (converted and checked), its
request body per media type, and which arguments its handler takes. Nothing here is looked up,
inspected or compiled per request; what the engine does not honour is refused here (SpecError).
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qsl

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # Connexion imports jsonschema's RefResolver
    from connexion.decorators.parameter import pythonic as connexion_pythonic

from mockserver.engine import xmlcodec
from mockserver.engine.coroutines import as_async
from mockserver.engine.negotiation import is_xml
from mockserver.engine.parameters import Param, compile_param, convert, query_values, read_parameters
from mockserver.engine.profile import PLAIN_OPENAPI, BodyBinder, FormReader, StackProfile
from mockserver.engine.routes import Operation, escape_pointer
from mockserver.engine.security import Credentials, Requirement, authenticate, compile_requirements
from mockserver.engine.validation import InvalidInput, SchemaCheck, decode_json, plain_json_schema
from mockserver.errors import ClientWarning, HttpProblem, Problem, SpecError

Handler = Callable[..., Awaitable[Any]]
FORM = "application/x-www-form-urlencoded"
_UNSERVED_BODIES = ("multipart/",)
"""Request media types Connexion validates and the engine does not decode: refused at start-up."""


def pythonic(name: str) -> str:
    """`messageID` -> `message_id`, `type` -> `type_`, `paging.Page` -> `pagingpage`: the handler's
    name for a parameter, as Connexion makes it (its own function: snake case, a builtin or keyword
    shadowed, then every character an identifier cannot hold dropped)."""
    return connexion_pythonic(name)


def body_argument(operation: dict[str, Any]) -> str:
    """The handler's argument for an operation's request body: `body`, or the name `x-body-name`
    gives (made pythonic), as Connexion names it."""
    return pythonic(operation.get("requestBody", {}).get("x-body-name", "body"))


def is_json(media_type: str) -> bool:
    """Connexion's JSON validator takes every media type matching `*/*json`."""
    return media_type.endswith("json")


# -- request bodies -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Body:
    """The request body of one declared media type (or range): its schema, checked when decoded."""

    media_type: str
    check: SchemaCheck | None
    explode: Mapping[str, bool]
    """Form fields whose repeated values are joined (Connexion's form style), by name."""
    binder: BodyBinder | None = None
    """How the provider's stack binds this body (its profile's); None: as the schema says."""
    read_form: FormReader | None = None
    """How the provider's stack reads a form body; None: flat fields, as Connexion reads them."""
    xml_root: str = "*"
    """The root element an XML body of this schema has (where its warnings' XML paths start)."""
    xml: xmlcodec.XmlCodec | None = None
    """The spec's XML codec (None: one made for each body, as for a body read on its own)."""

    def decode(self, raw: bytes, charset: str, media_type: str) -> Any:
        """The body as data, by the request's own media type; bytes for a type with no decoder."""
        if is_json(media_type):
            return decode_json(raw, charset)
        if is_xml(media_type):
            try:
                codec = self.xml or xmlcodec.XmlCodec()
                return codec.loads(raw, self.check.schema if self.check else {})
            except xmlcodec.XMLDecodeError as exc:
                raise InvalidInput([Problem(str(exc))]) from None
        if media_type == FORM and self.read_form is not None:
            return self.read_form(raw, charset, self.check.schema if self.check else {})
        if media_type == FORM:
            return self._form(raw, charset)
        return raw  # a media type with no decoder (YAML): the handler reads the bytes itself

    def _form(self, raw: bytes, charset: str) -> dict[str, Any]:
        """Fields as Connexion's `resolve_form` reads them: repeats joined, arrays split, converted."""
        try:
            pairs = parse_qsl(raw.decode(charset), keep_blank_values=True)
        except UnicodeDecodeError as exc:
            raise InvalidInput([Problem(f"the body is not valid {charset}: {exc.reason}")]) from None
        grouped: dict[str, list[str]] = {}
        for name, value in pairs:
            grouped.setdefault(name, []).append(value)
        properties = self.check.schema.get("properties", {}) if self.check else {}
        form = {}
        for name, values in grouped.items():
            text = ",".join(values) if self.explode.get(name, True) else values[-1]
            schema = properties.get(name, {})
            if schema.get("type") == "array":
                form[name] = [convert(schema.get("items", {}).get("type"), v) for v in text.split(",")]
            else:
                form[name] = convert(schema.get("type"), text)
        return form

    def absent(self) -> Any:
        """What the handler gets for an optional body not sent: as Connexion passes it, a copy of
        the schema's `default` (`{}` when it has none), or None for a nullable schema."""
        schema = self.check.schema if self.check else {}
        if schema.get("nullable") is True:
            return None
        return copy.deepcopy(schema.get("default", {}))

    def bind(self, value: Any, media_type: str) -> tuple[Any, list[ClientWarning]]:
        """The decoded value as the provider's stack binds it, and what that forgave."""
        if self.binder is None or isinstance(value, bytes) or not media_type.endswith(("json", "xml", FORM)):
            return value, []
        return self.binder.bind(value, xml_root=self.xml_root if is_xml(media_type) else None)

    def problems(self, value: Any, media_type: str = "") -> list[Problem]:
        """Undecoded bytes (a type with no decoder under a range like `*/*`) go unchecked, as in
        Connexion. For an XML body, each names where it is as an XML path in the client's own
        element names (`/MessageDetails/ID`), as its warnings do, not by the JSON names."""
        if self.check is None or isinstance(value, bytes):
            return []
        found = self.check.problems(value)
        if found and is_xml(media_type):
            schema = self.check.schema
            return [Problem(p.message, xml_path(schema, p.field, self.xml_root)) for p in found]
        return found


def xml_path(schema: dict, pointer: str | None, root: str) -> str | None:
    """A JSON pointer into a value decoded from XML, as the XML path of element names."""
    if pointer is None or not pointer.startswith("/"):
        return pointer
    parts, node = [] if root == "*" else [root], schema
    for segment in (s.replace("~1", "/").replace("~0", "~") for s in pointer[1:].split("/") if s):
        merged = xmlcodec.merged_all_of(node)
        sub = merged.get("properties", {}).get(segment)
        if isinstance(sub, dict):
            xml = xmlcodec.merged_all_of(sub).get("xml", {})
            parts.append(xml.get("name", segment))
            node = sub
        elif isinstance(merged.get("items"), dict) and segment.isdigit():
            parts.append(segment)  # the item's place, as the pointer has it
            node = merged["items"]
        else:
            parts.append(segment)  # not a declared member: the name the client sent
            node = {}
    return "/" + "/".join(parts)


def _body(
    media_type: str,
    content: dict,
    pointer: str,
    profile: StackProfile = PLAIN_OPENAPI,
    xml: xmlcodec.XmlCodec | None = None,
) -> Body:
    """Bodies we decode (JSON, XML, forms) are checked against their schema; others reach the
    handler as bytes, unchecked, as Connexion passes them (a YAML document)."""
    if media_type.startswith(_UNSERVED_BODIES):
        raise SpecError(pointer, f"request bodies of type {media_type} are not supported")
    schema = content.get("schema")
    decoded = is_json(media_type) or is_xml(media_type) or media_type == FORM or "*" in media_type
    if schema is not None and (is_xml(media_type) or media_type.endswith("/*")):
        xmlcodec.check_schema(schema, f"{pointer}/schema")
    encoding = content.get("encoding", {})
    for name, how in encoding.items():
        if set(how) - {"explode", "style", "contentType"} or how.get("style", "form") != "form":
            raise SpecError(f"{pointer}/encoding/{name}", "only `explode` is supported in a form encoding")
        if "contentType" in how:
            raise SpecError(f"{pointer}/encoding/{name}/contentType", "encoding contentType is not supported")
    check = SchemaCheck(schema, pointer=f"{pointer}/schema") if decoded and schema is not None else None
    explode = {name: bool(how.get("explode", True)) for name, how in encoding.items()}
    binder = profile.binder(check.schema) if check is not None else None
    xml_root = xmlcodec.merged_all_of(schema or {}).get("xml", {}).get("name", "*")
    return Body(media_type, check, explode, binder, profile.read_form, xml_root, xml)


# -- the plan -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Plan:
    operation: Operation
    handler: Handler
    arguments: frozenset[str]
    """Names the handler accepts; everything else is not passed."""
    security: tuple[Requirement, ...]
    """Alternatives (any one suffices), each a set of schemes that must all pass."""
    params: tuple[Param, ...]
    deep_objects: frozenset[str]
    bodies: dict[str, Body]
    """By declared media type or range, lower-cased, most specific first."""
    body_required: bool
    body_name: str = "body"
    """The handler's argument for the body (`x-body-name`)."""

    def authenticate(
        self, headers: Mapping[str, str], query_string: bytes, method: str = "GET", path: str = ""
    ) -> Any:
        """The security info the handler gets as `token_info` (per scheme when several)."""
        return authenticate(self.security, Credentials(headers, query_string, method, path))

    def parameters(
        self, path: Mapping[str, str], query_string: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Path and query parameters by handler argument name; InvalidInput lists every problem."""
        if not self.params:
            return {}
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True) if query_string else []
        return read_parameters(self.params, path, query_values(pairs, self.deep_objects), headers)

    def body_for(self, media_type: str | None) -> Body:
        """The body definition for a Content-Type (none given: the first declared type); a declared
        range (`application/*+json`, `*/*`) takes what it matches, the most specific first."""
        if media_type is None:
            return next(iter(self.bodies.values()))
        body = self.bodies.get(media_type)
        if body is None:
            body = next((b for key, b in self.bodies.items() if fnmatchcase(media_type, key)), None)
        if body is None:
            raise HttpProblem(
                415,
                f"The Content-Type {media_type} is not accepted here; use one of: {', '.join(self.bodies)}.",
            )
        return body


def _by_specificity(bodies: dict[str, Body]) -> dict[str, Body]:
    """Exact types first, then ranges, in Connexion's `MediaTypeDict` order."""
    exact = {k: v for k, v in bodies.items() if "*" not in k}
    ranges = sorted((k for k in bodies if "*" in k), reverse=True)
    return {**exact, **{k: bodies[k] for k in ranges}}


def compile_plan(
    operation: Operation,
    handlers: Any,
    schemes: dict[str, dict],
    default_security: list,
    profile: StackProfile = PLAIN_OPENAPI,
) -> Plan:
    """The operation's plan; SpecError naming the construct for anything the engine does not honour."""
    definition = operation.definition
    pointer = operation.pointer
    found = getattr(handlers, operation.operation_id, None)
    if found is None:
        raise SpecError(f"{pointer}/operationId", f"no handler is named {operation.operation_id!r}")
    handler = as_async(found)
    signature = inspect.signature(handler).parameters
    accepts_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.values())
    params = tuple(
        compile_param(p, pythonic(p["name"]), where)
        for p, where in zip(definition.get("parameters", []), operation.parameter_pointers, strict=True)
    )
    # As Connexion passes them to a handler taking **kwargs: path and query parameters, the body,
    # the security context (never header or cookie parameters).
    passed = {p.argument for p in params if p.location in ("path", "query")}
    if "requestBody" in definition:
        passed.add(body_argument(definition))
    if definition.get("security", default_security):
        passed |= {"token_info", "user"}
    arguments = set(signature) if not accepts_all else passed | set(signature)
    security_pointer = f"{pointer}/security" if "security" in definition else "/security"
    security = compile_requirements(
        definition.get("security", default_security), schemes, handlers, security_pointer
    )
    request_body = definition.get("requestBody", {})
    profile = _operation_profile(definition, profile, pointer)
    bodies = {
        media_type.lower(): _body(
            media_type.lower(),
            content,
            f"{pointer}/requestBody/content/{escape_pointer(media_type)}",
            profile,
            operation.xml,
        )
        for media_type, content in request_body.get("content", {}).items()
    }
    _check_responses(operation)
    return Plan(
        operation=operation,
        handler=handler,
        arguments=frozenset(arguments),
        security=security,
        params=params,
        deep_objects=frozenset(p.name for p in params if p.style == "deepObject"),
        bodies=_by_specificity(bodies),
        body_required=bool(request_body.get("required", False)),
        body_name=body_argument(definition),
    )


def _operation_profile(definition: dict, profile: StackProfile, pointer: str) -> StackProfile:
    """An operation may opt out of its stack's body binding (`x-mockserver-binding: openapi`): a
    route the provider's stack serves outside its models, such as an OAuth server's token endpoint."""
    declared = definition.get("x-mockserver-binding")
    if declared is None:
        return profile
    if declared != "openapi":
        raise SpecError(
            f"{pointer}/x-mockserver-binding",
            f"unknown binding {declared!r}: `openapi` (bodies read as the schema says) is the only one",
        )
    return profile.plain_bodies()


def _check_responses(operation: Operation) -> None:
    """Response schemas hold nothing the engine would ignore (checked now, compiled when used)."""
    for status, by_media_type in operation.responses.items():
        for media_type, schema in by_media_type.items():
            where = f"{operation.pointer}/responses/{status}/content/{escape_pointer(media_type)}/schema"
            plain_json_schema(schema, response=True, pointer=where)
            if is_xml(media_type):
                xmlcodec.check_schema(schema, where)
