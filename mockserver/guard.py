"""Who may drive the control plane (`/__admin`) and read the web pages.

A web page on another site must not be able to reset the fake, add admin keys or read what it
received (cross-site request forgery and DNS rebinding), so:

- the `Host` must be an IP address, `localhost`, or a name given with `--allowed-host`;
- an `Origin`, when a browser sends one, must be this server's own;
- a request that changes state must say it sends JSON or YAML (`Content-Type`): a cross-site page
  cannot send that without a CORS preflight, which the fake never grants. A request with no body
  at all (`curl -X POST .../reset`) needs none, unless a browser says it comes from another site
  (`Sec-Fetch-Site`); a bodyless cross-site request from a page also carries an `Origin`, which
  the site rules refuse first;
- with `--admin-token` (or MOCKSERVER_ADMIN_TOKEN), the admin API wants `Authorization: Bearer
  <token>` and the web pages the cookie that opening them once with `?token=<token>` sets.

The providers' own APIs are not guarded: they are what apps call, from anywhere they run.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.engine.render import json_bytes
from mockserver.errors import HttpProblem, Problem

COOKIE = "mockserver_admin"
READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})
SENDABLE_TYPES = ("application/json", "application/yaml", "text/yaml", "application/x-yaml")


@dataclass(frozen=True)
class Guard:
    token: str | None = None
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, token: str | None = None, allowed_hosts: Iterable[str] = ()) -> Guard:
        return cls(token or None, frozenset(h.lower() for h in allowed_hosts))

    def check_admin(self, method: str, headers: Mapping[str, str]) -> None:
        """HttpProblem (401 or 415) unless the control plane may serve this request; the site
        rules (`check_site`) are checked first, by the caller, for pages and admin alike."""
        if self.token is not None and not (self.bearer_ok(headers) or self.cookie_ok(headers)):
            raise HttpProblem(
                401,
                "The admin API needs the admin token: Authorization: Bearer <token>.",
                headers={"WWW-Authenticate": 'Bearer realm="mockserver-admin"'},
            )
        if method not in READ_ONLY and not _bodyless_and_not_cross_site(headers):
            media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if media_type not in SENDABLE_TYPES:
                raise HttpProblem(
                    415,
                    "A request that changes the fake must send JSON (or YAML for fixtures), or no "
                    "body at all from anything but another site's page.",
                    field="header:Content-Type",
                )

    def check_site(self, headers: Mapping[str, str]) -> None:
        """HttpProblem (403) unless the Host and Origin are this fake's own."""
        host = headers.get("host", "")
        if not self._host_allowed(host):
            raise HttpProblem(
                403,
                f"Host {host!r} is not this fake's: use an IP address or localhost, or start it with "
                "--allowed-host NAME.",
                field="header:Host",
            )
        origin = headers.get("origin")
        if origin is not None and urlsplit(origin).netloc.lower() != host.lower():
            raise HttpProblem(403, f"Requests from {origin!r} are not accepted.", field="header:Origin")

    def _host_allowed(self, host: str) -> bool:
        name = urlsplit(f"//{host}").hostname or ""
        if name == "localhost" or name in self.allowed_hosts:
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    def bearer_ok(self, headers: Mapping[str, str]) -> bool:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.matches(value.strip())

    def cookie_ok(self, headers: Mapping[str, str]) -> bool:
        if self.token is None:
            return True
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is just no cookie
            return False
        morsel = cookie.get(COOKIE)
        return morsel is not None and self.matches(morsel.value)

    def matches(self, value: str) -> bool:
        """Whether `value` is the admin token (compared in constant time)."""
        return self.token is not None and hmac.compare_digest(value.encode(), self.token.encode())


def _bodyless_and_not_cross_site(headers: Mapping[str, str]) -> bool:
    """No body, no Content-Type, and no browser saying the request comes from another site."""
    bodyless = headers.get("content-length", "0").strip() == "0" and "transfer-encoding" not in headers
    return (
        bodyless
        and "content-type" not in headers
        and headers.get("sec-fetch-site", "same-origin").lower() in ("same-origin", "none")
    )


def plain_error_body(status: int, problems: list[Problem]) -> bytes:
    """The fake's own error format, outside every provider's prefix: `{"status", "errors"}`."""
    return json_bytes({"status": status, "errors": [p.message for p in problems]})


def refusal(problem: HttpProblem) -> Response:
    return Response(
        plain_error_body(problem.status, problem.problems),
        problem.status,
        headers=problem.headers,
        media_type="application/json",
    )


class AdminGuard:
    """Middleware before the control plane: the site rules, then the admin token and the JSON
    Content-Type. A path or method the control plane does not have is left to its own 404/405."""

    def __init__(self, app: ASGIApp, guard: Guard, known: Callable[[str, str], bool]) -> None:
        self.app, self.guard, self.known = app, guard, known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            try:
                self.guard.check_site(headers)
                if self.known(scope["method"], scope["path"]):
                    self.guard.check_admin(scope["method"], headers)
            except HttpProblem as exc:
                await refusal(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class PageGuard:
    """Middleware before the web pages and the control plane's Swagger UI: the site rules; with an
    admin token, the cookie that `?token=` sets or the bearer token (pages `public` says are part
    of the fake's public face need none)."""

    def __init__(self, app: ASGIApp, guard: Guard, public: Callable[[str], bool]) -> None:
        self.app, self.guard, self.public = app, guard, public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            try:
                self.guard.check_site(headers)
            except HttpProblem as exc:
                await refusal(exc)(scope, receive, send)
                return
            if self.guard.token is not None and not self.public(scope["path"]):
                answer = self._token_page(scope, headers)
                if answer is not None:
                    await answer(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def _token_page(self, scope: Scope, headers: Mapping[str, str]) -> Response | None:
        """`?token=` (right) sets the cookie and comes back without it; without the cookie, a
        page that says how to get in."""
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        given = query.pop("token", None)
        if given is not None and self.guard.matches(given):
            location = own_path(scope["path"]) + (f"?{urlencode(query)}" if query else "")
            cookie = f"{COOKIE}={given}; Path=/; HttpOnly; SameSite=Strict"
            return Response(b"", 303, {"Location": location, "Set-Cookie": cookie}, media_type="text/plain")
        if self.guard.cookie_ok(headers) or self.guard.bearer_ok(headers):
            return None
        return Response(TOKEN_PAGE, 401, media_type="text/html; charset=utf-8")


def own_path(path: str) -> str:
    """`path` as a Location that can only lead to this server: percent-encoded (a header is
    ASCII), and one leading slash (`//evil.example/` would be another host to a browser, and
    `/\\evil.example/` too: the backslash is encoded)."""
    return "/" + quote(path, safe="/:@!$&'()*+,;=~").lstrip("/")


TOKEN_PAGE = (
    b"<!doctype html><title>sms-mockserver</title><p>This fake has an admin token: open this "
    b"page once as <code>?token=&lt;the token&gt;</code>.</p>"
)
