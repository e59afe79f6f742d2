"""The JFramework envelope (J12-J14): the one place where outcomes become status codes and bodies."""

from __future__ import annotations

from typing import Any

from mockserver.engine.render import Response, json_response
from mockserver.engine.routes import Operation
from mockserver.errors import ApiError, DomainError, Problem
from mockserver.providers.jframework import model
from mockserver.state.clock import dotnet_isoformat

SUCCESS_MESSAGE = "The request was successful."

# status -> (error code, standard message), from the provider's error pages.
STANDARD: dict[int, tuple[str, str]] = {
    400: ("InvalidInput", "The input is invalid."),
    401: ("Unauthorized", "The user is not authorized to access the requested resource."),
    403: ("AccessDenied", "The user's access was denied."),
    404: ("NotFound", "The requested resource was not found."),
    405: ("MethodNotAllowed", "The method is not allowed for the requested resource."),
    406: ("NotAcceptable", "The requested response format is not available."),
    409: ("Conflict", "The request conflicts with an existing setting."),
    413: ("PayloadTooLarge", "The request body is too large."),
    415: ("UnsupportedMediaType", "The request body must be application/json."),
    429: ("RateLimitExceeded", "API call exceeded rate limit due to too many requests."),
    500: ("InternalServerError", "An unexpected error occurred."),
    503: ("ServiceUnavailable", "The service is unavailable."),
}

# domain error -> (status, error code, message); None keeps the standard message for the status.
DOMAIN_ERRORS: dict[type[DomainError], tuple[int, str, str | None]] = {
    model.Unauthorized: (401, "Unauthorized", None),
    model.AccessDenied: (403, "AccessDenied", None),
    model.SettingNotFound: (404, "AppIntegrationSMSNotFound", "The AppIntegrationSMS is not found."),
    model.AppIntegrationNotFound: (404, "AppIntegrationNotFound", "The AppIntegration is not found."),
    model.AppIntegrationReferenceNotFound: (
        409,
        "AppIntegrationNotFound",
        "The AppIntegration is not found.",
    ),
    model.AppIntegrationUnsupported: (
        409,
        "AppIntegrationUnsupported",
        "The app integration is unsupported.",
    ),
    model.SettingLimitReached: (
        409,
        "AppIntegrationSMSLimitReached",
        "The brand has the most SMS settings the fake keeps.",
    ),
    model.InvalidField: (400, "InvalidInput", None),
    model.RateLimited: (429, "RateLimitExceeded", None),
}


def from_domain(exc: DomainError) -> ApiError:
    status, code, message = DOMAIN_ERRORS.get(type(exc), (500, "InternalServerError", None))
    error = ApiError(status, code=code, message=message, problems=[Problem(exc.message, exc.field)])
    if isinstance(exc, model.RateLimited):
        error.headers["Retry-After"] = str(exc.retry_after)
    return error


def ok(data: Any, status: int = 200, message: str = SUCCESS_MESSAGE) -> tuple[dict[str, Any], int]:
    return {
        "success": True,
        "statusCode": status,
        "message": message,
        "data": data,
        "errors": [],
    }, status


def error_body(error: ApiError) -> dict[str, Any]:
    code, standard = STANDARD.get(error.status, ("Error", "The request failed."))
    code = error.code or code
    message = error.message or standard
    if error.status == 401 and error.problems:
        message = f"{message} {error.problems[0].message}"  # J2: name the header at fault
    problems = error.problems or [Problem(message)]
    return {
        "success": False,
        "statusCode": error.status,
        "message": message,
        "data": None,
        "errors": [
            {
                "code": code,
                "message": p.message,
                "details": p.field or p.message,
                "correlationId": error.correlation_id or "",
            }
            for p in problems
        ],
    }


def render_error(
    error: ApiError, media_type: str | None = None, operation: Operation | None = None
) -> Response:
    """Every JFramework error is JSON, whatever was negotiated (J14)."""
    return json_response(error_body(error), error.status, error.headers)


# Members in the docs' order: the entity's own, then `id` (and `createdDate`, which the docs' samples
# leave out) last, as the docs print them (J19).
def integration_json(entry: model.AppIntegration) -> dict[str, Any]:
    return {
        "type": entry.type,
        "name": entry.name,
        "domain": entry.domain,
        "description": entry.description,
        "logoURL": entry.logo_url,
        "status": entry.status,
        "id": entry.id,
        "createdDate": dotnet_isoformat(entry.created) if entry.created else None,
    }


def setting_json(view: model.SettingView) -> dict[str, Any]:
    s = view.setting
    return {
        "appIntegration": integration_json(view.integration),
        "name": s.name,
        "username": s.username,
        "password": s.password,
        "phoneNumber": s.phone_number,
        "description": s.description,
        "status": s.status,
        "isDefault": s.is_default,
        "id": s.id,
        "createdDate": dotnet_isoformat(s.created),
    }
