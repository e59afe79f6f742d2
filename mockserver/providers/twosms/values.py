"""Reading request values the schema cannot fully check: instants and enums (T7)."""

from __future__ import annotations

from datetime import datetime

from mockserver.core import clock
from mockserver.providers.twosms.errors import InvalidRequest
from mockserver.providers.twosms.records import MessageType


def dotnet_instant(instant: datetime) -> str:
    """An instant as Json.NET and XmlSerializer write a UTC DateTime (`...ss.FFFFFFFK`): the
    fraction of a second without its trailing zeros, none when the second is whole."""
    text = clock.isoformat(instant)
    head, dot, tail = text.partition(".")
    if not dot:
        return text
    fraction = tail.removesuffix("Z").rstrip("0")
    return f"{head}.{fraction}Z" if fraction else f"{head}Z"


def parse_instant(value: str, field: str) -> datetime:
    try:
        return clock.parse_instant(value)
    except ValueError:
        raise InvalidRequest(f"{value!r} is not an ISO 8601 date-time", field=field) from None


def enum_value(kind: type[MessageType], value: object, field: str) -> MessageType:
    """JSON sends the number, XML the upper-case name; both are accepted everywhere (T7)."""
    try:
        return kind[value] if isinstance(value, str) else kind(value)
    except (KeyError, ValueError):
        raise InvalidRequest(f"{value!r} is not a {kind.__name__}", field=field) from None
