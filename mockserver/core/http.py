"""HTTP plumbing shared by every provider: request guard, exception translation."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import logging
import typing as t

from connexion.exceptions import ProblemException
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from werkzeug.http import parse_options_header

from mockserver.core.errors import ApiError, Problem, one_line
from mockserver.core.faults import Faults
from mockserver.core.negotiation import choose_media_type
from mockserver.core.routes import Operation
from mockserver.core.validation import InvalidInput

logger = logging.getLogger("mockserver")

MEDIA_TYPE_KEY = "media_type"
"""Key of the negotiated response media type in Connexion's request context."""

DEFAULT_MAX_BODY = 1024 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class HTTPProblem(ProblemException):
    """A request refused by the guard, before the provider's handler ever sees it."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status=status, title=detail, detail=detail)


OperationLookup = t.Callable[[str, str], Operation | None]


class RequestGuard:
    """Runs after routing, before security: bounds the body, normalises Content-Type, negotiates.

    - A body over `max_body` bytes (declared or streamed) is a 413, read no further.
    - The body is buffered and replayed with an exact Content-Length, so chunked uploads are
      validated like any other (Connexion treats a body without Content-Length as absent).
    - The Content-Type media type is lower-cased (Connexion matches validators case-sensitively,
      so `Application/JSON` would skip validation) and an unknown charset is a 415.
    - `Accept` picks the response media type among the operation's; none acceptable is a 406.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        operations: OperationLookup,
        max_body: int,
        faults: Faults,
        fault_free: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.operations = operations
        self.max_body = max_body
        self.faults = faults
        self.fault_free = fault_free
        """Mount paths that faults never touch (the control plane)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = self._operation(scope) if scope["type"] == "http" else None
        if operation is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            raise HTTPProblem(413, f"The request body exceeds the limit of {self.max_body} bytes.")
        context = scope.setdefault("extensions", {}).setdefault("connexion_context", {})
        context[MEDIA_TYPE_KEY] = self._negotiate(headers.get(b"accept"), operation)
        body = b""
        if scope["method"] in BODY_METHODS and (declared not in (None, b"0") or _chunked(headers)):
            receive, body = await self._buffer(scope, receive)
        if b"content-type" in headers:
            self._normalise_content_type(scope, headers[b"content-type"])
        base_path = scope["extensions"]["connexion_routing"].get("api_base_path", "")
        injectable = self.faults and base_path not in self.fault_free
        if injectable and await self._inject_fault(
            scope, send, base_path.strip("/"), operation, headers, body
        ):
            return
        await self.app(scope, receive, send)

    async def _inject_fault(
        self,
        scope: Scope,
        send: Send,
        provider: str,
        operation: Operation,
        headers: dict[bytes, bytes],
        body: bytes,
    ) -> bool:
        """Apply the first matching fault rule; True when the connection was dropped."""
        rule = self.faults.pick(
            provider=provider,
            operation_id=operation.operation_id,
            method=scope["method"],
            path=scope["path"],
            headers={k.decode("latin-1"): v.decode("latin-1") for k, v in headers.items()},
            body=_json_or_none(body),
        )
        if rule is None:
            return False
        if rule.delay_ms:
            await asyncio.sleep(rule.delay_ms / 1000)  # an injected slow answer, on purpose
        if rule.drop:
            # Promise a body and send none: the client sees the connection close mid-answer.
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]}
            )
            with contextlib.suppress(Exception):  # the server refuses the short body: the point
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            return True
        if rule.status is not None:
            raise InjectedFault(rule.status, rule.message)
        return False

    def _operation(self, scope: Scope) -> Operation | None:
        routing = scope.get("extensions", {}).get("connexion_routing", {})
        operation_id = routing.get("operation_id")
        if operation_id is None:
            return None
        return self.operations(routing.get("api_base_path", ""), operation_id)

    @staticmethod
    def _negotiate(accept: bytes | None, operation: Operation) -> str | None:
        if not operation.produces:
            return None
        chosen = choose_media_type(accept.decode("latin-1") if accept else None, operation.produces)
        if chosen is None:
            offered = ", ".join(operation.produces)
            raise HTTPProblem(406, f"The Accept header allows none of the available types: {offered}.")
        return chosen

    async def _buffer(self, scope: Scope, receive: Receive) -> tuple[Receive, bytes]:
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise HTTPProblem(413, f"The request body exceeds the limit of {self.max_body} bytes.")
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        scope["headers"] = [
            (k, v) for k, v in scope["headers"] if k not in (b"content-length", b"transfer-encoding")
        ] + [(b"content-length", str(len(body)).encode())]
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay, body

    @staticmethod
    def _normalise_content_type(scope: Scope, raw: bytes) -> None:
        media_type, options = parse_options_header(raw.decode("latin-1"))
        charset = options.get("charset")
        if charset:
            try:
                codecs.lookup(charset)
            except LookupError:
                raise HTTPProblem(415, f"The charset {charset!r} is not supported.") from None
        value = media_type.lower() + (f"; charset={charset.lower()}" if charset else "")
        scope["headers"] = [
            (k, value.encode("latin-1") if k == b"content-type" else v) for k, v in scope["headers"]
        ]


class InjectedFault(ProblemException):
    """A failure a fault rule asked for; rendered in the provider's own envelope."""

    def __init__(self, status: int, message: str | None) -> None:
        detail = message or f"Injected fault: HTTP {status}."
        headers = {"Retry-After": "1"} if status in (429, 503) else None
        super().__init__(status=status, title=detail, detail=detail, headers=headers)


def _json_or_none(body: bytes) -> object:
    try:
        return json.loads(body) if body else None
    except (ValueError, RecursionError):
        return None


def _chunked(headers: dict[bytes, bytes]) -> bool:
    return b"chunked" in headers.get(b"transfer-encoding", b"").lower()


def to_api_error(exc: Exception) -> ApiError:
    """Translate anything Connexion or Starlette raised into the neutral ApiError."""
    if isinstance(exc, InvalidInput):
        return ApiError(400, problems=list(exc.problems))
    if isinstance(exc, ProblemException):
        detail = one_line(exc.detail or exc.title or "")
        headers = dict(exc.headers or {})
        field = getattr(exc, "field", None)
        return ApiError(exc.status, problems=[Problem(detail, field)] if detail else [], headers=headers)
    if isinstance(exc, StarletteHTTPException):
        detail = one_line(exc.detail or "")
        headers = dict(exc.headers or {})
        return ApiError(exc.status_code, problems=[Problem(detail)] if detail else [], headers=headers)
    return ApiError(500)
