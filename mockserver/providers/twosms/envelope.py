"""The 2SMS `ResponseOf<T>` envelope (T4, T5) in JSON and XML; OAuth2 errors for /Token (T2)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from mockserver.engine.render import Response, json_response, render
from mockserver.engine.routes import Operation
from mockserver.errors import ApiError, DomainError, Problem
from mockserver.providers.twosms import errors

SUCCESS = "Success"
TOKEN_OPERATION = "issue_token"
TOKEN_HEADERS = MappingProxyType({"Cache-Control": "no-cache", "Pragma": "no-cache", "Expires": "-1"})
"""What Katana's OAuth authorization server (behind a Web API 2 `/Token`) sends with every token
endpoint answer, success or error: a token must not be cached."""
BEARER_CHALLENGE = MappingProxyType({"WWW-Authenticate": "Bearer"})
BASIC_CHALLENGE = MappingProxyType({"WWW-Authenticate": 'Basic realm="Token"'})
"""A 401 must name a scheme the client can answer (RFC 7235); on /Token that is HTTP Basic."""
"""What Web API 2's HostAuthenticationFilter("Bearer") adds to a 401 (RFC 6750 section 3)."""

# status -> (ErrorCode, what to tell the caller) for failures that carry no domain error.
STANDARD: dict[int, tuple[str, str]] = {
    400: ("INVALID_REQUEST", "The request is invalid."),
    401: ("UNAUTHORIZED", "A valid bearer token is required; get one from /Token."),
    402: ("INSUFFICIENT_CREDITS", "The account has not enough credits."),
    404: ("NOT_FOUND", "There is nothing at this address."),
    405: ("METHOD_NOT_ALLOWED", "This method is not allowed here."),
    406: ("NOT_ACCEPTABLE", "Ask for JSON or XML: application/json, text/json, application/xml or text/xml."),
    409: ("CONFLICT", "The request conflicts with the message's state."),
    413: ("PAYLOAD_TOO_LARGE", "The request body is too large."),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Send the body in a media type this operation accepts."),
    429: ("RATE_LIMITED", "Too many requests; slow down."),
    500: ("INTERNAL_ERROR", "An unexpected error occurred."),
    503: ("SERVICE_UNAVAILABLE", "The service is unavailable."),
}

DOMAIN_ERRORS: dict[type[DomainError], tuple[int, str]] = {
    errors.InvalidRequest: (400, "INVALID_REQUEST"),
    errors.Unauthorized: (401, "UNAUTHORIZED"),
    errors.InsufficientCredits: (402, "INSUFFICIENT_CREDITS"),
    errors.MessageNotFound: (404, "MESSAGE_NOT_FOUND"),
    errors.ContactNotFound: (404, "CONTACT_NOT_FOUND"),
    errors.GroupNotFound: (404, "GROUP_NOT_FOUND"),
    errors.PageNotFound: (404, "PAGE_NOT_FOUND"),
    errors.TemplateNotFound: (404, "TEMPLATE_NOT_FOUND"),
    errors.TemplateIdTaken: (409, "TEMPLATE_ID_TAKEN"),
    errors.NotInAddressBook: (409, "CONTACT_NOT_IN_ADDRESS_BOOK"),
    errors.MessageExpired: (409, "MESSAGE_EXPIRED"),
    errors.MessageAlreadyRead: (409, "MESSAGE_ALREADY_READ"),
    errors.MessageDissolved: (409, "MESSAGE_DISSOLVED"),
    errors.ResponseLimitReached: (409, "RESPONSE_LIMIT_REACHED"),
    errors.ExpiryNotInFuture: (409, "EXPIRY_NOT_IN_FUTURE"),
    errors.InvalidRecurrence: (409, "INVALID_RECURRENCE"),
    errors.InvalidClient: (401, "invalid_client"),
    errors.UnsupportedGrantType: (400, "unsupported_grant_type"),
}


def from_domain(exc: DomainError) -> ApiError:
    status, code = DOMAIN_ERRORS.get(type(exc), (500, "INTERNAL_ERROR"))
    reason = f"{exc.message} ({exc.field})" if exc.field else exc.message
    return ApiError(status, code=code, message=reason, problems=[Problem(exc.message, exc.field)])


def success(detail: Any, user_id: str) -> dict[str, Any]:
    """JSON order as documented: Identification, Result, Detail (XML order comes from the spec)."""
    return {
        "Error": None,
        "ResponseData": {"Identification": {"UserId": user_id}, "Result": SUCCESS, "Detail": detail},
    }


def error_reason(error: ApiError) -> str:
    _, standard = STANDARD.get(error.status, ("ERROR", "The request failed."))
    if error.message:
        return error.message
    details = "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in error.problems)
    return f"{standard} {details}".strip() if details else standard


def render_error(error: ApiError, media_type: str | None, operation: Operation | None) -> Response:
    code = error.code or STANDARD.get(error.status, ("ERROR", ""))[0]
    if operation is not None and operation.operation_id == TOKEN_OPERATION:
        return _oauth_error(error, code)
    body = {"Error": {"ErrorCode": code, "ErrorReason": error_reason(error)}, "ResponseData": None}
    headers = {**BEARER_CHALLENGE, **error.headers} if error.status == 401 else error.headers
    return render(body, error.status, media_type, operation, headers=headers)


def _oauth_error(error: ApiError, code: str) -> Response:
    """/Token speaks OAuth2 (RFC 6749 section 5.2), not the envelope."""
    oauth_code = code if code in ("invalid_client", "unsupported_grant_type") else "invalid_request"
    headers = {**TOKEN_HEADERS, **error.headers}
    if error.status == 401:  # client authentication failed, whichever way it was sent (RFC 6749 5.2)
        oauth_code = "invalid_client"
        headers = {**headers, **BASIC_CHALLENGE}
    if any(p.field == "/grant_type" and "must be one of" in p.message for p in error.problems):
        oauth_code = "unsupported_grant_type"
    if error.status >= 500:
        oauth_code = "server_error"
    body = {"error": oauth_code, "error_description": error_reason(error)}
    return json_response(body, error.status, headers)
