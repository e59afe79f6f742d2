"""The control plane and web pages refuse other sites' pages, and take an admin token when given one."""

from __future__ import annotations

import socket
import subprocess
import sys

import httpx
import pytest

from mockserver import MockServer
from mockserver.guard import own_path

BRAND = {
    "jframework": {
        "brands": [{"url": "evil.example.com", "authKeys": [{"key": "evil-key", "role": "admin"}]}]
    }
}


@pytest.fixture(scope="module")
def server():
    with MockServer() as live:
        yield live


def brands(server: MockServer) -> list[str]:
    return [b["host"] for b in httpx.get(f"{server.url}/__admin/state").json()["jframework.brands"]]


def test_another_sites_page_cannot_load_fixtures_and_changes_nothing(server):
    before = brands(server)
    answer = httpx.post(
        f"{server.url}/__admin/fixtures", json=BRAND, headers={"Origin": "http://evil.example"}
    )
    assert answer.status_code == 403 and "not accepted" in answer.json()["errors"][0]
    assert brands(server) == before


def test_a_form_post_without_json_is_refused_and_changes_nothing(server):
    before = brands(server)
    for headers, body in (({"Content-Type": "text/plain"}, b"{}"),
                          ({"Content-Type": "application/x-www-form-urlencoded"}, b"a=1"),
                          ({"Content-Type": "application/x-www-form-urlencoded"}, b""),
                          ({"Sec-Fetch-Site": "cross-site"}, b""), ({"Sec-Fetch-Site": "same-site"}, b""),
                          ({}, b"{}")):  # fmt: skip
        answer = httpx.post(f"{server.url}/__admin/reset", headers=headers, content=body)
        assert answer.status_code == 415, (headers, body, answer.text)
    assert brands(server) == before


@pytest.mark.parametrize("headers", [{}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}])
def test_a_bodyless_control_action_works_as_curl_sends_it(server, headers):
    server.outbox.clear()
    httpx.post(f"{server.url}/__admin/fixtures", json=BRAND, params={"baseline": "false"})
    assert "evil.example.com" in brands(server)
    answer = httpx.post(f"{server.url}/__admin/reset", headers=headers)  # no body, no Content-Type
    assert answer.status_code == 200, answer.text
    assert "evil.example.com" not in brands(server)
    with socket.create_connection(("127.0.0.1", server.port)) as raw:  # curl -X POST: not even a length
        raw.sendall(b"POST /__admin/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert b"".join(iter(lambda: raw.recv(65536), b"")).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("path", ["/__admin/state", "/_/requests", "/"])
def test_a_rebound_host_name_is_refused(server, path):
    answer = httpx.get(server.url + path, headers={"Host": "attacker.example:8080"})
    assert answer.status_code == 403


def test_the_servers_own_origin_and_allowed_hosts_are_accepted(tmp_path):
    with MockServer(allowed_hosts=["fake.internal"]) as live:
        own = httpx.post(f"{live.url}/__admin/reset", json={}, headers={"Origin": live.url})
        assert own.status_code == 200
        named = httpx.get(f"{live.url}/__admin/health", headers={"Host": f"fake.internal:{live.port}"})
        assert named.status_code == 200


def test_with_an_admin_token_the_control_plane_and_pages_want_it():
    with MockServer(admin_token="s3cret-token") as live:
        assert httpx.get(f"{live.url}/__admin/health").status_code == 401
        ok = httpx.get(f"{live.url}/__admin/health", headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200
        assert live.outbox.messages() == []  # the helpers send the token they were given
        assert httpx.get(f"{live.url}/_/inbox").status_code == 401
        with httpx.Client(base_url=live.url, follow_redirects=True) as browser:
            entered = browser.get("/_/inbox?token=s3cret-token&provider=twosms")
            assert entered.status_code == 200 and "Inbox" in entered.text  # cookie set, then redirected
            assert entered.history[0].headers["location"] == "/_/inbox?provider=twosms"
            assert browser.get("/_/requests").status_code == 200
        assert httpx.get(f"{live.url}/_/inbox?token=wrong").status_code == 401
        public = httpx.get(f"{live.url}/_/twosms/read/11111111-1111-4111-8111-111111111111?contactId=x")
        assert public.status_code == 404  # the recipient page stays public (and says the link is unknown)


@pytest.fixture(scope="module")
def guarded():
    with MockServer(admin_token="s3cret-token") as live:
        yield live


@pytest.mark.parametrize("path", ["/__admin/ui/", "/__admin/openapi.json"])
def test_the_control_planes_swagger_ui_and_spec_want_the_token_and_its_host(guarded, path):
    url = guarded.url + path
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert httpx.get(url, cookies={"mockserver_admin": "s3cret-token"}).status_code == 200
    foreign = httpx.get(url, headers={"Host": "attacker.example", "Authorization": "Bearer s3cret-token"})
    assert foreign.status_code == 403
    assert httpx.get(f"{guarded.url}/jframework/openapi.json").status_code == 200  # a provider's: public


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("//evil.example/", None),  # no page there: never a redirect to another host
        ("/_//evil.example/", "/_//evil.example/"),  # a path of the fake's own, though odd
        ("/_/\\evil.example", "/_/%5Cevil.example"),  # `/\` is `//` to a browser: encoded
        ("/_/%E4%B8%AD", "/_/%E4%B8%AD"),  # was a 500: the Location header is ASCII
    ],
)
def test_the_token_redirect_only_ever_leads_to_a_path_of_the_fake(guarded, path, location):
    with socket.create_connection(("127.0.0.1", guarded.port)) as raw:  # httpx would normalise the path
        raw.sendall(
            f"GET {path}?token=s3cret-token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        answer = b"".join(iter(lambda: raw.recv(65536), b"")).decode("latin-1")
    status = answer.split(" ", 2)[1]
    if location is None:
        assert status == "404", answer[:300]
    else:
        assert status == "303", answer[:300]
        assert f"\r\nlocation: {location}\r\n" in answer, answer[:300]


def test_own_path_never_names_another_host():
    for path in ("//evil.example", "///x", "/\\evil.example", "\\\\evil", "/a//b", "/\u4e2d"):
        location = own_path(path)
        assert location.startswith("/") and location[1:2] not in ("/", "\\") and location.isascii(), location


def test_listening_beyond_loopback_without_a_token_warns_loudly():
    server = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--host", "0.0.0.0", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        warning = next(line for line in server.stderr if "WARNING" in line)
        assert "no --admin-token" in warning
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_state_dump_shows_no_character_of_a_secret(server):
    state = httpx.get(f"{server.url}/__admin/state").json()
    keys = [row["key"] for row in state["jframework.keys"]]
    secrets = [row["secret"] for row in state["twosms.clients"]]
    assert keys and secrets and set(keys + secrets) == {"****"}
