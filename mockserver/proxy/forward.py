"""The proxy as an ASGI app: each request checked, forwarded to one fixed target, its answer checked
and passed back as the target sent it (`report`), or an invalid request answered with the
provider's own 400 and never forwarded (`enforce`: no real SMS sent, no credit spent).

Safety: CONNECT is refused (this is a reverse proxy to one target, not a forward proxy; an
absolute-form target is refused by the HTTP layer, `http_limits.py`); redirects are passed back,
never followed; environment proxies are ignored; TLS is verified (`ca_file` for a private CA); an
upstream that does not answer in time is a 504, one that cannot be reached or answers more than
`max_answer` bytes a 502, each in the provider's envelope.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Literal

import httpx
from starlette.types import Receive, Scope, Send

from mockserver.engine.dispatch import negotiate, read_body, send_response
from mockserver.engine.render import Response
from mockserver.errors import ApiError, HttpProblem, Problem
from mockserver.guard import refusal
from mockserver.providers.base import Provider
from mockserver.proxy.checker import Checker, Violation
from mockserver.proxy.report import Reporter
from mockserver.proxy.secrets import Taint
from mockserver.settings import DEFAULT_MAX_BODY

Mode = Literal["report", "enforce"]
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding"}
)  # fmt: skip
"""Not passed on; `accept-encoding` too, so answers come unencoded and can be read and checked."""


@dataclass(frozen=True)
class Upstream:
    target: str
    timeout: float = 30.0
    max_answer: int = 10 * 1024 * 1024
    ca_file: str | None = None


class ProxyApp:
    def __init__(
        self,
        provider: Provider,
        checker: Checker,
        upstream: Upstream,
        reporter: Reporter,
        taint: Taint,
        mode: Mode = "report",
    ) -> None:
        self.provider, self.checker, self.upstream, self.mode = provider, checker, upstream, mode
        self.reporter, self.taint = reporter, taint
        self.client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            verify=upstream.ca_file or True,
            timeout=upstream.timeout,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        if method == "CONNECT":
            problem = HttpProblem(405, "CONNECT is not served: this proxy forwards to one target only.")
            await refusal(problem)(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope.get("query_string", b"")
        try:
            body = await read_body(receive, DEFAULT_MAX_BODY)
        except HttpProblem as exc:
            await refusal(exc)(scope, receive, send)
            return
        self._taint(headers, query, body)
        operation, found = self.checker.request(method, path, query, headers, body)
        if self.mode == "enforce" and found:
            problems = [Problem(v.message, v.where) for v in found if not _forgiven(v)]
            if problems:
                answer = self._envelope(ApiError(400, problems=problems), headers, operation)
                self.reporter.record(method, path, operation, answer.status, found)
                await send_response(send, answer)
                return
        status, answer_headers, answer_body, own = await self._forward(
            method, path, query, headers, body, operation
        )
        if operation is not None and not own:  # `own`: the proxy's 502/504, not the provider's answer
            content_type = answer_headers.get("content-type", "")
            found += self.checker.response(operation, status, content_type, answer_body)
        self.reporter.record(method, path, operation, status, found)
        await send(
            {"type": "http.response.start", "status": status, "headers": _raw(answer_headers, answer_body)}
        )
        await send({"type": "http.response.body", "body": answer_body})

    async def _forward(
        self,
        method: str,
        path: str,
        query: bytes,
        headers: dict[str, str],
        body: bytes,
        operation: str | None,
    ) -> tuple[int, dict[str, str], bytes, bool]:
        """The target's status, headers and body, and whether the proxy answered instead."""
        url = self.upstream.target.rstrip("/") + path + (f"?{query.decode('latin-1')}" if query else "")
        sent = {k: v for k, v in headers.items() if k not in HOP_BY_HOP}
        try:
            async with self.client.stream(method, url, headers=sent, content=body) as answer:
                chunks, size = [], 0
                async for chunk in answer.aiter_raw():
                    size += len(chunk)
                    if size > self.upstream.max_answer:
                        return self._failed(
                            502,
                            f"The provider's answer is over {self.upstream.max_answer:,} bytes.",
                            headers,
                            operation,
                        )
                    chunks.append(chunk)
                kept = {k.lower(): v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
                answer_body = b"".join(chunks)
        except httpx.TimeoutException:
            return self._failed(
                504, f"The provider did not answer within {self.upstream.timeout:g} s.", headers, operation
            )
        except httpx.HTTPError as exc:
            return self._failed(502, f"The provider cannot be reached: {exc}", headers, operation)
        self.taint.see_headers(kept)
        self.taint.see_body(answer_body)
        return answer.status_code, kept, answer_body, False

    def _failed(
        self, status: int, message: str, headers: dict[str, str], operation: str | None
    ) -> tuple[int, dict[str, str], bytes, bool]:
        answer = self._envelope(ApiError(status, problems=[Problem(message)]), headers, operation)
        return status, {"content-type": answer.media_type, **answer.headers}, answer.body, True

    def _envelope(self, error: ApiError, headers: dict[str, str], operation: str | None) -> Response:
        """The provider's own error envelope, in the media type the request negotiates."""
        found = self.checker.routes.operations.get(operation) if operation else None
        media_type = None
        if found is not None:
            with contextlib.suppress(HttpProblem):  # an Accept the operation cannot meet: the default
                media_type = negotiate(headers, found, self.checker.routes.profile)
        return self.provider.render_error(error, media_type, found)

    def _taint(self, headers: dict[str, str], query: bytes, body: bytes) -> None:
        self.taint.see_headers(headers)
        self.taint.see_query(query.decode("latin-1"))
        self.taint.see_body(body)


def _forgiven(violation: Violation) -> bool:
    """What the provider's own stack forgives (a client warning) is reported, never refused."""
    return violation.rule not in ("route", "security", "parameters", "media-type", "body")


def _raw(headers: dict[str, str], body: bytes) -> list[tuple[bytes, bytes]]:
    kept = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    return [*kept, (b"content-length", str(len(body)).encode())]
