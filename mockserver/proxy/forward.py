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
import re
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qsl

import httpx
from starlette.types import Receive, Scope, Send

from mockserver.engine.dispatch import negotiate, read_body
from mockserver.engine.render import Response
from mockserver.errors import ApiError, HttpProblem, Problem, Violation
from mockserver.guard import refusal
from mockserver.providers.base import Provider
from mockserver.proxy.checker import Checked, Checker
from mockserver.proxy.expressions import Seen
from mockserver.proxy.guards import SmsGuard
from mockserver.proxy.har import Exchange as HarExchange
from mockserver.proxy.har import HarWriter
from mockserver.proxy.pages import ProxyPages
from mockserver.proxy.recorder import Recorder
from mockserver.proxy.report import REFUSED_RULES, Reporter
from mockserver.proxy.secrets import Taint
from mockserver.settings import DEFAULT_MAX_BODY
from mockserver.state.journal import MAX_BODY_BYTES, Journal, JournalEntry, bounded_headers
from mockserver.state.masking import MASK, is_secret_name

Mode = Literal["report", "enforce"]
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding"}
)  # fmt: skip
"""Not passed on; `accept-encoding` too, so answers come unencoded and can be read and checked."""


VIOLATIONS_HEADER = b"x-mockserver-violations"
VIOLATIONS_HEADER_MAX = 1024
PAGES = "/_/"
"""Paths the proxy answers itself with its pages (no provider's spec has them)."""


@dataclass(frozen=True)
class Upstream:
    target: str
    timeout: float = 30.0
    max_answer: int = 10 * 1024 * 1024
    ca_file: str | None = None
    trust_env: bool = False
    """Use HTTP(S)_PROXY and friends from the environment (`--trust-env`); off by default."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    """By lower-case name, hop-by-hop headers left out."""
    body: bytes
    own: bool = False
    """The proxy's own 502/504, not the provider's answer."""


@dataclass
class Observers:
    """What else sees each exchange: the recording and the HAR (both optional)."""

    recorder: Recorder | None = None
    har: HarWriter | None = None


class ProxyApp:
    def __init__(
        self,
        provider: Provider,
        checker: Checker,
        upstream: Upstream,
        reporter: Reporter,
        taint: Taint,
        mode: Mode = "report",
        *,
        guard: SmsGuard | None = None,
        violations_header: bool = False,
        observers: Observers | None = None,
    ) -> None:
        self.provider, self.checker, self.upstream, self.mode = provider, checker, upstream, mode
        self.reporter, self.taint = reporter, taint
        self.guard, self.violations_header = guard or SmsGuard(), violations_header
        self.observers = observers or Observers()
        self.journal = Journal()
        self.pages = ProxyPages(self.journal, reporter, taint, provider.name)
        self.client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=upstream.trust_env,
            verify=upstream.ca_file or True,
            timeout=upstream.timeout,
            # Idle connections are let go before a server's keep-alive (uvicorn's is 5 s) would close
            # them under a request just sent: that race answered 1 PUT in 1,600 with a 502.
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=2.0),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        if path.startswith(PAGES):
            await self.pages(scope, receive, send)
            return
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
        started, clock = datetime.now(UTC), time.perf_counter()
        self._taint(headers, query, body)
        checked = self.checker.inspect(method, path, query, headers, body)
        found = [_masked(v) for v in checked.violations]
        answer = self._refusal(method, path, headers, checked, found)
        forwarded = answer is None
        if answer is None:
            answer = await self._forward(method, path, query, headers, body, checked.operation)
            forwarded = not answer.own
        members: list[str] = []
        url = self._url(path, query)
        if checked.operation is not None and forwarded:
            content_type = answer.headers.get("content-type", "")
            read = self.checker.answer(checked.operation, answer.status, content_type, answer.body)
            found += [_masked(v) for v in read.violations]
            members = read.undocumented
            self._observe(method, url, query, headers, checked, answer, read.value)
        duration = (time.perf_counter() - clock) * 1000
        self.reporter.record(method, path, checked.operation, answer.status, found,
                             forwarded=forwarded, undocumented=members)  # fmt: skip
        self._journal(started, duration, method, path, query, scope, body, answer, found)
        if self.observers.har is not None:
            self.observers.har.add(HarExchange(started, duration, method, url, headers, body, answer.status,
                                               answer.headers, answer.body))  # fmt: skip
        sent = _raw(answer.headers, answer.body)
        if self.violations_header and found:
            sent.append((VIOLATIONS_HEADER, self._header_value(found)))
        await send({"type": "http.response.start", "status": answer.status, "headers": sent})
        await send({"type": "http.response.body", "body": answer.body})

    def _refusal(
        self, method: str, path: str, headers: dict[str, str], checked: Checked, found: list[Violation]
    ) -> Answer | None:
        """The proxy's own answer when the request must not be forwarded: a guard's refusal
        (403), or in `enforce` mode the provider's own 400 for an invalid request."""
        reason = self.guard.refusal(method, path, checked)
        if reason is not None:
            print(self.taint.scrub(f"refused: {method} {path}: {reason}"), file=self.reporter.out, flush=True)
            return self._answer(ApiError(403, problems=[Problem(reason)]), headers, checked.operation)
        if self.mode == "enforce":
            problems = [Problem(v.message, v.where) for v in found if v.rule in REFUSED_RULES]
            if problems:
                return self._answer(ApiError(400, problems=problems), headers, checked.operation)
        return None

    def _observe(
        self,
        method: str,
        url: str,
        query: bytes,
        headers: dict[str, str],
        checked: Checked,
        answer: Answer,
        value: Any,
    ) -> None:
        if self.observers.recorder is None or checked.operation is None:
            return
        seen = Seen(
            method=method,
            url=url,
            status=answer.status,
            operation=checked.operation,
            request_headers=headers,
            query=dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True)),
            path_params=checked.path_params,
            request_body=checked.body,
            response_headers=answer.headers,
            response_body=value,
        )
        self.observers.recorder.see(seen)

    def _journal(
        self,
        started: datetime,
        duration: float,
        method: str,
        path: str,
        query: bytes,
        scope: Scope,
        body: bytes,
        answer: Answer,
        found: list[Violation],
    ) -> None:
        # Kept as seen, in memory only, like `serve`'s journal: masked by name when read, and every
        # page is scrubbed by the taint as it is sent (pages.py). Scrubbing here would rebuild the
        # taint's automaton at every request that brought a new secret.
        self.journal.record(
            JournalEntry(
                at=started,
                provider=self.provider.name,
                method=method,
                path=path,
                query=query.decode("latin-1"),
                status=answer.status,
                duration_ms=round(duration, 2),
                raw_headers=bounded_headers(tuple(scope["headers"])),
                raw_body=body[:MAX_BODY_BYTES],
                answer_body=answer.body[:MAX_BODY_BYTES],
                response_type=answer.headers.get("content-type", ""),
                violations=tuple(found),
            )
        )

    def _header_value(self, found: list[Violation]) -> bytes:
        """`N violations: side rule at where; ...`, one line of printable ASCII, at most
        VIOLATIONS_HEADER_MAX bytes (cut with `...`)."""
        parts = [f"{v.side} {v.rule}" + (f" at {v.where}" if v.where else "") for v in found]
        text = self.taint.scrub(
            f"{len(found)} violation{'s' if len(found) != 1 else ''}: " + "; ".join(parts)
        )
        text = "".join(c if " " <= c <= "~" else "?" for c in text)
        if len(text) > VIOLATIONS_HEADER_MAX:
            text = text[: VIOLATIONS_HEADER_MAX - 3] + "..."
        return text.encode("ascii")

    def _url(self, path: str, query: bytes) -> str:
        return self.upstream.target.rstrip("/") + path + (f"?{query.decode('latin-1')}" if query else "")

    async def _forward(
        self,
        method: str,
        path: str,
        query: bytes,
        headers: dict[str, str],
        body: bytes,
        operation: str | None,
    ) -> Answer:
        """The target's answer, or the proxy's own 502/504 (`own`) when there is none."""
        url = self._url(path, query)
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
        return Answer(answer.status_code, kept, answer_body)

    def _failed(self, status: int, message: str, headers: dict[str, str], operation: str | None) -> Answer:
        return replace(
            self._answer(ApiError(status, problems=[Problem(message)]), headers, operation), own=True
        )

    def _answer(self, error: ApiError, headers: dict[str, str], operation: str | None) -> Answer:
        rendered = self._envelope(error, headers, operation)
        return Answer(error.status, {"content-type": rendered.media_type, **rendered.headers}, rendered.body)

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


def _masked(violation: Violation) -> Violation:
    """A violation at a secret field says what is wrong, never the value (quoted in the message)."""
    last = (violation.where or "").rsplit("/", 1)[-1].rpartition(":")[2]
    if not last or not is_secret_name(last):
        return violation
    return replace(violation, message=_QUOTED.sub(f"'{MASK}'", violation.message))


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def _raw(headers: dict[str, str], body: bytes) -> list[tuple[bytes, bytes]]:
    kept = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    return [*kept, (b"content-length", str(len(body)).encode())]
