"""HTTP limits uvicorn's httptools protocol lacks: the size of a request's headers, the time a
client may take to send them and its body, and how many connections may be sending a body slowly.
Without them one client can stall every other (a 64 MiB header takes httptools seconds to parse)
or hold connections open for ever. Its refusals in JSON, saying what was wrong. And each answer
written in one send, not two (`OneWritePerAnswer`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver.settings import Limits


def protocol_with(limits: Limits, *, origin_form_only: bool = False) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with `limits` applied, writing each answer at once.
    `origin_form_only`: a request target that is not a path (`GET http://host/ HTTP/1.1`, the form
    a forward proxy takes) is refused, as the validation proxy forwards to one target only."""
    slow_bodies: set[Any] = set()
    """Connections whose request body did not arrive with its headers and is still arriving; at
    most half the connection cap may be, so slow bodies can never hold every slot."""
    slow_body_cap = max(1, limits.max_connections // 2)

    class LimitedHttpProtocol(HttpToolsProtocol):
        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.limit_concurrency = None  # checked by _over_capacity instead, to answer in JSON
            self._header_bytes = self._header_size = 0
            self._reading_headers, self._too_large, self._in_body = True, False, False
            self._header_timer: asyncio.TimerHandle | None = None
            self._body_timer: asyncio.TimerHandle | None = None
            self._arm_header_timer()

        def _arm_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
            self._header_timer = self.loop.call_later(limits.header_timeout, self._headers_too_slow)

        def _headers_too_slow(self) -> None:
            if self._reading_headers and not self.transport.is_closing():
                self.transport.close()  # idle, or dripping its headers: not worth a slot

        def data_received(self, data: bytes) -> None:
            if self._reading_headers:
                self._header_bytes += len(data)
            self._feed(data)
            # Counted before parsing; refused only if the headers are still unfinished after this
            # chunk, so a body arriving with the headers never counts against them.
            if self._reading_headers and self._header_bytes > limits.max_header_bytes:
                self._refuse_headers()
            elif self._in_body and self._body_timer is None:
                self._body_is_slow()

        def _body_is_slow(self) -> None:
            """The body did not come whole with the headers: it has `body_timeout` seconds to."""
            slow_bodies.add(self)
            if len(slow_bodies) > slow_body_cap:
                self._refuse(503, "Service Unavailable", "Too many requests are sending their bodies slowly.")
                return
            self._body_timer = self.loop.call_later(limits.body_timeout, self._body_too_slow)

        def _body_too_slow(self) -> None:
            if self._in_body:
                message = (
                    f"The request body did not arrive within {limits.body_timeout:g} s (--body-timeout)."
                )
                if self.cycle is not None and self.cycle.response_started:
                    self.transport.close()  # answered already: nothing more can be said
                else:
                    self._refuse(408, "Request Timeout", message)

        def _body_done(self) -> None:
            self._in_body = False
            slow_bodies.discard(self)
            if self._body_timer is not None:
                self._body_timer.cancel()
                self._body_timer = None

        def _feed(self, data: bytes) -> None:
            """uvicorn's own `data_received`, but a request the parser refuses is answered with
            what the parser said was wrong (uvicorn answers every one alike, in text)."""
            self._unset_keepalive_if_required()
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserUpgrade:
                if self._should_upgrade():
                    self.handle_websocket_upgrade()
                else:
                    self._unsupported_upgrade_warning()
            except httptools.HttpParserError as exc:
                if self._too_large:
                    self._refuse_headers()
                else:
                    self.logger.warning("Invalid HTTP request received: %s", exc)
                    self._refuse(400, "Bad Request", f"The request is not valid HTTP/1.1: {exc}.")

        def _refuse_headers(self) -> None:
            self._refuse(
                431,
                "Request Header Fields Too Large",
                f"The request's headers are over {limits.max_header_bytes // 1024} KiB "
                "(the server's --max-header-kib).",
            )

        def _refuse(self, status: int, reason: str, message: str) -> None:
            """The fake's plain error format, `{"status", "errors"}`; the connection is closed."""
            if self.transport.is_closing():
                return
            body = json.dumps({"status": status, "errors": [message]}).encode()
            self.transport.write(
                f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n".encode()
                + b"content-length: "
                + str(len(body)).encode()
                + b"\r\nconnection: close\r\n\r\n"
                + body
            )
            self.transport.close()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._reading_headers, self._header_bytes, self._header_size = True, 0, 0
            self._too_large = self._absolute_form = False

        # The exact size, as the parser hands over the request line and each header.
        def on_url(self, url: bytes) -> None:
            self._count(len(url))
            if origin_form_only and not self.url and not url.startswith(b"/"):
                self._absolute_form = True
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count(len(name) + len(value))
            super().on_header(name, value)

        def _count(self, size: int) -> None:
            self._header_size += size
            if self._header_size > limits.max_header_bytes:
                self._too_large = True
                raise ValueError("request headers too large")  # stops the parser: see _feed

        def on_headers_complete(self) -> None:
            self._reading_headers = False
            if self._header_timer is not None:
                self._header_timer.cancel()
            if self._over_capacity():
                return
            if self._absolute_form:
                self._refuse(
                    400, "Bad Request", "Only a path may be asked for here: this is not a forward proxy."
                )
                return
            super().on_headers_complete()
            self._in_body = True  # until on_message_complete, in this chunk or a later one
            if self.cycle is not None:
                self.cycle.transport = OneWritePerAnswer(self.transport, self.loop)

        def _over_capacity(self) -> bool:
            """uvicorn's own `limit_concurrency` check (switched off in `connection_made`), but
            answered in JSON: past the cap of connections or requests in flight, a 503."""
            cap = limits.max_connections
            if len(self.connections) < cap and len(self.tasks) < cap:
                return False
            self.logger.warning("Exceeded concurrency limit.")
            message = f"The fake has {cap} connections open, its most (--max-connections): try again later."
            self._refuse(503, "Service Unavailable", message)
            return True

        def on_body(self, body: bytes) -> None:
            if self.cycle is not None and not self.transport.is_closing():  # else: refused already
                super().on_body(body)

        def on_message_complete(self) -> None:
            self._body_done()
            if self.cycle is not None:  # None: refused before a request cycle began
                super().on_message_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm_header_timer()  # the next request's headers (an idle one: keep-alive closes it)

        def connection_lost(self, exc: Exception | None) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
            self._body_done()
            super().connection_lost(exc)

    return LimitedHttpProtocol


class OneWritePerAnswer:
    """The transport an answer is written through: the status line and headers are held back and
    go out with the body's first chunk, one send instead of two (uvicorn writes each at once). If no
    body follows in the same turn of the event loop (a stream's first chunk comes later, or HEAD),
    they go out alone then. Measured: about a tenth of the CPU a small answer costs."""

    __slots__ = ("_head", "_loop", "_started", "_transport")

    def __init__(self, transport: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._transport, self._loop = transport, loop
        self._head: bytes | None = None
        self._started = False

    def write(self, data: bytes) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.writelines((head, data))
        elif not self._started:
            self._started, self._head = True, data
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            if not self._transport.is_closing():
                self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
