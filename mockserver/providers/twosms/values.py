"""Reading request values the schema cannot fully check: instants and enums (T7)."""

from __future__ import annotations

from datetime import datetime

from mockserver.providers.twosms.errors import InvalidRequest
from mockserver.providers.twosms.records import MessageType
from mockserver.state import clock


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
