"""Serving a spec by Connexion 3's own AsyncApp pipeline: the engine for a spec the compiled engine
does not take (see allowlist.py), and the reference the compiled engine is compared with.

Routing, parameters, security, validation and the handler call are Connexion's, as its users get
them: handlers are called with the arguments Connexion passes (by their own signature, `x-body-name`,
defaults, `user` and `token_info`). Around that pipeline the fake adds what it adds for the compiled
engine, in the same order: the body size limit, content negotiation (406), catching up with the clock,
fault rules, one store transaction around the handler, the provider's error envelope, the journal.
What Connexion leaves to its application is filled in as its documentation says to: an XML body
validator in `validator_map` (our codec parses, Connexion's Draft 4 validator decides), a `text/json`
body (which Connexion validates but hands on as bytes) decoded for the handler, and error handlers.
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import logging
import re
import time
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # Connexion imports jsonschema's RefResolver
    from connexion import AsyncApp
    from connexion.datastructures import MediaTypeDict
    from connexion.exceptions import BadRequestProblem, NonConformingResponseBody, ProblemException
    from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator
    from connexion.lifecycle import ConnexionResponse
    from connexion.middleware import MiddlewarePosition
    from connexion.resolver import Resolver
    from connexion.security import (
        ApiKeySecurityHandler,
        BasicSecurityHandler,
        BearerSecurityHandler,
        OAuthSecurityHandler,
    )
    from connexion.validators import (
        VALIDATOR_MAP,
        AbstractRequestBodyValidator,
        AbstractResponseBodyValidator,
        ParameterValidator,
    )
from jsonschema import Draft4Validator, ValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.engine import xmlcodec
from mockserver.engine.coroutines import as_async, run_without_suspending, settled
from mockserver.engine.dispatch import (
    BODY_METHODS,
    Exchange,
    Observer,
    RenderError,
    as_response,
    drop_connection,
    negotiate,
    pick_fault,
    read_body,
    request_headers,
    send_response,
    too_large,
    until_disconnected,
    with_charset,
)
from mockserver.engine.faults import Faults
from mockserver.engine.negotiation import is_xml
from mockserver.engine.plan import body_argument
from mockserver.engine.render import Response
from mockserver.engine.routes import RouteTable
from mockserver.engine.validation import refuse_lone_surrogates
from mockserver.errors import HttpProblem, SpecError
from mockserver.settings import DEFAULT_MAX_BODY


@dataclass(slots=True)
class _Call:
    """One request as it goes through Connexion's pipeline (the pipeline passes only the scope)."""

    exchange: Exchange
    receive: Receive
    headers: dict[str, str]
    xml_body: Any = None


_current: ContextVar[_Call] = ContextVar("mockserver_connexion_call")


class XMLBodyValidator(AbstractRequestBodyValidator):
    """An XML body parsed by the codec, then checked by Connexion's own Draft 4 validator."""

    async def _parse(self, stream: Any, scope: Any) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw:
            return None
        call = _current.get()
        try:
            value = _codec(call).loads(raw, self._schema)
        except xmlcodec.XMLDecodeError as exc:
            raise BadRequestProblem(detail=str(exc)) from None
        call.xml_body = value
        return value

    def _validate(self, body: Any) -> None:
        if body is None and not self._nullable:
            raise BadRequestProblem("Request body must not be empty")
        try:
            Draft4RequestValidator(self._schema, format_checker=Draft4Validator.FORMAT_CHECKER).validate(body)
        except ValidationError as exc:
            raise BadRequestProblem(detail=f"{exc.message}{_path_suffix(exc)}") from None


class XMLResponseValidator(AbstractResponseBodyValidator):
    def _parse(self, stream: Any) -> Any:
        raw = b"".join(stream)
        try:
            return _codec(_current.get()).loads(raw, self._schema) if raw else None
        except xmlcodec.XMLDecodeError as exc:
            raise NonConformingResponseBody(detail=str(exc)) from None

    def _validate(self, body: Any) -> None:
        validator = Draft4ResponseValidator(self._schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        try:
            validator.validate(body)
        except ValidationError as exc:
            raise NonConformingResponseBody(detail=exc.message) from None


def _codec(call: _Call) -> xmlcodec.XmlCodec:
    """The spec's codec (its schemas compiled once), as the compiled engine reads XML with it; a
    fresh one only where no operation was routed."""
    operation = call.exchange.operation
    return operation.xml if operation is not None else xmlcodec.XmlCodec()


def _path_suffix(exc: ValidationError) -> str:
    """Where in the body, worded as Connexion's JSON validator words it."""
    return f" - '{'.'.join(map(str, exc.path))}'" if exc.path else ""


class NamingParameterValidator(ParameterValidator):
    """Connexion's parameter check, its schema failures worded with the parameter's name (`query
    parameter 'limit': 0 is less than the minimum of 1`), as its missing-parameter message names
    it, so the envelope can name the field; only the first line of jsonschema's text is kept (the
    rest quotes the schema)."""

    @staticmethod
    def validate_parameter(parameter_type: str, value: Any, param: dict, param_name: Any = None) -> Any:
        error = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if error is None or error.startswith("Missing"):
            return error
        return f"{parameter_type} parameter '{param['name']}': {error.splitlines()[0]}"


VALIDATORS = {
    "parameter": NamingParameterValidator,
    "body": MediaTypeDict(
        {**VALIDATOR_MAP["body"], "application/xml": XMLBodyValidator, "text/xml": XMLBodyValidator}
    ),
    "response": MediaTypeDict(
        {
            **VALIDATOR_MAP["response"],
            "application/xml": XMLResponseValidator,
            "text/xml": XMLResponseValidator,
        }
    ),
}


class ConnexionApi:
    """One spec mounted at `routes.base_path`, served by Connexion; the same keywords as `Api`."""

    def __init__(
        self,
        routes: RouteTable,
        written: dict[str, Any],
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
    ) -> None:
        self.routes, self.handlers, self.render_error = routes, handlers, render_error
        self.max_body, self.faults, self.provider = max_body, faults, provider
        self.on_served, self.transaction, self.on_request = on_served, transaction, on_request
        app = AsyncApp("mockserver")
        app.add_middleware(_Prepare, position=MiddlewarePosition.BEFORE_SECURITY, api=self)
        try:
            app.add_api(
                copy.deepcopy(written),
                base_path=routes.base_path,
                resolver=_HandlerResolver(self),
                security_map={kind: bound_security(handler, handlers) for kind, handler in _SECURITY.items()},
                validator_map=VALIDATORS,
                validate_responses=validate_responses,
                pythonic_params=True,
            )
        except SpecError:
            raise
        except Exception as exc:  # Connexion's own refusal of the spec (ResolverError and the like)
            raise SpecError("", f"Connexion cannot serve it: {exc}", routes.source) from None
        for kind in (ProblemException, HTTPException, Exception):
            app.add_error_handler(kind, self._answer_error)
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exchange = Exchange(scope["path"], scope["method"], time.perf_counter())
        headers = request_headers(scope)
        call = _Call(exchange, receive, headers)
        token = _current.set(call)
        try:
            replay = await self._read_whole_body(call)
            await self.app(scope, replay, self._recording(send, exchange))
        except HttpProblem as problem:  # refused before Connexion saw the request (413)
            response = self.render_error(problem, exchange)
            exchange.status, exchange.answer = response.status, response
            await send_response(
                send, response, head=exchange.method == "HEAD", charset=self.routes.profile.charset
            )
        finally:
            _current.reset(token)
            if self.on_served is not None:
                self.on_served(scope, exchange)

    async def _read_whole_body(self, call: _Call) -> Receive:
        """The body read within the size limit (as the compiled engine reads it), then replayed
        to Connexion; the journal keeps it."""
        declared = call.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            raise too_large(self.max_body)
        body = b""
        if call.exchange.method in BODY_METHODS:
            body = call.exchange.body = await read_body(call.receive, self.max_body)
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await call.receive()  # then the client's disconnect, when it comes

        return replay

    @staticmethod
    def _recording(send: Send, exchange: Exchange) -> Send:
        """`send`, noting what was answered for the journal."""
        started: dict[str, Any] = {}

        async def recording(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body" and not exchange.dropped:
                headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in started.get("headers", [])}
                media_type = headers.pop("content-type", "").partition(";")[0].strip()
                exchange.status = started.get("status", 500)
                exchange.answer = Response(exchange.status, message.get("body", b""), media_type, headers)
            await send(message)

        return recording

    def _answer_error(self, request: Any, exc: Exception) -> ConnexionResponse:
        """Any failure in the provider's own envelope and negotiated format."""
        call = _current.get()
        return self.connexion_response(self.render_error(_as_problem(exc), call.exchange))

    def connexion_response(self, response: Response) -> ConnexionResponse:
        """An answer of the fake's, for Connexion to send (its Content-Type as the stack names it)."""
        return ConnexionResponse(
            status_code=response.status,
            body=response.body,
            content_type=with_charset(response.media_type, self.routes.profile.charset),
            headers=response.headers,
        )


_PARAMETER = re.compile(r"(query|path|header|cookie|formData) parameter '([^']+)'")
_BODY_PATH = re.compile(r" - '([^']*)'$")


def _as_problem(exc: Exception) -> Exception:
    """Connexion's and Starlette's exceptions as the fake's HttpProblem, naming the field Connexion's
    message names (`query:limit`, a JSON pointer into the body); the providers' own exceptions as
    they are."""
    if isinstance(exc, NonConformingResponseBody):
        return exc  # a bug in the fake: a 500, logged
    if isinstance(exc, ProblemException):
        detail = str(exc.detail or exc.title or "")
        return HttpProblem(exc.status, detail, field=_field_named(detail), headers=dict(exc.headers or {}))
    if isinstance(exc, HTTPException):
        return HttpProblem(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))
    return exc


def _field_named(detail: str) -> str | None:
    """The field a Connexion message names, as the fake names fields (see errors.Problem): the
    parameter, or a JSON pointer to the body member (the missing one, for a `required`)."""
    parameter = _PARAMETER.search(detail)
    if parameter:
        return f"{parameter.group(1)}:{parameter.group(2)}"
    body = _BODY_PATH.search(detail)
    parts = body.group(1).split(".") if body else []
    missing = _REQUIRED.match(detail)
    if missing:
        parts.append(missing.group(1))
    if not parts:
        return None
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


_REQUIRED = re.compile(r"^'([^']*)' is a required property")


class _QuietPerRequestNotes(logging.Filter):
    """Connexion logs a warning for every request to an operation with several body media types
    (it picks one for its defaults): nothing for a user to act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("this operation accepts multiple content types")


logging.getLogger("connexion.operations.openapi3").addFilter(_QuietPerRequestNotes())


class _Prepare:
    """After Connexion's routing, before its security: what the compiled engine does at that point
    (negotiation, the clock, fault rules)."""

    def __init__(self, app: ASGIApp, api: ConnexionApi) -> None:
        self.app, self.api = app, api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        call, api = _current.get(), self.api
        operation_id = scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id")
        operation = api.routes.operations.get(operation_id) if operation_id else None
        if operation is None:  # Connexion answers it (404, 405, a redirect)
            await self.app(scope, receive, send)
            return
        call.exchange.operation = operation
        call.exchange.media_type = negotiate(call.headers, operation, api.routes.profile)
        if api.on_request is not None:
            api.on_request()
        fault = None
        if api.faults is not None:
            fault = await pick_fault(
                api.faults, api.provider, scope, operation, call.headers, call.exchange.body
            )
        if fault is not None and fault.drop and not fault.drop_after:
            call.exchange.status, call.exchange.dropped = 200, True
            await drop_connection(send)
            return
        if fault is not None and fault.drop_after:  # it takes effect; the client never hears
            await self.app(scope, receive, _swallowing(call))
            call.exchange.dropped = True
            await drop_connection(send)
            return
        await self.app(scope, receive, send)


def _swallowing(call: _Call) -> Send:
    async def swallow(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            call.exchange.status = message["status"]

    return swallow


class _HandlerResolver(Resolver):
    """operationIds name methods of the provider's handlers; each is wrapped so that Connexion sees
    the method's own signature (and passes what it passes), and the fake's work is done around it."""

    def __init__(self, api: ConnexionApi) -> None:
        super().__init__()
        self.api = api

    def resolve_function_from_operation_id(self, operation_id: str) -> Any:
        api = self.api
        found = getattr(api.handlers, operation_id, None)
        operation = api.routes.operations.get(operation_id)
        if found is None or operation is None:
            raise SpecError(
                f"/operationId/{operation_id}", f"no handler is named {operation_id!r}", api.routes.source
            )
        method = as_async(found)
        wants_disconnected = "disconnected" in inspect.signature(method).parameters
        body_name = body_argument(operation.definition)
        declared = next(iter(operation.definition.get("requestBody", {}).get("content", {})), "").lower()

        @functools.wraps(method)
        async def call(*args: Any, **kwargs: Any) -> ConnexionResponse:
            current = _current.get()
            if wants_disconnected:  # the fake's own argument (a long poll's end), as the engine gives it
                kwargs.setdefault("disconnected", lambda: until_disconnected(current.receive))
            body = kwargs.get(body_name)
            if isinstance(body, bytes):
                kwargs[body_name] = _decoded(body, current, declared)
            # Text no answer can carry is refused as the compiled engine refuses it, not met as a
            # 500 later (Connexion's json.loads takes a lone surrogate).
            refuse_lone_surrogates(kwargs.get(body_name))
            if api.transaction is None:
                result = await method(*args, **kwargs)
            else:
                with api.transaction():
                    result = run_without_suspending(method(*args, **kwargs), operation_id)
            response = as_response(result, current.exchange.media_type, operation)
            return api.connexion_response(response)

        return call


def _decoded(body: bytes, call: _Call, declared: str) -> Any:
    """The body Connexion hands on as bytes: XML as our validator read it; JSON it validated but
    does not decode (`text/json`, or a body sent with no Content-Type, which Connexion validates
    as the first declared type, filling in the schema's default), decoded."""
    content_type = call.headers.get("content-type", "").partition(";")[0].strip().lower() or declared
    if is_xml(content_type) and call.xml_body is not None:
        return call.xml_body
    if content_type.endswith("json") and body:
        return json.loads(body)
    return body


_SECURITY = {
    "apiKey": ApiKeySecurityHandler,
    "basic": BasicSecurityHandler,
    "bearer": BearerSecurityHandler,
    "oauth2": OAuthSecurityHandler,
}


def bound_security(handler_class: type, handlers: Any) -> type:
    """Connexion's security handler, finding `x-...InfoFunc` on the handlers object by the dotted
    name's last part. Called as Connexion calls it (`request` and `required_scopes` when the
    function takes them); a function taking `headers` gets the request's headers, lower-cased, as
    the compiled engine gives them."""

    class Bound(handler_class):  # type: ignore[misc, valid-type]
        @classmethod
        def _get_function(cls, definition: dict, key: str, environ_key: str, default: Any = None) -> Any:
            name = definition.get(key)
            if not name:
                return default
            function = getattr(handlers, str(name).rsplit(".", 1)[-1], None)
            if function is None:
                raise SpecError(f"/{key}", f"{name} names no function of the provider's handlers")
            if key == "x-scopeValidateFunc":  # (required scopes, granted scopes): nothing to add
                return lambda required, granted: settled(function(required, granted), str(name))
            wanted = inspect.signature(function).parameters

            def verify(*credentials: Any, request: Any = None, required_scopes: Any = None) -> Any:
                extra: dict[str, Any] = {}
                if "headers" in wanted:
                    extra["headers"] = {k.lower(): v for k, v in request.headers.items()}
                if "request" in wanted:
                    extra["request"] = request
                if "required_scopes" in wanted:
                    extra["required_scopes"] = required_scopes
                return settled(function(*credentials, **extra), str(name))

            return verify

    return Bound
