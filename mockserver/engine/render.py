"""Responses: a plain value object, rendered in the negotiated media type (JSON, or XML by the codec)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from mockserver.engine.negotiation import is_xml
from mockserver.engine.routes import Operation

JSON = "application/json"


@dataclass(slots=True)
class Response:
    """What a handler or an error renderer answers; the dispatcher sends it as is."""

    status: int
    body: bytes
    media_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def json_bytes(body: Any) -> bytes:
    """JSON text ending in a newline, so answers printed by curl one after another stay apart.

    orjson is about 10x faster than `json`; what it refuses (integers past 64 bits) goes through `json`.
    """
    try:
        return orjson.dumps(body, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:
        return json.dumps(body).encode() + b"\n"


def json_response(body: Any, status: int, headers: Mapping[str, str] | None = None) -> Response:
    # A copy: whoever sends the response may add to its headers (Connexion adds Content-Type), and a
    # shared dict of constant headers would then carry that into every later answer.
    return Response(status, json_bytes(body), JSON, dict(headers) if headers else {})


def render(
    body: Any,
    status: int,
    media_type: str | None,
    operation: Operation | None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The response, its Content-Type exactly the negotiated type (clients compare it as text)."""
    chosen = media_type or JSON
    if is_xml(chosen) and operation is not None:
        payload = operation.xml.dumps(body, operation.response_schema(status, chosen))
    else:
        chosen = chosen if not is_xml(chosen) else JSON
        payload = json_bytes(body)
    return Response(status, payload, chosen, dict(headers) if headers else {})
