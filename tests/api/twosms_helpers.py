"""Reading 2SMS answers independently of the codec under test (xmltodict, never xmlcodec)."""

from __future__ import annotations

import json

import httpx
import xmltodict

from mockserver import MockServer
from mockserver.providers.twosms.records import MESSAGES as MESSAGE_TABLE
from mockserver.providers.twosms.records import Message

DEMO_MESSAGE = "dbcc0ec5-7543-4a9d-932c-ab0623551910"
READ_MESSAGE = "11111111-1111-4111-8111-111111111111"
EXPIRED_MESSAGE = "22222222-2222-4222-8222-222222222222"
NIGHT_SHIFT = "3e13280a-5c26-412e-8e3b-ca41e0d3fea9"  # contacts 18 and 20
DAY_SHIFT = "55de749b-b8db-4491-a558-3b9ed525181d"  # contact 16

XML_TYPES = {"application/xml", "text/xml"}


def envelope(response: httpx.Response) -> dict:
    """The envelope as a dict with JSON's shape, read from JSON or XML."""
    media_type, _, parameters = response.headers["content-type"].partition(";")
    assert parameters.strip() == "charset=utf-8", response.headers  # as Web API's formatters write it (T6)
    if media_type in XML_TYPES:
        document = xmltodict.parse(response.content)
        [(root, body)] = document.items()
        assert root.startswith("ResponseOf")
        body = {k: v for k, v in (body or {}).items() if not k.startswith("@")}
        body.setdefault("Error", None)
        body.setdefault("ResponseData", None)
        return body
    assert media_type in {"application/json", "text/json"}, media_type
    return json.loads(response.content)


def ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    body = envelope(response)
    assert body["Error"] is None
    assert body["ResponseData"]["Result"] == "Success"
    return body["ResponseData"]["Detail"]


def failed(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = envelope(response)
    assert body["ResponseData"] is None
    assert body["Error"]["ErrorCode"] == code, body
    reason = body["Error"]["ErrorReason"]
    assert reason and "\n" not in reason
    return reason


def stored_message(server: MockServer, message_id: str) -> Message:
    """The message as the store holds it."""
    with server.app.world.store.transaction() as tx:
        return tx.get(MESSAGE_TABLE, message_id)


def details(content: str = "Updated text", **fields) -> dict:
    """A MessageDetails body with the header fields the docs mark required."""
    body = {
        "messageId": DEMO_MESSAGE,
        "DateReceived": "2026-01-01T09:00:00Z",
        "DateToSend": "2026-01-01T09:00:00Z",
        "DateSent": "2026-01-01T09:00:00Z",
        "Sender": "Demo Clinic",
        "DateModified": "2026-01-01T09:00:00Z",
        "AdditionalContactID": 0,
        "AuthenticationMethod": 0,
    }
    if content is not None:
        body["Content"] = content
    body.update(fields)
    return body


def details_xml(body: dict) -> bytes:
    """MessageDetails as the docs show it in XML (`messageId` is `<ID>`, enums by name)."""
    names = {"messageId": "ID"}
    enums = {"AuthenticationMethod": ["ANONYMOUS", "PASSWORD", "PIN"]}
    parts = []
    for key, value in body.items():
        if key in enums and isinstance(value, int) and value < len(enums[key]):
            value = enums[key][value]
        elif isinstance(value, bool):
            value = "true" if value else "false"
        parts.append((names.get(key, key), value))
    return xmltodict.unparse({"MessageDetails": dict(parts)}).encode()
