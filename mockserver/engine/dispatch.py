"""Serving one mounted spec: an ASGI app that runs each request through its operation's plan.

Per request: match the route, bound and read the body, negotiate the response type, maybe inject a
fault, authenticate, check parameters and body, call the handler, check the response (when asked),
send it. Any failure on the way becomes the API's own error format through `render_error`.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from starlette.types import Receive, Scope, Send
from werkzeug.http import parse_options_header

from mockserver.engine import xmlcodec
from mockserver.engine.coroutines import run_without_suspending
from mockserver.engine.faults import FaultRule, Faults
from mockserver.engine.negotiation import is_xml
from mockserver.engine.plan import Plan, compile_plan, is_json
from mockserver.engine.profile import StackProfile
from mockserver.engine.render import Response, render
from mockserver.engine.routes import Operation, RouteTable
from mockserver.engine.validation import InvalidInput, SchemaCheck
from mockserver.errors import ClientWarning, HttpProblem, Problem, SpecError
from mockserver.settings import DEFAULT_MAX_BODY

logger = logging.getLogger("mockserver")

WARNINGS_HEADER = "X-Mockserver-Warnings"
"""On an answer whose request drew client warnings: how many (they are in the journal). The fake's
own header, so a client or a contract run can tell a forgiven request from an accepted one."""
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(slots=True)
class Exchange:
    """What is known about a request so far; an error is rendered with whatever that is."""

    path: str
    method: str
    started: float = 0.0
    operation: Operation | None = None
    media_type: str | None = None
    """The negotiated response media type."""
    body: bytes = b""
    content_type: str | None = None
    """The request's media type, lower-cased (None: no Content-Type)."""
    charset: str = "utf-8"
    status: int = 500
    """What was answered (200 for a connection dropped on purpose mid-answer)."""
    answer: Response | None = None
    """The response sent, once sent."""
    dropped: bool = False
    """The connection was dropped on purpose (a fault) instead of answering."""
    warnings: list[ClientWarning] | None = None
    """What the provider's stack forgave in the request (see binding.py)."""


RenderError = Callable[[Exception, Exchange], Response]
Observer = Callable[[Scope, Exchange], None]


class InjectedFault(HttpProblem):
    """A failure a fault rule asked for; rendered in the API's own envelope."""

    def __init__(self, status: int, message: str | None) -> None:
        headers = {"Retry-After": "1"} if status in (429, 503) else None
        super().__init__(status, message or f"Injected fault: HTTP {status}.", headers=headers)


class ResponseMismatch(Exception):
    """A handler answered something its spec does not allow: a bug in the fake, served as a 500."""


class Api:
    """One spec mounted at `routes.base_path`, its operationIds bound to methods of `handlers`."""

    def __init__(
        self,
        routes: RouteTable,
        handlers: Any,
        render_error: RenderError,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        faults: Faults | None = None,
        provider: str | None = None,
        validate_responses: bool = False,
        on_served: Observer | None = None,
        transaction: Callable[[], AbstractContextManager[Any]] | None = None,
        on_request: Callable[[], None] | None = None,
        strict: bool = False,
    ) -> None:
        self.routes = routes
        self.on_served = on_served
        """Told about every request once it was answered (the journal)."""
        self.transaction = transaction
        """When given, each request's checks and handler run as one unit of work, all or nothing;
        the handler must then finish without awaiting (nothing else may run inside the unit)."""
        self.on_request = on_request
        """Called before each request's checks and handler, outside its unit of work (time may
        have moved: the provider catches up with the clock)."""
        self.render_error = render_error
        self.max_body = max_body
        self.faults = faults
        self.provider = provider
        self.charset = routes.profile.charset
        """Named in every answer's Content-Type, if the provider's stack names one."""
        self.strict = strict
        """Forgive nothing: bodies are read as the schema says even where the provider's stack
        profile binds them more forgivingly."""
        spec = routes.spec
        profile = routes.profile.plain_bodies() if strict else routes.profile
        schemes = spec.get("components", {}).get("securitySchemes", {})
        try:
            self.plans = {
                op_id: compile_plan(operation, handlers, schemes, spec.get("security", []), profile)
                for op_id, operation in routes.operations.items()
            }
        except SpecError as exc:
            exc.spec = exc.spec or routes.source
            raise
        self._response_checks: dict[tuple[str, int, str], SchemaCheck] | None = (
            {} if validate_responses else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange = Exchange(scope["path"], scope["method"], time.perf_counter())
        try:
            response = await self._serve(scope, receive, send, exchange)
        except Exception as exc:  # every failure is answered in the API's own format
            response = self.render_error(exc, exchange)
        try:
            if response is not None:
                if exchange.warnings:
                    count = str(len(exchange.warnings))
                    response = replace(response, headers={**response.headers, WARNINGS_HEADER: count})
                exchange.status, exchange.answer = response.status, response
                await send_response(send, response, head=exchange.method == "HEAD", charset=self.charset)
        finally:
            if self.on_served is not None:
                self.on_served(scope, exchange)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, exchange: Exchange) -> Response | None:
        operation, path_params = self.routes.resolve(exchange.method, exchange.path)
        exchange.operation = operation
        plan = self.plans[operation.operation_id]
        headers = request_headers(scope)
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            raise too_large(self.max_body)
        exchange.media_type = negotiate(headers, operation, self.routes.profile)
        body = b""
        if exchange.method in BODY_METHODS and (declared not in (None, "0") or _chunked(headers)):
            body = exchange.body = await read_body(receive, self.max_body)
        # An unknown charset is a 415 before the fault rules, security and body checks (after
        # routing, the size limit and negotiation).
        exchange.content_type, exchange.charset = content_type_of(headers.get("content-type"))
        fault = await self._inject_fault(scope, operation, headers, body) if self.faults else None
        if fault is not None and fault.drop and not fault.drop_after:
            await drop_connection(send)
            exchange.status, exchange.dropped = 200, True
            return None
        kwargs: dict[str, Any] = {"disconnected": lambda: until_disconnected(receive)}
        if self.on_request is not None:
            self.on_request()
        if self.transaction is None:
            result = await plan.handler(
                **self._arguments(plan, kwargs, headers, path_params, scope, exchange)
            )
        else:
            with self.transaction():
                call = plan.handler(**self._arguments(plan, kwargs, headers, path_params, scope, exchange))
                result = run_without_suspending(call, operation.operation_id)
        response = as_response(result, exchange.media_type, operation)
        if self._response_checks is not None:
            self._check_response(operation, response)
        if fault is not None and fault.drop_after:  # it took effect; the client never hears
            await drop_connection(send)
            exchange.status, exchange.answer, exchange.dropped = response.status, response, True
            return None
        return response

    @staticmethod
    def _arguments(
        plan: Plan,
        kwargs: dict[str, Any],
        headers: dict[str, str],
        path_params: dict[str, str],
        scope: Scope,
        exchange: Exchange,
    ) -> dict[str, Any]:
        """Authenticate, check parameters and body: what the handler is called with."""
        query_string = scope.get("query_string", b"")
        if plan.security:
            token_info = plan.authenticate(headers, query_string, exchange.method, exchange.path)
            kwargs["token_info"] = token_info
            if isinstance(token_info, dict):  # as Connexion's security puts it in the context
                kwargs["user"] = token_info.get("sub", token_info.get("uid"))
        kwargs.update(plan.parameters(path_params, query_string, headers))
        if plan.bodies:
            kwargs[plan.body_name] = parsed_body(plan, exchange)
        return {k: v for k, v in kwargs.items() if k in plan.arguments}

    async def _inject_fault(
        self, scope: Scope, operation: Operation, headers: dict[str, str], body: bytes
    ) -> FaultRule | None:
        assert self.faults is not None
        return await pick_fault(self.faults, self.provider, scope, operation, headers, body)

    def _check_response(self, operation: Operation, response: Response) -> None:
        """The response must match the spec's schema for its status and media type."""
        assert self._response_checks is not None
        problems = response_problems(
            operation, response.status, response.media_type, response.body, self._response_checks
        )
        if problems:
            first = problems[0]
            where = f"{first.field}: " if first.field and first.field.startswith("/") else ""
            raise ResponseMismatch(f"{operation.operation_id}: {where}{first.message}")


def response_problems(
    operation: Operation,
    status: int,
    media_type: str,
    body: bytes,
    checks: dict[tuple[str, int, str], SchemaCheck],
) -> list[Problem]:
    """What is wrong with an answer by the spec: its status or media type not declared (field
    `status`, `media-type`), a body that does not parse, or the schema's problems (JSON pointers).
    `checks` keeps each compiled schema for the next answer of the same kind."""
    return checked_answer(operation, status, media_type, body, checks)[0]


def checked_answer(
    operation: Operation,
    status: int,
    media_type: str,
    body: bytes,
    checks: dict[tuple[str, int, str], SchemaCheck],
) -> tuple[list[Problem], Any, SchemaCheck | None]:
    """`response_problems`, with the body as decoded (None when it has no schema or does not
    parse) and the schema check it was held to, for a caller that reads the answer too."""
    key = (operation.operation_id, status, media_type)
    check = checks.get(key)
    if check is None:
        declared = operation.responses.get(str(status)) or operation.responses.get("default")
        if declared is None:
            return [Problem(f"{status} {media_type} is not declared", "status")], None, None
        if declared and media_type not in declared:
            return [Problem(f"{status} {media_type} is not declared", "media-type")], None, None
        check = checks[key] = SchemaCheck(declared.get(media_type, {}), response=True)
    if not check.schema:
        return [], None, check
    try:
        value = operation.xml.loads(body, check.schema) if is_xml(media_type) else json.loads(body)
    except (ValueError, xmlcodec.XMLDecodeError) as exc:
        return [Problem(f"the body does not parse: {exc}", "body")], None, check
    return check.problems(value), value, check


async def pick_fault(
    faults: Faults,
    provider: str | None,
    scope: Scope,
    operation: Operation,
    headers: dict[str, str],
    body: bytes,
) -> FaultRule | None:
    """The first matching fault rule, its delay served and its status raised; the caller drops
    the connection for a `drop` rule (before the operation, or after it for `drop_after`)."""
    rule = faults.pick(
        provider=provider or "",
        operation_id=operation.operation_id,
        method=scope["method"],
        path=scope["path"],
        headers=headers,
        body=_json_or_none(body),
    )
    if rule is None:
        return None
    if rule.delay_ms:
        await _sleep_at_least(rule.delay_ms / 1000)  # an injected slow answer, on purpose
    if rule.status is not None and not (rule.drop or rule.drop_after):  # a drop wins over a status
        raise InjectedFault(rule.status, rule.message)
    return rule


async def drop_connection(send: Send) -> None:
    """Promise a body and send none: the client sees the connection close mid-answer."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]})
    with contextlib.suppress(Exception):  # the server refuses the short body: the point
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def request_headers(scope: Scope) -> dict[str, str]:
    """The request's headers by (lower-case) name. The first of repeated headers counts, as
    Starlette's `Headers.get` (and so Connexion) reads it."""
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in reversed(scope["headers"])}


async def _sleep_at_least(seconds: float) -> None:
    """Event-loop timers may fire a little early (uvloop rounds to milliseconds): sleep again until
    the whole delay has passed, so an injected delay is a floor."""
    deadline = time.perf_counter() + seconds
    while (left := deadline - time.perf_counter()) > 0:
        await asyncio.sleep(left)


def as_response(result: Any, media_type: str | None = None, operation: Operation | None = None) -> Response:
    """A handler's answer (a body; a (body, status) or (body, status, headers) tuple; a ready
    Response) rendered in the negotiated media type, as Connexion's response decorator serialises
    what a handler returns."""
    if isinstance(result, Response):
        return result
    if not isinstance(result, tuple):
        return render(result, 200, media_type, operation)
    body, status, headers = (*result, None) if len(result) == 2 else result
    return render(body, status, media_type, operation, headers)


async def until_disconnected(receive: Receive) -> None:
    """Returns when the client has gone (what a long poll waits for besides its answer)."""
    while (await receive())["type"] != "http.disconnect":
        pass


def with_charset(media_type: str, charset: str | None) -> str:
    """The Content-Type of an answer: a JSON or XML one names `charset` when the stack names one."""
    if charset is not None and (is_json(media_type) or is_xml(media_type)):
        return f"{media_type}; charset={charset}"
    return media_type


async def send_response(
    send: Send, response: Response, *, head: bool = False, charset: str | None = None
) -> None:
    """The response; for HEAD, its headers (the length the body would have) and no body. With
    `charset`, a JSON or XML answer's Content-Type names it."""
    content_type = with_charset(response.media_type, charset)
    headers = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", str(len(response.body)).encode("latin-1")),
    ]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else response.body})


def negotiate(headers: dict[str, str], operation: Operation, profile: StackProfile) -> str | None:
    """The answer's media type, as the provider's stack chooses it; HttpProblem 406 if it refuses."""
    if not operation.produces:
        return None
    request_type = headers.get("content-type", "").partition(";")[0].strip().lower() or None
    chosen = profile.negotiate(headers.get("accept"), request_type, operation.produces)
    if chosen is None:
        offered = ", ".join(operation.produces)
        raise HttpProblem(406, f"The Accept header allows none of the available types: {offered}.")
    return chosen


def too_large(limit: int) -> HttpProblem:
    return HttpProblem(413, f"The request body exceeds the limit of {limit} bytes.")


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body (chunked or not), refused as soon as it passes `limit`."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


@lru_cache(maxsize=256)
def content_type_of(raw: str | None) -> tuple[str | None, str]:
    """The media type (lower-cased) and charset of a Content-Type; an unknown charset is a 415."""
    if raw is None:
        return None, "utf-8"
    media_type, options = parse_options_header(raw)
    charset = options.get("charset", "utf-8").lower()
    try:
        # Only text encodings: `rot13`, `base64` or `hex` are codecs too, but not charsets.
        text_encoding = codecs.lookup(charset)._is_text_encoding
    except LookupError:
        text_encoding = False
    if not text_encoding:
        raise HttpProblem(415, f"The charset {charset!r} is not supported.")
    return media_type.lower(), charset


def parsed_body(plan: Plan, exchange: Exchange) -> Any:
    """The request body as the handler gets it (decoded, bound, checked); InvalidInput or an
    HttpProblem (415) if it cannot be; `exchange.warnings` gets what the binding forgave."""
    definition = plan.body_for(exchange.content_type)
    if not exchange.body:
        if plan.body_required:
            raise InvalidInput([Problem("the request body must not be empty")])
        return definition.absent()
    media_type = exchange.content_type or definition.media_type
    value = definition.decode(exchange.body, exchange.charset, media_type)
    if definition.binder is not None:
        value, warnings = definition.bind(value, media_type)
        exchange.warnings = warnings or None
    problems = definition.problems(value, media_type)
    if problems:
        raise InvalidInput(problems)
    return value


def _json_or_none(body: bytes) -> object:
    try:
        return json.loads(body) if body else None
    except (ValueError, RecursionError):
        return None


def _chunked(headers: dict[str, str]) -> bool:
    return "chunked" in headers.get("transfer-encoding", "").lower()
