"""The hostile inputs of the red-team run (issue 26), as requests the soak mixes into its load:
each with the statuses it may get. Any 5xx among them is a failure of the soak."""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, field

from bench.stall import big_send_body
from bench.workloads import DEMO_MESSAGE, JFRAMEWORK_AUTH, JFRAMEWORK_SETTING

JSON = {"Content-Type": "application/json"}
SETTINGS = "/jframework/api/v1/app-integrations/sms"


@dataclass(frozen=True)
class Hostile:
    name: str
    method: str
    path: str
    ok: frozenset[int]
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    bearer: bool = False
    """Sent with the client's 2SMS token."""


def _alias_bomb(levels: int) -> bytes:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return ("\n".join(lines) + "\n").encode()


_XML_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b"<MessageDetails><Content>&c;</Content></MessageDetails>"
)
_LONE = '"\\ud800"'
_SEND = (
    '{"Type": 1, "Content": "Hi \\ud800", "Contacts": {"QuickRecipients": {"+15550100777": 2}}, '
    '"Options": {}}'
)

HOSTILE: list[Hostile] = [
    Hostile(
        "lone surrogate, JFramework",
        "POST",
        SETTINGS,
        frozenset({400}),
        f'{{"name": {_LONE}}}'.encode(),
        {**JFRAMEWORK_AUTH, **JSON},
    ),
    Hostile(
        "lone surrogate, 2SMS send",
        "POST",
        "/twosms/api/v2/sms/messages",
        frozenset({400, 401}),
        _SEND.encode(),
        JSON,
        bearer=True,
    ),
    Hostile(
        "lone surrogate, admin",
        "POST",
        "/__admin/clock",
        frozenset({400}),
        f'{{"freeze": {_LONE}}}'.encode(),
        JSON,
    ),
    Hostile(
        "clock far back", "POST", "/__admin/clock", frozenset({200, 400}), b'{"advance": "-999999999"}', JSON
    ),
    Hostile(
        "YAML alias bomb",
        "POST",
        "/__admin/fixtures",
        frozenset({400}),
        _alias_bomb(9),
        {"Content-Type": "application/yaml"},
    ),
    Hostile(
        "YAML bad date",
        "POST",
        "/__admin/fixtures",
        frozenset({400}),
        b"a: 2026-13-45",
        {"Content-Type": "application/yaml"},
    ),
    Hostile(
        "YAML binary",
        "POST",
        "/__admin/fixtures",
        frozenset({400}),
        b"a: !!binary AAAA",
        {"Content-Type": "application/yaml"},
    ),
    Hostile(
        "XML entity bomb",
        "PUT",
        f"/twosms/api/v1/sms/messages/{DEMO_MESSAGE}",
        frozenset({400, 401}),
        _XML_BOMB,
        {"Content-Type": "application/xml"},
        bearer=True,
    ),
    Hostile(
        "secret in XML, refused",
        "PUT",
        f"{SETTINGS}/{JFRAMEWORK_SETTING}",
        frozenset({415}),
        b"<s><AuthKey><![CDATA[hunter2]]></AuthKey></s>",
        {**JFRAMEWORK_AUTH, "Content-Type": "application/xml"},
    ),
    Hostile(
        "1 MiB description",
        "POST",
        SETTINGS,
        frozenset({400, 413}),
        json.dumps(
            {
                "appIntegrationId": "twilio",
                "name": "n",
                "username": "u",
                "password": "p",
                "phoneNumber": "+15005550006",
                "description": "x" * 1_000_000,
            }
        ).encode(),
        {**JFRAMEWORK_AUTH, **JSON},
    ),
    Hostile("non-ASCII page", "GET", "/_/%E4%B8%AD", frozenset({404})),
    Hostile(
        "headers past 64 KiB", "GET", "/__admin/health", frozenset({431}), headers={"X-Big": "a" * 70_000}
    ),
    Hostile(
        "one plain MessageIDs",
        "DELETE",
        "/twosms/api/v1/sms/messages",
        frozenset({200, 401}),
        f"MessageIDs={DEMO_MESSAGE}".encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
        bearer=True,
    ),
    Hostile("bodyless reset", "POST", "/__admin/reset", frozenset({200})),
]

BIG_SEND = Hostile(
    "1 MB send",
    "POST",
    "/twosms/api/v2/sms/messages",
    frozenset({400, 401}),
    big_send_body(),
    JSON,
    bearer=True,
)
"""Rarer than the others: each costs the server about 60 ms (see bench/stall.py)."""

RAW: list[tuple[str, bytes, int]] = [
    ("open redirect", b"GET //evil.example/?token=x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404),
    ("Content-Length -1", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n", 400),
    (
        "20-digit length",
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        400,
    ),
    ("raw non-ASCII path", "GET /caf\u00e9 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode("latin-1"), 400),
]
"""Requests no HTTP client library sends: written to a socket as they are."""


def pick(chooser: random.Random) -> Hostile:
    return BIG_SEND if chooser.random() < 0.05 else chooser.choice(HOSTILE)


async def raw_status(port: int, request: bytes) -> int:
    """The status the server answers a raw request with (0 if it closed without one)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout=10)
    finally:
        writer.close()
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
