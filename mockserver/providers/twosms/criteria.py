"""Which messages a bulk expire (`MessageCriteria`, T12) takes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mockserver.providers.twosms.records import Message, MessageType
from mockserver.providers.twosms.values import enum_value, parse_instant

FILTERS = ("Destination", "Range", "StartDate", "FinishDate", "Type")


def select(messages: list[Message], criteria: Mapping[str, Any], now: datetime) -> list[Message]:
    """`MessageIDs` wins; no criteria at all means the documented default (expired or fully read)."""
    if criteria.get("MessageIDs") is not None:
        wanted = {i.lower() for i in criteria["MessageIDs"]}
        return [m for m in messages if m.id in wanted]
    if all(criteria.get(k) is None for k in FILTERS):
        return [m for m in messages if m.expired(now) or fully_read(m)]
    if criteria.get("Destination") is not None:
        messages = [m for m in messages if any(r.mobile == criteria["Destination"] for r in m.recipients)]
    if criteria.get("Type") is not None:
        kind = enum_value(MessageType, criteria["Type"], "/Type")
        messages = [m for m in messages if m.type is kind]
    if criteria.get("Range") in (1, "CUSTOM"):
        start = parse_instant(criteria["StartDate"], "/StartDate") if criteria.get("StartDate") else None
        finish = parse_instant(criteria["FinishDate"], "/FinishDate") if criteria.get("FinishDate") else None
        messages = [
            m
            for m in messages
            if (start is None or m.created >= start) and (finish is None or m.created <= finish)
        ]
    return messages


def fully_read(message: Message) -> bool:
    limit = message.reads_allowed
    return limit is not None and all(r.reads >= limit for r in message.recipients)
