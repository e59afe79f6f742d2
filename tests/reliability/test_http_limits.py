"""A request's headers are bounded in size and in time; idle connections do not pile up."""

from __future__ import annotations

import socket

import httpx
import pytest

from mockserver import MockServer
from mockserver.http_limits import HttpLimits

AUTH = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}


@pytest.fixture(scope="module")
def server():
    with MockServer(limits=HttpLimits(header_timeout=0.5)) as live:
        yield live


def raw(server: MockServer) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return connection


def read_all(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_headers_past_the_limit_are_a_431_and_others_are_served(server):
    answer = httpx.get(f"{server.url}/__admin/health", headers={"X-Big": "a" * 100_000})
    assert answer.status_code == 431
    assert httpx.get(f"{server.url}/__admin/health").status_code == 200


def test_a_huge_header_is_cut_off_early_not_parsed_to_the_end(server):
    with raw(server) as connection:
        connection.sendall(b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: ")
        sent = 0
        try:
            for _ in range(1024):  # up to 64 MiB, in 64 KiB pieces; the server stops reading early
                connection.sendall(b"a" * 65536)
                sent += 65536
        except OSError:
            pass  # the server answered and closed: the rest could not be sent
        assert read_all(connection).startswith(b"HTTP/1.1 431")
    assert sent < 64 * 1024 * 1024


def test_a_body_that_arrives_with_the_headers_does_not_count_against_them(server):
    body = b'{"name": "' + b"x" * 900_000 + b'"}'
    answer = httpx.put(
        f"{server.jframework_url}/api/v1/app-integrations/sms/demoSmsSetting0001",
        content=body,
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert answer.status_code == 400  # the body check said no, not the header limit


@pytest.mark.parametrize(
    "sent", [b"", b"GET /__admin/health HTTP/1.1\r\nHost: 127."], ids=["idle", "dripping"]
)
def test_a_connection_that_does_not_send_its_headers_in_time_is_closed(server, sent):
    with raw(server) as connection:
        connection.sendall(sent)
        assert read_all(connection) == b""  # closed by the server after the header timeout


def test_keep_alive_requests_get_the_header_time_afresh(server):
    with httpx.Client(base_url=server.url) as client:
        for _ in range(3):
            assert client.get("/__admin/health").status_code == 200


def test_connections_past_the_limit_are_answered_503():
    with MockServer(limits=HttpLimits(max_connections=4)) as live:
        held = [socket.create_connection(("127.0.0.1", live.port), timeout=10) for _ in range(4)]
        try:
            assert httpx.get(f"{live.url}/__admin/health").status_code == 503
        finally:
            for connection in held:
                connection.close()
