"""engine/security.py: alternatives (OR), combinations (AND), apiKey in header/query/cookie, basic,
bearer, OAuth2 scopes; the most specific error when every alternative fails."""

import base64
from typing import Any

import pytest

from mockserver.errors import HttpProblem, SpecError
from tests.engine.harness import Request, check, spec_of

SCHEMES = {
    "KeyA": {"type": "apiKey", "in": "header", "name": "X-Key-A", "x-apikeyInfoFunc": "x.key_a"},
    "KeyB": {"type": "apiKey", "in": "header", "name": "X-Key-B", "x-apikeyInfoFunc": "x.key_b"},
    "QueryKey": {"type": "apiKey", "in": "query", "name": "api_key", "x-apikeyInfoFunc": "x.key_a"},
    "CookieKey": {"type": "apiKey", "in": "cookie", "name": "sid", "x-apikeyInfoFunc": "x.key_a"},
    "Basic": {"type": "http", "scheme": "basic", "x-basicInfoFunc": "x.basic"},
    "Bearer": {"type": "http", "scheme": "bearer", "x-bearerInfoFunc": "x.bearer"},
    "OAuth": {
        "type": "oauth2",
        "flows": {"clientCredentials": {"tokenUrl": "/token", "scopes": {"read": "", "write": ""}}},
        "x-tokenInfoFunc": "x.oauth",
    },
}


class Guarded:
    def key_a(self, key):
        return {"sub": "a", "key": key} if key == "good-a" else None

    def key_b(self, key):
        if key == "forbidden":
            raise HttpProblem(403, "not for you")
        return {"sub": "b"} if key == "good-b" else None

    def basic(self, user, password):
        return {"sub": user} if (user, password) == ("ada", "s3cret") else None

    def bearer(self, token):
        return {"sub": "t"} if token == "tok" else None

    def oauth(self, token):
        return {"sub": "o", "scope": "read"} if token == "read-token" else None

    async def guarded(self, token_info):
        return {"token_info": token_info}


def spec(security: list) -> dict:
    operation = {"operationId": "guarded", "security": security, "responses": {"200": {"description": "ok"}}}
    return spec_of({"/g": {"get": operation}}, components={"securitySchemes": SCHEMES})


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


ALTERNATIVES = spec([{"KeyA": []}, {"KeyB": []}])


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-Key-A": "good-a"}, 200),
        ({"X-Key-B": "good-b"}, 200),
        ({"X-Key-A": "bad", "X-Key-B": "good-b"}, 200),  # an invalid A does not spoil a valid B
        ({"X-Key-A": "bad"}, 401),
        ({"X-Key-A": "bad", "X-Key-B": "forbidden"}, 403),  # the most specific failure wins
    ],
)
def test_alternatives(headers, status):
    check(ALTERNATIVES, Guarded(), Request("GET", "/g", headers=headers), status)


def test_no_credential_at_all_is_a_401_naming_the_missing_header():
    response = check(ALTERNATIVES, Guarded(), Request("GET", "/g"), 401)
    assert response.json()["problems"] == [
        ["header:X-Key-A", "The request is missing the required X-Key-A header."]
    ]


COMBINED = spec([{"KeyA": [], "KeyB": []}])


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-Key-A": "good-a", "X-Key-B": "good-b"}, 200),
        ({"X-Key-A": "good-a"}, 401),
        ({"X-Key-A": "good-a", "X-Key-B": "bad"}, 401),
        ({"X-Key-A": "good-a", "X-Key-B": "forbidden"}, 403),
    ],
)
def test_combinations(headers, status):
    response = check(COMBINED, Guarded(), Request("GET", "/g", headers=headers), status)
    if status == 200:
        assert response.json()["token_info"] == {"KeyA": {"sub": "a", "key": "good-a"}, "KeyB": {"sub": "b"}}


def test_api_key_in_query_and_cookie():
    check(spec([{"QueryKey": []}]), Guarded(), Request("GET", "/g", params={"api_key": "good-a"}), 200)
    check(spec([{"QueryKey": []}]), Guarded(), Request("GET", "/g", params={"api_key": "no"}), 401)
    check(spec([{"CookieKey": []}]), Guarded(), Request("GET", "/g", headers={"Cookie": "sid=good-a"}), 200)
    check(spec([{"CookieKey": []}]), Guarded(), Request("GET", "/g", headers={"Cookie": "sid=nope"}), 401)


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (basic("ada", "s3cret"), 200),
        (basic("ada", "wrong"), 401),
        ("Basic !!!notbase64", 401),
        ("Basic", 401),
        ("Bearer tok", 401),  # another scheme: no Basic credential at all
    ],
)
def test_http_basic(authorization, status):
    check(
        spec([{"Basic": []}]),
        Guarded(),
        Request("GET", "/g", headers={"Authorization": authorization}),
        status,
    )


@pytest.mark.parametrize(
    ("authorization", "status"), [("Bearer tok", 200), ("bearer tok", 200), ("Bearer nope", 401)]
)
def test_http_bearer(authorization, status):
    check(
        spec([{"Bearer": []}]),
        Guarded(),
        Request("GET", "/g", headers={"Authorization": authorization}),
        status,
    )


def test_oauth2_scopes():
    read = spec([{"OAuth": ["read"]}])
    write = spec([{"OAuth": ["write"]}])
    check(read, Guarded(), Request("GET", "/g", headers={"Authorization": "Bearer read-token"}), 200)
    check(write, Guarded(), Request("GET", "/g", headers={"Authorization": "Bearer read-token"}), 403)
    check(read, Guarded(), Request("GET", "/g", headers={"Authorization": "Bearer other"}), 401)


def test_optional_security():
    optional = spec([{}, {"KeyA": []}])
    assert check(optional, Guarded(), Request("GET", "/g"), 200).json() == {"token_info": {}}


# -- the module on its own: schemes compiled and checked without an app ----------------------------
def _compiled(requirements: list[dict], functions: Any) -> Any:
    from mockserver.engine.security import compile_requirements

    schemes = {
        "key": {"type": "apiKey", "in": "header", "name": "X-Key", "x-apikeyInfoFunc": "m.key"},
        "basic": {"type": "http", "scheme": "basic", "x-basicInfoFunc": "m.basic"},
    }
    return compile_requirements(requirements, schemes, functions, "/security")


class _Functions:
    def key(self, value: str) -> dict | None:
        return {"key": value} if value == "good" else None

    def basic(self, user: str, password: str) -> dict | None:
        return {"user": user} if password == "pw" else None


def test_authenticate_takes_the_first_alternative_that_passes_and_names_each_scheme_of_a_combination():
    from mockserver.engine.security import Credentials, authenticate

    either = _compiled([{"key": []}, {"basic": []}], _Functions())
    basic = "Basic " + base64.b64encode(b"ann:pw").decode()
    assert authenticate(either, Credentials({"x-key": "good"}, b"")) == {"key": "good"}
    assert authenticate(either, Credentials({"authorization": basic}, b"")) == {"user": "ann"}
    both = _compiled([{"key": [], "basic": []}], _Functions())
    info = authenticate(both, Credentials({"x-key": "good", "authorization": basic}, b""))
    assert info == {"key": {"key": "good"}, "basic": {"user": "ann"}}


def test_authenticate_refuses_a_wrong_credential_401_and_names_a_missing_one():
    from mockserver.engine.security import Credentials, authenticate

    either = _compiled([{"key": []}], _Functions())
    with pytest.raises(HttpProblem) as wrong:
        authenticate(either, Credentials({"x-key": "bad"}, b""))
    assert wrong.value.status == 401
    with pytest.raises(HttpProblem, match="X-Key") as missing:
        authenticate(either, Credentials({}, b""))
    assert missing.value.status == 401


def test_an_unknown_scheme_or_function_is_refused_at_start_up():
    from mockserver.engine.security import compile_requirements

    with pytest.raises(SpecError, match="no security scheme is named 'nope'"):
        _compiled([{"nope": []}], _Functions())
    with pytest.raises(SpecError, match="names no function"):
        compile_requirements(
            [{"k": []}],
            {"k": {"type": "apiKey", "in": "header", "name": "K", "x-apikeyInfoFunc": "m.gone"}},
            _Functions(),
            "",
        )
