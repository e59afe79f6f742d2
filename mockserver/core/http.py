"""HTTP plumbing shared by every provider: request guard, exception translation."""

from __future__ import annotations

import codecs
import logging
import typing as t

from connexion.exceptions import ProblemException
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from werkzeug.http import parse_options_header

from mockserver.core.errors import ApiError, Problem, one_line
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

    def __init__(self, app: ASGIApp, *, operations: OperationLookup, max_body: int) -> None:
        self.app = app
        self.operations = operations
        self.max_body = max_body

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
        if scope["method"] in BODY_METHODS and (declared not in (None, b"0") or _chunked(headers)):
            receive = await self._buffer(scope, receive)
        if b"content-type" in headers:
            self._normalise_content_type(scope, headers[b"content-type"])
        await self.app(scope, receive, send)

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

    async def _buffer(self, scope: Scope, receive: Receive) -> Receive:
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

        return replay

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
