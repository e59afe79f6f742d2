"""OpenAPI runtime expressions, as a spec's `links` use them, read against one exchange the proxy
saw: `$method`, `$url`, `$statusCode`, `$request.header.NAME`, `$request.query.NAME`,
`$request.path.NAME`, `$request.body#/pointer`, `$response.header.NAME`, `$response.body#/pointer`;
and `$each#/pointer`, the element a record rule's `for_each` is at (our one addition).

A body is read as the spec reads it (XML and forms in the spec's member names), so one rule serves
JSON and XML traffic alike. What an expression does not reach is MISSING, not an error: a rule
records what the traffic revealed and skips what it did not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False})()


@dataclass(frozen=True)
class Seen:
    """One exchange, as the rules read it."""

    method: str
    url: str
    status: int
    operation: str
    request_headers: Mapping[str, str]
    """By lower-case name."""
    query: Mapping[str, str]
    path_params: Mapping[str, Any]
    request_body: Any
    response_headers: Mapping[str, str]
    """By lower-case name."""
    response_body: Any
    each: Any = field(default=MISSING)


def evaluate(expression: str, seen: Seen) -> Any:
    """The value `expression` names in `seen`, or MISSING."""
    source, _, pointer = expression.partition("#")
    if source == "$method":
        return seen.method
    if source == "$url":
        return seen.url
    if source == "$statusCode":
        return seen.status
    if source == "$each":
        return resolve_pointer(seen.each, pointer)
    side, _, rest = source.partition(".")
    kind, _, name = rest.partition(".")
    if side == "$request":
        where = {"header": seen.request_headers, "query": seen.query, "path": seen.path_params}
        if kind == "body":
            return resolve_pointer(seen.request_body, pointer)
    elif side == "$response":
        where = {"header": seen.response_headers}
        if kind == "body":
            return resolve_pointer(seen.response_body, pointer)
    else:
        raise ValueError(f"{expression!r} is not a runtime expression")
    if kind not in where or not name:
        raise ValueError(f"{expression!r} is not a runtime expression")
    values = where[kind]
    return values.get(name.lower() if kind == "header" else name, MISSING)


def resolve_pointer(value: Any, pointer: str) -> Any:
    """RFC 6901 over decoded JSON (an empty pointer is the whole value)."""
    if value is MISSING or (value is None and pointer):
        return MISSING
    for token in pointer.split("/")[1:] if pointer else ():
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, Mapping):
            if token not in value:
                return MISSING
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return MISSING
    return value


def is_expression(value: object) -> bool:
    return isinstance(value, str) and value.startswith("$")
