"""Security requirements, checked as Connexion 3's `SecurityHandlerFactory` checks them.

A scheme whose credential is absent has no say (NO_VALUE); one whose credential is present calls
the provider's function, which returns what the handler gets as `token_info` (None: refused, 401) or
raises. Alternatives are tried in order and the first that passes wins; schemes combined in one
requirement must all pass. When every alternative fails, the most specific failure is raised (403,
then 401, then the lowest status); when none had a credential, a 401 naming the first one missing.
Schemes Connexion would not serve (other HTTP schemes, openIdConnect, a missing info function) are
refused at start-up.
"""

from __future__ import annotations

import base64
import binascii
import http.cookies
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from mockserver.engine.coroutines import settled
from mockserver.errors import HttpProblem, SpecError

NO_VALUE: Any = object()
"""A scheme whose credential the request does not carry."""


class MissingCredentials(HttpProblem):
    """A 401 for a required credential that is absent; `field` names where it was expected."""

    def __init__(self, where: str, name: str, detail: str | None = None) -> None:
        label = f"{name} header" if where == "header" else f"{name} {where} value"
        super().__init__(
            401, detail or f"The request is missing the required {label}.", field=f"{where}:{name}"
        )


class Refused(HttpProblem):
    """Credentials were present and wrong (401), or not enough (403 for OAuth2 scopes)."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the schemes read from a request; also what a security function taking `request` gets
    (as Connexion hands it its request): `.headers` (lower-cased names), `.method`, `.path`."""

    headers: Mapping[str, str]
    query_string: bytes
    method: str = "GET"
    path: str = ""

    def query(self, name: str) -> str | None:
        pairs = parse_qsl(self.query_string.decode("latin-1"), keep_blank_values=True)
        return next((value for key, value in pairs if key == name), None)

    def cookie(self, name: str) -> str | None:
        jar = http.cookies.SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except http.cookies.CookieError:
            return None
        morsel = jar.get(name)
        return morsel.value if morsel is not None else None

    def authorization(self) -> tuple[str, str] | None:
        """(scheme lower-cased, value) of the Authorization header; a one-word header is a 401."""
        value = self.headers.get("authorization")
        if not value:
            return None
        parts = value.split(maxsplit=1)
        if len(parts) != 2:
            raise Refused(401, "Invalid authorization header.", field="header:Authorization")
        return parts[0].lower(), parts[1]


@dataclass(frozen=True, slots=True)
class Scheme:
    """One security scheme bound to its provider function."""

    name: str
    kind: str
    """apiKey, basic, bearer or oauth2."""
    location: str
    """Where the credential is: header, query or cookie."""
    key: str
    """The header, query or cookie name."""
    verify: Callable[..., Any]
    passes: frozenset[str]
    """Extra arguments the function takes: `headers`, `request`, `required_scopes`."""
    validate_scopes: Callable[[list[str], Any], bool] | None

    def check(self, request: Credentials, scopes: list[str]) -> Any:
        """token_info, NO_VALUE when the credential is absent; raises Refused when it is wrong."""
        if self.kind == "apiKey":
            credential = self._api_key(request)
            if credential is None:
                return NO_VALUE
            return self._call("Provided apikey is not valid.", scopes, request, credential)
        authorization = request.authorization()
        wanted = "basic" if self.kind == "basic" else "bearer"
        if authorization is None or authorization[0] != wanted:
            return NO_VALUE
        if self.kind == "basic":
            user, password = _basic(authorization[1])
            return self._call("Provided authorization is not valid.", scopes, request, user, password)
        info = self._call("Provided token is not valid.", scopes, request, authorization[1])
        if self.kind == "oauth2":
            self._check_scopes(scopes, info)
        return info

    def _api_key(self, request: Credentials) -> str | None:
        if self.location == "header":
            return request.headers.get(self.key.lower())
        if self.location == "query":
            return request.query(self.key)
        return request.cookie(self.key)

    def _call(self, refusal: str, scopes: list[str], request: Credentials, *credential: str) -> Any:
        extra: dict[str, Any] = {}
        if "headers" in self.passes:
            extra["headers"] = request.headers
        if "request" in self.passes:
            extra["request"] = request
        if "required_scopes" in self.passes:
            extra["required_scopes"] = scopes
        info = settled(self.verify(*credential, **extra), f"security function of {self.name}")
        if info is None:
            raise Refused(401, refusal, field=self._field())
        return info

    def _check_scopes(self, scopes: list[str], info: Any) -> None:
        granted = info.get("scope", info.get("scopes", "")) if isinstance(info, Mapping) else ""
        check = self.validate_scopes or _has_scopes
        if not settled(check(scopes, granted), f"scope check of {self.name}"):
            raise Refused(403, f"Provided token does not have the required scopes: {', '.join(scopes)}.")

    def _field(self) -> str:
        return f"{self.location}:{self.key}"

    def missing(self) -> MissingCredentials:
        if self.kind == "apiKey":
            return MissingCredentials(self.location, self.key)
        return MissingCredentials("header", "Authorization", "No authorization token provided.")


def _basic(value: str) -> tuple[str, str]:
    try:
        user, _, password = base64.b64decode(value, validate=False).decode("latin-1").partition(":")
    except (binascii.Error, ValueError):
        raise Refused(401, "Invalid authorization header.", field="header:Authorization") from None
    if not _:
        raise Refused(401, "Invalid authorization header.", field="header:Authorization")
    return user, password


def _has_scopes(required: list[str], granted: Any) -> bool:
    have = set(granted) if isinstance(granted, list) else set(str(granted).split())
    return set(required) <= have


Requirement = tuple[tuple[Scheme, list[str]], ...]
"""Schemes that must all pass, each with the scopes it must grant."""


def authenticate(requirements: tuple[Requirement, ...], request: Credentials) -> Any:
    """The first passing alternative's token_info (per scheme name when it combines several)."""
    errors: list[Exception] = []
    absent: list[Scheme] = []
    for requirement in requirements:
        try:
            info = _all_of(requirement, request, absent)
        except Exception as exc:  # a refusal (or any failure) of this alternative; try the next
            errors.append(exc)
            continue
        if info is not NO_VALUE:
            return info
    if errors:
        raise _most_specific(errors)
    raise absent[0].missing()


def _all_of(requirement: Requirement, request: Credentials, absent: list[Scheme]) -> Any:
    """token_info of a requirement, NO_VALUE (noting the scheme) at the first absent credential."""
    if not requirement:
        return {}  # `{}`: security is optional
    infos = {}
    for scheme, scopes in requirement:
        info = scheme.check(request, scopes)
        if info is NO_VALUE:
            absent.append(scheme)
            return NO_VALUE
        infos[scheme.name] = info
    return next(iter(infos.values())) if len(infos) == 1 else infos


def _most_specific(errors: list[Exception]) -> Exception:
    """403 (authenticated, not allowed), then 401, then the lowest status, as Connexion picks."""
    by_status = {getattr(e, "status", 600): e for e in errors}
    for status in (403, 401):
        if status in by_status:
            return by_status[status]
    return by_status[min(by_status)]


# -- compiling ------------------------------------------------------------------------------------
_INFO_FUNCTIONS = {"apiKey": "x-apikeyInfoFunc", "basic": "x-basicInfoFunc", "bearer": "x-bearerInfoFunc"}


def compile_scheme(name: str, spec: dict, functions: Any, pointer: str) -> Scheme:
    """A security scheme bound to the provider's function its `x-...InfoFunc` names."""
    kind = spec.get("type")
    if kind == "http":
        kind = str(spec.get("scheme", "")).lower()
        if kind not in ("basic", "bearer"):
            raise SpecError(f"{pointer}/scheme", f"HTTP authentication scheme {kind!r} is not supported")
    elif kind == "apiKey":
        if spec.get("in") not in ("header", "query", "cookie"):
            raise SpecError(f"{pointer}/in", f"an apiKey in {spec.get('in')!r} is not supported")
        if "x-authentication-scheme" in spec:
            raise SpecError(f"{pointer}/x-authentication-scheme", "x-authentication-scheme is not supported")
    elif kind != "oauth2":
        raise SpecError(f"{pointer}/type", f"security scheme type {kind!r} is not supported")
    key = "x-tokenInfoFunc" if kind == "oauth2" else _INFO_FUNCTIONS[kind]
    verify = _function(spec, key, functions, pointer)
    scope_check = _function(spec, "x-scopeValidateFunc", functions, pointer, required=False)
    parameters = inspect.signature(verify).parameters
    passes = frozenset(p for p in ("headers", "request", "required_scopes") if p in parameters)
    location = spec.get("in", "header") if kind == "apiKey" else "header"
    key_name = spec.get("name", "Authorization") if kind == "apiKey" else "Authorization"
    return Scheme(name, kind, location, key_name, verify, passes, scope_check)


def _function(spec: dict, key: str, functions: Any, pointer: str, *, required: bool = True) -> Any:
    """The provider's method a dotted name ends with (the spec keeps a readable dotted name)."""
    dotted = spec.get(key)
    if dotted is None:
        if required:
            raise SpecError(
                f"{pointer}/{key}", f"{key} is missing: Connexion would refuse every request (401)"
            )
        return None
    function = getattr(functions, str(dotted).rsplit(".", 1)[-1], None)
    if function is None:
        raise SpecError(f"{pointer}/{key}", f"{dotted} names no function of the provider's handlers")
    return function


def compile_requirements(
    requirements: list[dict[str, list[str]]], schemes: dict[str, dict], functions: Any, pointer: str
) -> tuple[Requirement, ...]:
    """The alternatives of a `security` list, each scheme bound; SpecError for an unknown name."""
    compiled = []
    for index, requirement in enumerate(requirements):
        oauth = [name for name in requirement if schemes.get(name, {}).get("type") == "oauth2"]
        if len(oauth) > 1:
            raise SpecError(
                f"{pointer}/{index}", "several OAuth2 schemes in one requirement are not supported"
            )
        bound = []
        for name, scopes in requirement.items():
            if name not in schemes:
                raise SpecError(f"{pointer}/{index}/{name}", f"no security scheme is named {name!r}")
            where = f"/components/securitySchemes/{name}"
            bound.append((compile_scheme(name, schemes[name], functions, where), list(scopes or [])))
        compiled.append(tuple(bound))
    return tuple(compiled)
