"""Connexion security handlers bound to one app's objects instead of to global functions."""

from __future__ import annotations

from typing import Any

from connexion.exceptions import OAuthProblem
from connexion.security import NO_VALUE, ApiKeySecurityHandler, BearerSecurityHandler


class MissingCredentials(OAuthProblem):
    """A 401 for a required credentials header that is absent; `field` names the header."""

    def __init__(self, header: str) -> None:
        super().__init__(detail=f"The request is missing the required {header} header.")
        self.field = f"header:{header}"


def bound_security_map(target: Any) -> dict[str, type]:
    """A `security_map` whose apiKey and bearer schemes call methods of `target`.

    The spec's `x-apikeyInfoFunc` / `x-bearerInfoFunc` keep a readable dotted name; its last part
    names the method. A missing apiKey header is a 401 that names the header, instead of
    Connexion's generic message (every scheme in our specs is required, so there is never an
    alternative to fall back on).
    """

    def resolve(handler: Any, security_scheme: dict) -> Any:
        return getattr(target, security_scheme[handler.security_definition_key].rsplit(".", 1)[-1])

    class BoundApiKeySecurityHandler(ApiKeySecurityHandler):
        _resolve_func = resolve

        def _get_verify_func(self, api_key_info_func: Any, loc: str, name: str, required_scopes: Any) -> Any:
            verify = super()._get_verify_func(api_key_info_func, loc, name, required_scopes)

            def wrapper(request: Any) -> Any:
                result = verify(request)
                if result is NO_VALUE:
                    raise MissingCredentials(name)
                return result

            return wrapper

    class BoundBearerSecurityHandler(BearerSecurityHandler):
        _resolve_func = resolve

    return {"apiKey": BoundApiKeySecurityHandler, "bearer": BoundBearerSecurityHandler}
