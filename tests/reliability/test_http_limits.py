"""A request's headers are bounded in size and in time; idle connections do not pile up."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from mockserver import MockServer
from mockserver.settings import Limits

AUTH = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}


@pytest.fixture(scope="module")
def server():
    with MockServer(limits=Limits(header_timeout=0.5)) as live:
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
        f"{server.url_for('jframework')}/api/v1/app-integrations/sms/demoSmsSetting0001",
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
    with MockServer(limits=Limits(max_connections=4)) as live:
        held = [socket.create_connection(("127.0.0.1", live.port), timeout=10) for _ in range(4)]
        try:
            refused = httpx.get(f"{live.url}/__admin/health")
            assert refused.status_code == 503 and refused.headers["content-type"] == "application/json"
            assert refused.json() == {
                "status": 503,
                "errors": ["The fake has 4 connections open, its most (--max-connections): try again later."],
            }
        finally:
            for connection in held:
                connection.close()


class RecordingTransport:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[bytes, ...]]] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", (data,)))

    def writelines(self, chunks: tuple[bytes, ...]) -> None:
        self.calls.append(("writelines", tuple(chunks)))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def _through_one_write(steps) -> RecordingTransport:
    """Runs `steps(answer)` on a loop, then lets the loop turn once more."""
    import asyncio

    from mockserver.http_limits import OneWritePerAnswer

    transport = RecordingTransport()

    async def run() -> None:
        await steps(OneWritePerAnswer(transport, asyncio.get_running_loop()))
        await asyncio.sleep(0)

    asyncio.run(run())
    return transport


def test_an_answer_goes_out_in_one_write():
    async def steps(answer):
        answer.write(b"HTTP/1.1 200 OK\r\n\r\n")
        answer.write(b"body")
        answer.write(b"more")  # a later chunk goes straight through

    assert _through_one_write(steps).calls == [
        ("writelines", (b"HTTP/1.1 200 OK\r\n\r\n", b"body")),
        ("write", (b"more",)),
    ]


def test_a_head_without_a_body_in_the_same_turn_goes_out_alone_at_the_end_of_it():
    import asyncio

    async def steps(answer):
        answer.write(b"HTTP/1.1 200 OK\r\n\r\n")
        await asyncio.sleep(0)  # a stream's first chunk comes later: the head must not wait for it
        assert answer.get_extra_info("peername") == "info:peername"
        answer.write(b"chunk")

    assert _through_one_write(steps).calls == [
        ("write", (b"HTTP/1.1 200 OK\r\n\r\n",)),
        ("write", (b"chunk",)),
    ]


def test_closing_sends_a_held_head_first():
    async def steps(answer):
        answer.write(b"HTTP/1.1 200 OK\r\n\r\n")
        answer.close()

    transport = _through_one_write(steps)
    assert transport.calls == [("write", (b"HTTP/1.1 200 OK\r\n\r\n",))] and transport.closed


def test_head_requests_and_long_polls_are_answered_whole(server):
    assert httpx.head(f"{server.url}/__admin/health").status_code == 200
    with raw(server) as connection:  # one connection, two answers: each complete, in order
        poll = (
            b"GET /__admin/outbox?provider=twosms&wait=0.2&to=%2B19995550000 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        )
        connection.sendall(poll + b"\r\n" + poll + b"Connection: close\r\n\r\n")
        answers = read_all(connection)
    assert answers.count(b"HTTP/1.1 200 OK") == 2 and answers.count(b'{"messages":[]}\n') == 2


@pytest.mark.parametrize(
    ("request_bytes", "said"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "Invalid character in Content-Length"),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", "Content-Length overflow"),
        ("GET /caf\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n".encode("latin-1"), "Invalid char in url path"),
        (b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", "Invalid header token"),
    ],
    ids=["negative-length", "20-digit-length", "raw-non-ascii-path", "broken-header"],
)  # fmt: skip
def test_the_http_layers_refusals_are_json_that_say_what_was_wrong(server, request_bytes, said):
    with raw(server) as connection:
        connection.sendall(request_bytes)
        head, _, body = read_all(connection).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request") and b"content-type: application/json" in head
    assert json.loads(body) == {"status": 400, "errors": [f"The request is not valid HTTP/1.1: {said}."]}


def test_headers_past_the_limit_are_a_431_in_json(server):
    answer = httpx.get(f"{server.url}/__admin/health", headers={"X-Big": "a" * 100_000})
    assert answer.status_code == 431 and answer.headers["content-type"] == "application/json"
    assert answer.json() == {
        "status": 431,
        "errors": ["The request's headers are over 64 KiB (the server's --max-header-kib)."],
    }


SETTING_PUT = (
    b"PUT /jframework/api/v1/app-integrations/sms/demoSmsSetting0001 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Brand-URL: demo.example.com\r\nAuth-Key: demo-admin-key\r\nContent-Type: application/json\r\n"
    b"Content-Length: 100000\r\n\r\n"
)


@pytest.fixture(scope="module")
def slow_body_server():
    with MockServer(limits=Limits(body_timeout=0.5, max_connections=8)) as live:
        yield live


def test_a_body_that_drips_is_answered_408_and_closed(slow_body_server):
    with raw(slow_body_server) as connection:
        connection.sendall(SETTING_PUT + b'{"name": "')  # and nothing more: the server must act
        head, _, body = read_all(connection).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 Request Timeout"), head
    assert json.loads(body) == {
        "status": 408,
        "errors": ["The request body did not arrive within 0.5 s (--body-timeout)."],
    }


def test_a_body_sent_in_pieces_in_time_is_served(slow_body_server):
    body = b'{"name": "x"}'
    request = SETTING_PUT.replace(b"Content-Length: 100000", f"Content-Length: {len(body)}".encode())
    with raw(slow_body_server) as connection:
        connection.sendall(request + body[:3])
        connection.sendall(body[3:])
        assert connection.recv(65536).split(b"\r\n", 1)[0] == b"HTTP/1.1 400 Bad Request"  # read, then judged


def test_slow_bodies_can_hold_at_most_half_the_connections(slow_body_server):
    """With the cap at 8, four may send a body slowly; the fifth is refused at once, and other
    clients are served all the while (1,000 drippers held every slot for 25 s)."""
    drippers = [raw(slow_body_server) for _ in range(5)]
    try:
        for dripper in drippers[:4]:
            dripper.sendall(SETTING_PUT + b"{")
        assert httpx.get(f"{slow_body_server.url}/__admin/health").status_code == 200
        drippers[4].sendall(SETTING_PUT + b"{")
        head, _, body = read_all(drippers[4]).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503"), head
        assert json.loads(body)["errors"] == ["Too many requests are sending their bodies slowly."]
        assert httpx.get(f"{slow_body_server.url}/__admin/health").status_code == 200
        assert [read_all(d).split(b"\r\n", 1)[0] for d in drippers[:4]] == [
            b"HTTP/1.1 408 Request Timeout"
        ] * 4
    finally:
        for dripper in drippers:
            dripper.close()
