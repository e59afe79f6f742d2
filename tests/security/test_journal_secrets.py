"""Nothing secret is kept in clear by the journal, whatever shape the request had."""

from __future__ import annotations

import json
import re
import subprocess
import sys

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
        # issue 26, point 5: refused (415) bodies, masked by what they are, not what they say
        ({"Content-Type": "application/xml"}, BODY.encode()),  # JSON sent as XML
        ({"Content-Type": "application/x-www-form-urlencoded"}, f"name=x&password={SECRET}".encode()),
        ({"Content-Type": "application/xml"}, f"<s><Password >{SECRET}</Password ></s>".encode()),
        ({"Content-Type": "application/xml"}, f"<s><Secret a='1'>{SECRET}</Secret></s>".encode()),
        ({"Content-Type": "application/xml"}, f"<s><AuthKey><![CDATA[{SECRET}]]></AuthKey></s>".encode()),
        ({"Content-Type": "application/xml"}, f"<s xmlns:p='urn:x'><p:password>{SECRET}</p:password></s>".encode()),
        ({"Content-Type": "application/xml"}, f"<s><Options password='{SECRET}'/></s>".encode()),
        ({"Content-Type": "application/x-www-form-urlencoded"}, f"Options[Password]={SECRET}".encode()),
        ({"Content-Type": "application/json"}, json.dumps({"Client_Secret": SECRET}).encode()),
    ],
    ids=["no-type", "over-64k", "utf-16", "malformed", "text-plain", "form-in-text", "xml",
         "json-as-xml", "form", "xml-spaced-name", "xml-attributes", "xml-cdata", "xml-prefixed",
         "xml-secret-attribute", "form-last-segment", "json-other-spelling"],
)  # fmt: skip
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


def test_the_access_log_masks_the_query_string_as_the_journal_does(tmp_path):
    """`--access-log` printed `client_secret=`, `access_token=`, `Auth-Key=` and recipients'
    `contactId`s from query strings (issue 26, point 5)."""
    command = [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--access-log"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as serving:
        try:
            assert serving.stdout is not None
            url = next(line for line in serving.stdout if "http://127.0.0.1:" in line)
            base = re.search(r"http://127\.0\.0\.1:\d+", url)[0]
            for query in (f"client_secret={SECRET}", f"access_token={SECRET}", f"Auth-Key={SECRET}",
                          f"contactId={SECRET}", f"a=1&Options%5BPassword%5D={SECRET}"):  # fmt: skip
                httpx.get(f"{base}/twosms/api/v1/sms/messages/11111111-1111-4111-8111-111111111111?{query}")
            httpx.get(f"{base}/__admin/health?marker=done")
        finally:
            serving.terminate()
        printed = serving.stdout.read()
    assert "marker=done" in printed  # the log was written, and read to its end
    assert "contactId=%2A%2A%2A%2A" in printed and "client_secret=%2A%2A%2A%2A" in printed
    assert SECRET not in printed
