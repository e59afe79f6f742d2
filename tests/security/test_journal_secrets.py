"""Nothing secret is kept in clear by the journal, whatever shape the request had."""

from __future__ import annotations

import json

import httpx
import pytest

from mockserver import MockServer

SECRET = "Sup3r-Secret-Value"
SETTING = "/jframework/api/v1/app-integrations/sms/demoSmsSetting0001"
AUTH = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}
BODY = json.dumps({"name": "x", "password": SECRET})


@pytest.fixture(scope="module")
def server():
    with MockServer() as live:
        yield live


@pytest.mark.parametrize(
    ("headers", "content"),
    [
        ({}, BODY.encode()),  # no Content-Type at all
        (
            {"Content-Type": "application/json"},
            json.dumps({"description": "x" * 70_000, "password": SECRET}).encode(),
        ),
        ({"Content-Type": "application/json; charset=utf-16"}, BODY.encode("utf-16")),
        ({"Content-Type": "application/json"}, BODY[:-1].encode()),  # malformed
        ({"Content-Type": "text/plain"}, BODY.encode()),
        ({"Content-Type": "text/plain"}, f"password={SECRET}".encode()),
        ({"Content-Type": "application/xml"}, f"<Password>{SECRET}</Password>".encode()),
    ],
    ids=["no-type", "over-64k", "utf-16", "malformed", "text-plain", "form-in-text", "xml"],
)
def test_a_secret_in_any_body_is_masked(server, headers, content):
    server.reset()
    httpx.put(server.url + SETTING, headers={**AUTH, **headers}, content=content)
    journal = httpx.get(f"{server.url}/__admin/journal").text
    assert "demoSmsSetting0001" in journal and SECRET not in journal
    page = httpx.get(f"{server.url}/_/requests/1").text
    assert SECRET not in page


def test_a_secret_in_the_query_string_is_masked(server):
    server.reset()
    httpx.post(f"{server.url}/twosms/Token?client_id=demo-client&client_secret={SECRET}", data={})
    journal = httpx.get(f"{server.url}/__admin/journal").text
    assert "client_secret=" in journal and SECRET not in journal
    assert (
        SECRET
        not in httpx.get(f"{server.url}/_/requests").text + httpx.get(f"{server.url}/_/requests/1").text
    )
