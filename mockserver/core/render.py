"""Rendering a response body in the negotiated media type: JSON as is, XML through the codec."""

from __future__ import annotations

import json
from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.core import xmlcodec
from mockserver.core.routes import Operation

JSON = "application/json"


def json_response(body: Any, status: int, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status, mimetype=JSON, content_type=JSON, headers=headers or {}, body=json.dumps(body)
    )


def is_xml(media_type: str | None) -> bool:
    return media_type is not None and (media_type.endswith("/xml") or media_type.endswith("+xml"))


def render(
    body: Any,
    status: int,
    media_type: str | None,
    operation: Operation | None,
    headers: dict[str, str] | None = None,
) -> ConnexionResponse:
    """The response, its Content-Type exactly the negotiated type (Connexion compares it as text)."""
    chosen = media_type or JSON
    if is_xml(chosen) and operation is not None:
        payload = xmlcodec.dumps(body, operation.response_schema(status, chosen))
    else:
        chosen = chosen if not is_xml(chosen) else JSON
        payload = json.dumps(body).encode()
    return ConnexionResponse(
        status_code=status, mimetype=chosen, content_type=chosen, headers=headers or {}, body=payload
    )
