"""Acme's error envelope: `{"error": {"code", "message"}}`, the one place outcomes become statuses."""

from __future__ import annotations

from acme_sms import model
from mockserver.engine.render import Response, json_response
from mockserver.engine.routes import Operation
from mockserver.errors import ApiError, DomainError, Problem

CODES = {
    400: "invalid_request",
    401: "unauthorized",
    402: "insufficient_credits",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
DOMAIN_STATUS: dict[type[DomainError], int] = {
    model.Unauthorized: 401,
    model.WrongProject: 403,
    model.NotEnoughCredits: 402,
    model.MessageNotFound: 404,
}


def from_domain(exc: DomainError) -> ApiError:
    return ApiError(DOMAIN_STATUS.get(type(exc), 500), problems=[Problem(exc.message, exc.field)])


def render_error(error: ApiError, media_type: str | None, operation: Operation | None) -> Response:
    message = "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in error.problems)
    code = error.code or CODES.get(error.status, "error")
    body = {"error": {"code": code, "message": message or "refused"}}
    return json_response(body, error.status, error.headers)
