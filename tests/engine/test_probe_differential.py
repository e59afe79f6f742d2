"""Every construct on the allow-list, served by the compiled engine and by Connexion (`ConnexionApi`,
handlers called as Connexion calls them, `servers` as written), each sent the same generated corpus.

`probe.yaml` uses each allow-listed construct; the corpus has at least MINIMUM_PER_CONSTRUCT requests
per construct, valid and invalid values crossed by a seeded generator. Compared for every request:
the status; the media type of the answer; `Allow` on a 405 and `WWW-Authenticate` on a 401; the
body, for a success; for an error, the field Connexion's message names (the compiled engine must
name it too). A disagreement must be one of DIFFERENCES (harness.py), recognised from the request
itself; anything else fails.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import itertools
import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import httpx
import yaml

from mockserver.engine.allowlist import unlisted
from mockserver.engine.connexion_api import ConnexionApi
from mockserver.engine.dispatch import Api
from mockserver.engine.engines import mount_path
from mockserver.engine.routes import RouteTable
from mockserver.engine.specs import resolved

from .harness import DIFFERENCES, Request, _render_error

PROBE = Path(__file__).with_name("probe.yaml")
BASE = "/probe/v1"
MINIMUM_PER_CONSTRUCT = 50
KEY = {"X-Key": "good"}


def _plain(arguments: dict[str, Any]) -> dict[str, Any]:
    return {k: arguments[k] for k in sorted(arguments)}


class ProbeHandlers:
    """Each handler answers what it was called with."""

    async def query(self, **kwargs: Any) -> Any:
        return {"args": _plain(kwargs)}

    async def deep(self, **kwargs: Any) -> Any:
        return {"args": _plain(kwargs)}

    async def item(self, item_id: int, view: str) -> Any:
        if item_id == 404:
            return {"none": item_id}, 404, {"X-Probe": "three-tuple"}
        return {"item_id": item_id, "view": view}

    async def drop_item(self, item_id: int) -> Any:
        return None, 204

    async def tag(self, **kwargs: Any) -> Any:
        return {"args": _plain(kwargs)}

    async def create(self, body: Any) -> Any:
        return {"body": body}, 201

    async def named(self, payload: Any) -> Any:
        return {"payload": payload}

    async def shape(self, body: Any) -> Any:
        return {"body": body}

    async def either(self, body: Any) -> Any:
        return {"body": body}

    async def form(self, body: Any) -> Any:
        return {"body": body}

    async def basic_or_bearer(self, user: Any, token_info: Any) -> Any:
        return {"user": user, "token_info": token_info}

    async def both_keys(self, **kwargs: Any) -> Any:
        return {"args": _plain(kwargs)}

    async def scoped(self, token_info: Any) -> Any:
        return {"token_info": token_info}

    async def who(self, user: Any, token_info: Any) -> Any:
        return {"user": user, "token_info": token_info}

    async def open(self) -> Any:
        return {"text": "hello"}

    async def admin(self, token_info: Any) -> Any:
        return {"token_info": token_info}

    async def patch(self, body: Any) -> Any:
        return {"body": body}

    async def options(self, **kwargs: Any) -> Any:
        return {"args": _plain(kwargs)}

    async def trace(self) -> Any:
        return {"traced": True}

    async def head_echo(self) -> Any:
        return None, 200, {"X-Probe": "head"}

    # security functions, named by the spec's x-...InfoFunc
    def api_key(self, key: str, required_scopes: Any = None) -> Any:
        return {"sub": f"key-{key}"} if key in ("good", "also") else None

    def basic(self, username: str, password: str, required_scopes: Any = None) -> Any:
        return {"sub": username} if password == "pw" else None

    def bearer(self, token: str, required_scopes: Any = None) -> Any:
        return {"sub": "bearer-user", "uid": 7} if token == "tok" else None

    def token_info(self, token: str) -> Any:
        scopes = {"rw": ["read", "write"], "w": ["write"], "r": ["read"], "a": ["admin"]}.get(token)
        return None if scopes is None else {"sub": f"oauth-{token}", "scope": scopes}

    def admin_or_scopes(self, required_scopes: list[str], token_scopes: list[str]) -> bool:
        return "admin" in token_scopes or set(required_scopes) <= set(token_scopes)


# -- the corpus -------------------------------------------------------------------------------------
INTEGERS = ["1", "7", "50", "51", "0", "-3", "abc", "", "2.5", "1e3", " 4", "\uff10"]  # a full-width 0
NUMBERS = ["1", "0.5", "2.25", "-1", "abc", "", "1e2", "nan", "3."]
WORDS = ["a", "ab", "hello", "Ab", "", "x y", "é", "a,b", "a|b"]
BOOLEANS = ["true", "false", "True", "1", "0", "yes", ""]


def _q(path: str, pairs: list[tuple[str, str]], headers: dict[str, str] | None = None) -> Request:
    return Request("GET", f"{BASE}{path}", {**KEY, **(headers or {})}, None, urlencode(pairs) or None)


def _json(method: str, path: str, body: Any, headers: dict[str, str] | None = None) -> Request:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Request(
        method, f"{BASE}{path}", {**KEY, "Content-Type": "application/json", **(headers or {})}, content
    )


def _picks(rng: random.Random, pool: list[Any], count: int) -> Iterator[Any]:
    yield from pool
    for _ in range(max(0, count - len(pool))):
        yield rng.choice(pool)


def query_styles(rng: random.Random) -> dict[str, list[Request]]:
    mode = [("mode", "fast")]
    return {
        "query form, exploded": [
            _q("/query", mode + [("ids", v) for v in rng.sample(INTEGERS, rng.randint(1, 3))]) for _ in range(60)
        ],
        "query form, not exploded": [
            _q("/query", [*mode, ("words", ",".join(rng.sample(WORDS, rng.randint(1, 3))))]) for _ in range(60)
        ],
        "query spaceDelimited": [
            _q("/query", [*mode, ("spaced", " ".join(rng.sample(WORDS, rng.randint(1, 3))))]) for _ in range(60)
        ],
        "query pipeDelimited": [
            _q("/query", [*mode, ("piped", "|".join(rng.sample(NUMBERS, rng.randint(1, 3))))]) for _ in range(60)
        ],
        "boolean, number, multipleOf": [
            _q("/query", [*mode, ("flag", rng.choice(BOOLEANS)), ("ratio", rng.choice(NUMBERS))]) for _ in range(60)
        ],
        "dotted, dashed and camel-case names (as Connexion makes them pythonic)": [
            _q("/query", [*mode, *rng.sample([("paging.Page", rng.choice(INTEGERS)), ("sort.Field", rng.choice(["Name", "Date", "name"])), ("Max-Count", rng.choice(INTEGERS))], rng.randint(1, 3))])
            for _ in range(55)
        ],
        "enum, required, $ref parameter, default": [
            _q("/query", [(k, v) for k, v in (("mode", m), ("limit", n)) if v is not None])
            for m, n in itertools.islice(
                itertools.cycle(itertools.product(["fast", "slow", "FAST", "", None], [None, *INTEGERS])), 65
            )
        ],
    }  # fmt: skip


def deep_objects(rng: random.Random) -> dict[str, list[Request]]:
    keys = ["filter[a]", "filter[b]", "filter[c]", "filter", "filter[a][x]", "other"]
    requests = [_q("/deep", [])]
    for _ in range(60):
        requests.append(
            _q("/deep", [(rng.choice(keys), rng.choice(INTEGERS + WORDS)) for _ in range(rng.randint(1, 3))])
        )
    return {"deepObject": requests}


def paths(rng: random.Random) -> dict[str, list[Request]]:
    items = [
        Request(
            rng.choice(["GET", "DELETE"]),
            f"{BASE}/items/{quote(v)}",
            KEY,
            None,
            rng.choice([None, "view=long"]),
        )
        for v in _picks(rng, [*INTEGERS, "404"], 60)
        if v
    ]
    tags = [
        Request("GET", f"{BASE}/tags/{quote(v, safe='')}", KEY)
        for v in _picks(rng, ["ab", "abcde", "abcdef", "a", "AB", "a1", "é", "ab cd"], 60)
    ]
    routing = [
        Request(m, p, KEY)
        for m, p in _picks(
            rng,
            [("GET", "/probe/items/1"), ("GET", f"{BASE}/nowhere"), ("PATCH", f"{BASE}/items/1"),
             ("PUT", f"{BASE}/items"), ("GET", f"{BASE}/items"), ("POST", f"{BASE}/query"), ("GET", "/v1/items/1")],
            55,
        )
    ]  # fmt: skip
    return {
        "path integer, path-item parameters, 3-tuple answer": items,
        "path pattern": tags,
        "servers, 404, 405 with Allow": routing,
    }


def headers_and_cookies(rng: random.Random) -> dict[str, list[Request]]:
    traces = ["abc", "abcdefgh", "abcdefghi", ""]
    cookies = ["session=ab", "session=a", "session=", "other=1", "session=abc; x=1"]
    requests = []
    for _ in range(60):
        extra = {}
        if rng.random() < 0.7:
            extra["X-Trace"] = rng.choice(traces)
        if rng.random() < 0.7:
            extra["Cookie"] = rng.choice(cookies)
        requests.append(Request("GET", f"{BASE}/tags/ab", {**KEY, **extra}))
    return {"header and cookie parameters": requests}


ITEM_VALUES: dict[str, list[Any]] = {
    "name": ["ab", "", "Ab", "abcdefghijklmnopqrstuvwxyz", 3, None],
    "id": ["x1"],
    "secret": ["s", 1],
    "note": [None, "n", 5],
    "price": [0, 0.5, 100, 99.99, -1, "1"],
    "count": [5, 10, 7, 0, 5.0, "5"],
    "kind": ["a", "c", None],
    "tags": [["x"], [], ["x", "x"], ["a", "b", "c", "d"], [1], "x"],
    "extra": [{"a": 1}, {}, {"a": 1, "b": 2, "c": 3}, {"a": "x"}],
    "unknown": [1],
}


def bodies(rng: random.Random) -> dict[str, list[Request]]:
    items = []
    for _ in range(90):
        body = {"name": "ab"} if rng.random() < 0.6 else {}
        for key in rng.sample(sorted(ITEM_VALUES), rng.randint(0, 3)):
            body[key] = rng.choice(ITEM_VALUES[key])
        items.append(_json("POST", "/items", body))
    items += [_json("POST", "/items", raw) for raw in (b"", b"{", b"[]", b"null", b'"x"', b"{}")]
    named = [
        _json("PUT", "/named", raw)
        for raw in _picks(rng, [b"", b"{}", b'{"fresh": false}', b'{"fresh": 1}', b"null", b"[1]"], 55)
    ]
    shapes = [
        _json(
            "POST",
            "/shapes",
            rng.choice(
                [
                    {"radius": 1.5},
                    {"side": 2},
                    {"side": 2.5},
                    {"radius": 1, "side": 1},
                    {},
                    {"radius": "x"},
                    [],
                ]
            ),
        )
        for _ in range(55)
    ]
    either = [
        _json(
            "POST",
            "/either",
            {
                k: v
                for k, v in (
                    ("v", rng.choice(["ab", "abcd", 10, 9, 1.5, None])),
                    ("w", rng.choice([{"a": 1, "b": "x"}, {"a": 1}, {"b": "x"}, {"a": "1", "b": "x"}])),
                )
                if rng.random() < 0.8
            },
        )
        for _ in range(55)
    ]
    return {
        "JSON body: required, additionalProperties, readOnly, writeOnly, nullable, bounds, exclusive bounds, multipleOf, enum, arrays, objects": items,
        "x-body-name, body default": named,
        "oneOf": shapes,
        "anyOf, allOf": either,
    }  # fmt: skip


def forms(rng: random.Random) -> dict[str, list[Request]]:
    fields = {
        "name": ["ab", "a", ""],
        "age": ["3", "-1", "x", ""],
        "colours": ["red", "red,blue"],
        "single": ["1", "1,2", "x"],
        "other": ["1"],
    }
    requests = []
    for _ in range(60):
        pairs = [(k, rng.choice(fields[k])) for k in rng.sample(sorted(fields), rng.randint(1, 4))]
        if rng.random() < 0.3:
            pairs.append(("colours", "green"))
        headers = {**KEY, "Content-Type": "application/x-www-form-urlencoded"}
        requests.append(Request("POST", f"{BASE}/form", headers, urlencode(pairs).encode()))
    return {"form body, encoding explode": requests}


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def security(rng: random.Random) -> dict[str, list[Request]]:
    authorizations = [
        None, _basic("ann", "pw"), _basic("ann", "no"), "Bearer tok", "Bearer nope", "Basic ###", "Bearer",
        "Token tok", "bearer tok", "Basic " + base64.b64encode(b"nocolon").decode(),
    ]  # fmt: skip

    def auth(
        path: str, authorization: str | None, extra: dict[str, str] | None = None, params: str | None = None
    ) -> Request:
        headers = dict(extra or {})
        if authorization is not None:
            headers["Authorization"] = authorization
        return Request("GET", f"{BASE}{path}", headers, None, params)

    keys = [None, "good", "also", "bad", ""]
    return {
        "Basic or bearer": [auth("/secure/basic-or-bearer", a) for a in _picks(rng, authorizations, 60)],
        "apiKey in header and in query, both required": [
            auth("/secure/both-keys", None, {"X-Key": h} if h is not None else {}, f"key={q}" if q is not None else None)
            for h, q in _picks(rng, list(itertools.product(keys, keys)), 60)
        ],
        "OAuth2 scopes, AND within, OR between": [
            auth("/secure/scopes", t) for t in _picks(rng, [None, "Bearer rw", "Bearer w", "Bearer r", "Bearer x", "Basic eA=="], 60)
        ],
        "user and token_info": [auth("/secure/who", a) for a in _picks(rng, authorizations, 55)],
        "default security (apiKey)": [
            Request("GET", f"{BASE}/tags/ab", {"X-Key": k} if k is not None else {}) for k in _picks(rng, keys, 55)
        ],
    }  # fmt: skip


def negotiation(rng: random.Random) -> dict[str, list[Request]]:
    accepts = [None, "application/json", "application/xml", "text/html", "*/*", "application/*",
               "application/xml;q=0.5, application/json", "application/json;q=0", "text/*"]  # fmt: skip
    requests = [
        Request("GET", f"{BASE}/open", {"Accept": a} if a is not None else {})
        for a in _picks(rng, accepts, 55)
    ]
    return {"response media types": requests}


def methods_and_scope_checks(rng: random.Random) -> dict[str, list[Request]]:
    patches = [
        {"op": "add", "n": 1},
        {"op": "remove"},
        {"op": "move"},
        {},
        {"op": "add", "x": 1},
        {"op": 1},
        [],
    ]
    depths = [None, "0", "3", "4", "x", "-1"]
    tokens = [None, "Bearer a", "Bearer r", "Bearer rw", "Bearer w", "Bearer x"]
    return {
        "PATCH, a components requestBody": [_json("PATCH", "/echo", b) for b in _picks(rng, patches, 55)],
        "OPTIONS, HEAD and TRACE operations": [
            Request(m, f"{BASE}/echo", KEY, None, f"depth={d}" if d is not None and m == "OPTIONS" else None)
            for m, d in _picks(rng, list(itertools.product(["OPTIONS", "HEAD", "TRACE"], depths)), 55)
        ],
        "x-scopeValidateFunc": [
            Request("GET", f"{BASE}/secure/admin", {"Authorization": t} if t else {}) for t in _picks(rng, tokens, 55)
        ],
    }  # fmt: skip


GENERATORS = [
    query_styles, deep_objects, paths, headers_and_cookies, bodies, forms, security, negotiation,
    methods_and_scope_checks,
]  # fmt: skip


def corpus() -> dict[str, list[Request]]:
    rng = random.Random(20261206)
    constructs: dict[str, list[Request]] = {}
    for generate in GENERATORS:
        constructs.update(generate(rng))
    return constructs


# -- comparing --------------------------------------------------------------------------------------
def apps() -> tuple[Api, ConnexionApi]:
    written = yaml.safe_load(PROBE.read_text())
    base = mount_path(written, "probe")
    assert base == BASE
    handlers = ProbeHandlers()
    compiled = Api(
        RouteTable(resolved(copy.deepcopy(written)), base, source="probe"), handlers, _render_error
    )
    connexion = ConnexionApi(
        RouteTable(resolved(copy.deepcopy(written)), base), written, handlers, _render_error
    )
    return compiled, connexion


def _fields(response: httpx.Response) -> list[str | None]:
    try:
        return [field for field, _ in response.json().get("problems", [])]
    except (ValueError, AttributeError):
        return []


def _methods(response: httpx.Response) -> set[str]:
    return {m.strip() for m in response.headers.get("allow", "").split(",")}


def _parsed(response: httpx.Response) -> Any:
    """A JSON answer as data (members in any order: a JSON object has none); others as bytes."""
    try:
        return response.json()
    except ValueError:
        return response.content


def differences(ours: httpx.Response, theirs: httpx.Response) -> list[str]:
    """What differs between the two answers, by the rules in the module's docstring."""
    found = []
    if ours.status_code != theirs.status_code:
        return [f"status {ours.status_code} != {theirs.status_code}"]
    kind = [r.headers.get("content-type", "").partition(";")[0] for r in (ours, theirs)]
    if ours.content and theirs.content and kind[0] != kind[1]:
        found.append(f"content-type {kind[0]} != {kind[1]}")
    if ours.status_code == 405 and _methods(ours) != _methods(theirs):  # a list: in any order
        found.append(f"Allow {ours.headers.get('allow')} != {theirs.headers.get('allow')}")
    if ours.status_code == 401 and ("www-authenticate" in ours.headers) != (
        "www-authenticate" in theirs.headers
    ):
        found.append("WWW-Authenticate")
    if ours.status_code < 300 and _parsed(ours) != _parsed(theirs):
        found.append(f"body {ours.text[:200]} != {theirs.text[:200]}")
    theirs_field = next(iter(_fields(theirs)), None)
    # The engine may name a place inside Connexion's field (`query:ids/1`, the item, in `query:ids`).
    named = any(f == theirs_field or f.startswith(f"{theirs_field}/") for f in _fields(ours))
    if ours.status_code >= 400 and theirs_field is not None and not named:
        found.append(f"field {_fields(ours)} lacks Connexion's {theirs_field}")
    return found


async def _answers(app: Any, requests: list[Request]) -> list[httpx.Response]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe") as client:
        return [
            await client.request(
                r.method, r.path + (f"?{r.params}" if r.params else ""), headers=r.headers, content=r.content
            )
            for r in requests
        ]


def _query_number_not_finite(request: Request) -> bool:
    query = parse_qs(request.params or "", keep_blank_values=True)
    return any(
        part.strip().lower() in ("nan", "inf", "-inf", "infinity")
        for name in ("ratio", "piped")
        for value in query.get(name, [])
        for part in value.split("|")
    )


def _deep_nested(request: Request) -> bool:
    keys = parse_qs(request.params or "", keep_blank_values=True)
    return any(key.count("[") > 1 or key == "filter" for key in keys)


def _allow_superset(ours: httpx.Response, theirs: httpx.Response) -> bool:
    return ours.status_code == theirs.status_code == 405 and _methods(ours) > _methods(theirs)


RECOGNISED: dict[str, Callable[[Request, httpx.Response, httpx.Response], bool]] = {
    "not-a-number": lambda r, ours, theirs: ours.status_code == 400 and _query_number_not_finite(r),
    "deep-object-nesting": lambda r, ours, theirs: ours.status_code == 400 and _deep_nested(r),
    "allow-lists-every-method": lambda r, ours, theirs: _allow_superset(ours, theirs),
}
"""How each listed difference shows in a probe request, decided from the request and the answers."""


def explanation(request: Request, ours: httpx.Response, theirs: httpx.Response) -> str | None:
    return next((name for name, shows in RECOGNISED.items() if shows(request, ours, theirs)), None)


def test_the_probe_spec_is_on_the_allow_list():
    assert unlisted(yaml.safe_load(PROBE.read_text())) == []


def test_the_compiled_engine_answers_every_allow_listed_construct_as_connexion_does():
    constructs = corpus()
    small = {
        name: len(requests) for name, requests in constructs.items() if len(requests) < MINIMUM_PER_CONSTRUCT
    }
    assert not small, small
    requests = [r for rs in constructs.values() for r in rs]
    compiled, connexion = apps()
    ours, theirs = asyncio.run(_answers(compiled, requests)), asyncio.run(_answers(connexion, requests))

    statuses, unexplained, explained = Counter(), [], Counter()
    for request, mine, reference in zip(requests, ours, theirs, strict=True):
        statuses[mine.status_code] += 1
        found = differences(mine, reference)
        if not found:
            continue
        name = explanation(request, mine, reference)
        if name is None:
            unexplained.append(f"{request}\n  {found}\n  compiled {mine.status_code} {mine.text[:300]}"
                               f"\n  connexion {reference.status_code} {reference.text[:300]}")  # fmt: skip
        else:
            explained[name] += 1
    assert not unexplained, f"{len(unexplained)} unexplained:\n" + "\n".join(unexplained[:12])
    assert all(name in DIFFERENCES for name in RECOGNISED)
    # The corpus reaches past the checks: successes and each kind of refusal.
    assert statuses[200] >= len(requests) // 5 and {400, 401, 403, 404, 405, 406} <= set(statuses), statuses
    print(
        f"probe: {len(requests)} requests over {len(constructs)} constructs, statuses {dict(sorted(statuses.items()))}, differences {dict(explained)}"
    )
