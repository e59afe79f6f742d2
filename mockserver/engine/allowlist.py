"""What the compiled engine honours exactly as Connexion does, keyword by keyword and place by place.

A spec is served by the compiled engine only if every keyword in every place of the document is
listed here (under `--engine auto` any other spec is served by Connexion itself; `--engine compiled`
refuses it, naming every construct at once). Each entry names the tests that prove the engine
honours it as Connexion does: `tests/engine/test_allowlist.py` checks they exist.

Keywords that only document (descriptions, examples, tags, links) change nothing either engine
does, and are allowed everywhere they may appear.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mockserver.engine.routes import HTTP_METHODS, escape_pointer

PARAMETERS = "tests/engine/test_parameters.py"
BODIES = "tests/engine/test_bodies.py"
SECURITY = "tests/engine/test_security.py"
ROUTES = "tests/engine/test_routes.py"
VALIDATION = "tests/engine/test_validation.py"
XML = "tests/engine/test_xmlcodec.py"
PROBE = "tests/engine/test_probe_differential.py"
"""The probe differential: the construct is used by the spec it serves, tests/engine/probe.yaml."""
ENGINES = "tests/engine/test_engines.py"
PROVIDERS = "tests/engine/test_providers_differential.py"
BINDING = "tests/engine/webapi/test_profile.py"
FORMS = "tests/engine/webapi/test_formdata.py"
DOCUMENTATION = "documentation only: neither engine reads it"

_DOCS = {k: DOCUMENTATION for k in ("summary", "description", "example", "examples", "externalDocs", "title")}
_DOCS |= {"deprecated": DOCUMENTATION}

ALLOWED: dict[str, dict[str, str]] = {
    "document": {
        "openapi": ROUTES,
        "info": DOCUMENTATION,
        "servers": f"{ENGINES} {PROBE}",
        "paths": ROUTES,
        "components": PROBE,
        "security": SECURITY,
        "tags": DOCUMENTATION,
        "externalDocs": DOCUMENTATION,
    },
    "server": {"url": ENGINES, "variables": ENGINES, "description": DOCUMENTATION},
    "components": {
        "schemas": PROBE,
        "parameters": PARAMETERS,
        "requestBodies": PROBE,
        "responses": ROUTES,
        "securitySchemes": SECURITY,
        "headers": DOCUMENTATION,
        "examples": DOCUMENTATION,
        "links": DOCUMENTATION,
    },
    "path": {"parameters": PARAMETERS, **{m: f"{ROUTES} {PROBE}" for m in HTTP_METHODS}, **_DOCS},
    "operation": {
        "operationId": ROUTES,
        "parameters": PARAMETERS,
        "requestBody": BODIES,
        "responses": ROUTES,
        "security": SECURITY,
        "tags": DOCUMENTATION,
        "x-mockserver-binding": BINDING,
        **_DOCS,
    },
    "parameter": {
        "name": PARAMETERS,
        "in": PARAMETERS,
        "required": PARAMETERS,
        "schema": PARAMETERS,
        "style": PARAMETERS,
        "explode": PARAMETERS,
        **_DOCS,
    },
    "requestBody": {"content": BODIES, "required": BODIES, "x-body-name": PROBE, **_DOCS},
    "mediaType": {"schema": BODIES, "encoding": PROBE, **_DOCS},
    "encoding": {"explode": PROBE, "style": PROBE},
    "response": {"content": ROUTES, "headers": DOCUMENTATION, "links": DOCUMENTATION, **_DOCS},
    "responseMediaType": {"schema": f"{VALIDATION} {PROBE}", **_DOCS},
    "securityScheme": {
        "type": SECURITY,
        "scheme": SECURITY,
        "bearerFormat": DOCUMENTATION,
        "in": SECURITY,
        "name": SECURITY,
        "flows": SECURITY,
        "x-apikeyInfoFunc": SECURITY,
        "x-basicInfoFunc": SECURITY,
        "x-bearerInfoFunc": SECURITY,
        "x-tokenInfoFunc": SECURITY,
        "x-scopeValidateFunc": PROBE,
        **_DOCS,
    },
    "schema": {
        **{
            k: f"{VALIDATION} {BODIES} {PARAMETERS} {PROBE}"
            for k in (
                "type",
                "format",
                "enum",
                "default",
                "nullable",
                "minimum",
                "maximum",
                "exclusiveMinimum",
                "exclusiveMaximum",
                "multipleOf",
                "minLength",
                "maxLength",
                "pattern",
                "minItems",
                "maxItems",
                "uniqueItems",
                "minProperties",
                "maxProperties",
                "required",
                "properties",
                "additionalProperties",
                "items",
                "allOf",
                "oneOf",
                "anyOf",
                "not",
                "readOnly",
                "writeOnly",
            )
        },
        "xml": XML,
        "x-enum-names": f"{XML} {FORMS}",
        **_DOCS,
    },
    "xml": {"name": XML, "namespace": XML, "prefix": XML, "attribute": XML, "wrapped": XML},
}
"""place -> keyword -> the tests that prove it (or why it needs none)."""

VALUES: dict[tuple[str, str], tuple[Any, ...]] = {
    ("parameter", "in"): ("path", "query", "header", "cookie"),
    ("parameter", "style"): ("simple", "form", "spaceDelimited", "pipeDelimited", "deepObject"),
    ("securityScheme", "type"): ("apiKey", "http", "oauth2"),
    ("securityScheme", "scheme"): ("basic", "bearer", "Basic", "Bearer"),
    ("securityScheme", "in"): ("header", "query"),
    ("encoding", "style"): ("form",),
}
"""Keywords allowed with these values only (other values are constructs of their own)."""

_UNSERVED_MEDIA_TYPES = ("multipart/",)


@dataclass(frozen=True, slots=True)
class Construct:
    """Something in a spec the compiled engine does not take: where (a JSON pointer), and what."""

    pointer: str
    what: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.what}"


def unlisted(spec: dict[str, Any]) -> list[Construct]:
    """Every construct of `spec` (as written, refs not resolved) that is not on the allow-list."""
    return list(_document(spec))


def _keys(node: Any, place: str, pointer: str) -> Iterator[Construct]:
    if not isinstance(node, dict):
        return
    allowed = ALLOWED[place]
    for key, value in node.items():
        if key == "$ref":
            continue
        where = f"{pointer}/{escape_pointer(str(key))}"
        if key not in allowed:
            yield Construct(where, f"`{key}` in a {_PLACE_WORDS.get(place, place)}")
        elif (place, key) in VALUES and value not in VALUES[place, key]:
            yield Construct(where, f"`{key}: {value}` in a {_PLACE_WORDS.get(place, place)}")


_PLACE_WORDS = {
    "document": "document root",
    "path": "path item",
    "mediaType": "request media type",
    "responseMediaType": "response media type",
    "securityScheme": "security scheme",
    "xml": "schema's xml object",
}


def _document(spec: dict[str, Any]) -> Iterator[Construct]:
    yield from _keys(spec, "document", "")
    for index, server in enumerate(spec.get("servers") or []):
        yield from _keys(server, "server", f"/servers/{index}")
    components = spec.get("components") or {}
    yield from _keys(components, "components", "/components")
    for name, schema in (components.get("schemas") or {}).items():
        yield from _schema(schema, f"/components/schemas/{escape_pointer(name)}")
    for name, parameter in (components.get("parameters") or {}).items():
        yield from _parameter(parameter, f"/components/parameters/{escape_pointer(name)}")
    for name, body in (components.get("requestBodies") or {}).items():
        yield from _request_body(body, f"/components/requestBodies/{escape_pointer(name)}")
    for name, response in (components.get("responses") or {}).items():
        yield from _response(response, f"/components/responses/{escape_pointer(name)}")
    for name, scheme in (components.get("securitySchemes") or {}).items():
        yield from _keys(scheme, "securityScheme", f"/components/securitySchemes/{escape_pointer(name)}")
    for path, item in (spec.get("paths") or {}).items():
        yield from _path_item(item, f"/paths/{escape_pointer(path)}")


def _path_item(item: Any, pointer: str) -> Iterator[Construct]:
    yield from _keys(item, "path", pointer)
    if not isinstance(item, dict):
        return
    for index, parameter in enumerate(item.get("parameters") or []):
        yield from _parameter(parameter, f"{pointer}/parameters/{index}")
    for method in HTTP_METHODS:
        operation = item.get(method)
        if isinstance(operation, dict):
            yield from _operation(operation, f"{pointer}/{method}")


def _operation(operation: dict[str, Any], pointer: str) -> Iterator[Construct]:
    yield from _keys(operation, "operation", pointer)
    for index, parameter in enumerate(operation.get("parameters") or []):
        yield from _parameter(parameter, f"{pointer}/parameters/{index}")
    if "requestBody" in operation:
        yield from _request_body(operation["requestBody"], f"{pointer}/requestBody")
    for status, response in (operation.get("responses") or {}).items():
        yield from _response(response, f"{pointer}/responses/{escape_pointer(str(status))}")


def _parameter(parameter: Any, pointer: str) -> Iterator[Construct]:
    yield from _keys(parameter, "parameter", pointer)
    if isinstance(parameter, dict) and "schema" in parameter:
        yield from _schema(parameter["schema"], f"{pointer}/schema")


def _request_body(body: Any, pointer: str) -> Iterator[Construct]:
    yield from _keys(body, "requestBody", pointer)
    if not isinstance(body, dict):
        return
    for media_type, content in (body.get("content") or {}).items():
        where = f"{pointer}/content/{escape_pointer(media_type)}"
        if media_type.startswith(_UNSERVED_MEDIA_TYPES):
            yield Construct(where, f"a {media_type} request body")
        yield from _keys(content, "mediaType", where)
        if isinstance(content, dict):
            for name, encoding in (content.get("encoding") or {}).items():
                yield from _keys(encoding, "encoding", f"{where}/encoding/{escape_pointer(name)}")
            if "schema" in content:
                yield from _schema(content["schema"], f"{where}/schema")


def _response(response: Any, pointer: str) -> Iterator[Construct]:
    yield from _keys(response, "response", pointer)
    if not isinstance(response, dict):
        return
    for media_type, content in (response.get("content") or {}).items():
        where = f"{pointer}/content/{escape_pointer(media_type)}"
        yield from _keys(content, "responseMediaType", where)
        if isinstance(content, dict) and "schema" in content:
            yield from _schema(content["schema"], f"{where}/schema")


_SCHEMA_MAPS = ("properties",)
_SCHEMA_LISTS = ("allOf", "oneOf", "anyOf")
_SCHEMA_ONES = ("items", "not", "additionalProperties")


def _schema(schema: Any, pointer: str) -> Iterator[Construct]:
    if not isinstance(schema, dict):
        return
    yield from _keys(schema, "schema", pointer)
    if isinstance(schema.get("xml"), dict):
        yield from _keys(schema["xml"], "xml", f"{pointer}/xml")
    for key in _SCHEMA_MAPS:
        for name, sub in (schema.get(key) or {}).items():
            yield from _schema(sub, f"{pointer}/{key}/{escape_pointer(name)}")
    for key in _SCHEMA_LISTS:
        for index, sub in enumerate(schema.get(key) or []):
            yield from _schema(sub, f"{pointer}/{key}/{index}")
    for key in _SCHEMA_ONES:
        yield from _schema(schema.get(key), f"{pointer}/{key}")
