"""Connexion as the oracle for the real specs: the fake served by the compiled engine and the fake
served by Connexion's AsyncApp pipeline (`--engine connexion`, handlers called as Connexion calls
them) answer the same corpus of requests, in the same order, each on a world of its own built the
same way (same fixtures, seed and frozen clock).

Both serve every provider with the plain OpenAPI profile: Connexion's meaning is what is compared.
2SMS's own profile (ASP.NET Web API 2) is held to tables written from AspNetWebStack's behaviour
(tests/engine/webapi/), never excused here by the code under test.

Same status for every request; same body, byte for byte, for every success. A disagreement must be one
of the deliberate differences listed in harness.py (each with its reason), recognised by the request
itself; anything else fails. After a disagreement the reference world takes the fake's state, so one
difference does not cascade into the requests after it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
import pytest

from mockserver.app import MockApp, create_app
from mockserver.engine import xmlcodec
from mockserver.engine.negotiation import choose_media_type
from mockserver.engine.plan import FORM
from mockserver.engine.profile import PLAIN_OPENAPI
from mockserver.engine.routes import RouteTable
from mockserver.engine.specs import route_table
from mockserver.errors import HttpProblem
from mockserver.providers.base import Provider
from mockserver.providers.jframework import PROVIDER as JFRAMEWORK
from mockserver.providers.twosms import PROVIDER as TWOSMS
from mockserver.world import World

from .corpus import binding_requests, negotiation_requests, readme_requests, schemathesis_requests
from .harness import DIFFERENCES, Request

MINIMUM_CORPUS = 2000
PER_OPERATION = 140
GENERATED_PER_PROVIDER = 1_600
"""Cases asked of Schemathesis per provider (before the security and aimed variants): a spec with
many operations gets fewer per operation, so the suite stays within its minutes on 2 cores."""


def per_operation(provider: Provider) -> int:
    return min(PER_OPERATION, GENERATED_PER_PROVIDER // len(route_table(provider.spec, "").operations))


FROZEN_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Disagreement:
    request: Request
    ours: httpx.Response
    connexion: httpx.Response

    def __str__(self) -> str:
        return (
            f"{self.request}\n  engine {self.ours.status_code} {self.ours.text[:300]}"
            f"\n  connexion {self.connexion.status_code} {self.connexion.text[:300]}"
        )


def _undecodable(request: Request) -> bool:
    try:
        (request.content or b"").decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


# How each listed difference shows in a provider request, decided from the request alone.
RECOGNISED: dict[str, Callable[[Disagreement], bool]] = {
    "undecodable-body": lambda d: (
        d.connexion.status_code == 500 and d.ours.status_code == 400 and _undecodable(d.request)
    ),
    "line-break-in-path": lambda d: d.connexion.status_code == 404 and "\n" in unquote(d.request.path),
    "not-acceptable": lambda d: d.ours.status_code == 406 and _nothing_acceptable(d.request),
    "int-format": lambda d: _past_int32(d.request),
    "form-field-limit": lambda d: (
        d.connexion.status_code == 500 and len(_form_fields(d.request) or ()) > 1000
    ),
    "form-untyped-items": lambda d: d.connexion.status_code == 500 and _untyped_form_field(d.request),
}


def _nothing_acceptable(request: Request) -> bool:
    """Whether the request's Accept allows none of its operation's answer types."""
    provider = TWOSMS if request.path.startswith("/twosms/") else JFRAMEWORK
    operation, _ = _routes(provider, f"/{provider.name}").resolve(request.method, unquote(request.path))
    accept = {k.lower(): v for k, v in request.headers.items()}.get("accept")
    return bool(operation.produces) and choose_media_type(accept, operation.produces) is None


def _twosms_schema(request: Request) -> tuple[dict, str] | None:
    """A 2SMS request's declared body schema and media type (other than /Token's form)."""
    if not request.path.startswith("/twosms/") or request.path.endswith("/Token") or not request.content:
        return None
    operation, _ = _routes(TWOSMS, "/twosms").resolve(request.method, unquote(request.path))
    content_type = {k.lower(): v for k, v in request.headers.items()}.get("content-type", "")
    media_type = content_type.partition(";")[0].strip().lower()
    schema = operation.definition.get("requestBody", {}).get("content", {}).get(media_type, {}).get("schema")
    return None if schema is None else (schema, media_type)


def _twosms_body(request: Request) -> tuple[object, dict, str | None] | None:
    """A 2SMS JSON or XML body decoded by its declared schema: (value, schema, XML root or None)."""
    declared = _twosms_schema(request)
    if declared is None or declared[1] == FORM:
        return None
    schema, media_type = declared
    try:
        if media_type.endswith("xml"):
            return xmlcodec.loads(request.content, schema), schema, schema.get("xml", {}).get("name", "*")
        return json.loads(request.content), schema, None
    except (ValueError, xmlcodec.XMLDecodeError):
        return None


def _form_fields(request: Request) -> list[tuple[str, str]] | None:
    declared = _twosms_schema(request)
    if declared is None or declared[1] != FORM:
        return None
    return parse_qsl((request.content or b"").decode("utf-8", "replace"), keep_blank_values=True)


def _untyped_form_field(request: Request) -> bool:
    """A form naming a field with no `type` of its own (an `anyOf`), or an array whose items have
    none (an `allOf`)."""
    fields, declared = _form_fields(request), _twosms_schema(request)
    if not fields or declared is None:
        return False
    properties = declared[0].get("properties", {})
    untyped = {
        n
        for n, s in properties.items()
        if "type" not in s or (s["type"] == "array" and "type" not in s.get("items", {}))
    }
    return any(name in untyped for name, _ in fields)


def _past_int32(request: Request) -> bool:
    """Whether the body, a form field or a query value holds an integer no `format: int32` member
    can take."""
    decoded = _twosms_body(request)
    stack: list[object] = [decoded[0]] if decoded else []
    texts = [v for _, v in parse_qsl(request.params or "", keep_blank_values=True)]
    texts += [v for _, v in _form_fields(request) or []]
    digits = [t.strip() for t in texts if t.strip().lstrip("+-").isdigit() and t.strip().isascii()]
    if any(len(d.lstrip("+-")) > 10 for d in digits):  # past int32 for sure (and past int()'s limit)
        return True
    stack += [int(d) for d in digits]
    while stack:
        value = stack.pop()
        if isinstance(value, dict | list):
            stack.extend(value.values() if isinstance(value, dict) else value)
        elif isinstance(value, int) and not isinstance(value, bool) and not -(2**31) <= value < 2**31:
            return True
    return False


@functools.cache
def _routes(provider: Provider, base_path: str) -> RouteTable:
    """A provider's route table, read once: recognisers ask it for every disagreement (reading the
    spec each time made the differential three times slower)."""
    return route_table(provider.spec, base_path)


def explanation(disagreement: Disagreement) -> str | None:
    return next((name for name, shows in RECOGNISED.items() if shows(disagreement)), None)


PLAIN_PROVIDERS = [dataclasses.replace(p, profile=PLAIN_OPENAPI) for p in (JFRAMEWORK, TWOSMS)]
"""The bundled providers, each served with Connexion's meaning of its spec (the plain profile)."""


def _world(engine: str = "compiled") -> MockApp:
    world = create_app(seed=7, deterministic_secrets=True, engine=engine, providers=PLAIN_PROVIDERS)
    world.world.clock.freeze(FROZEN_AT)
    return world


async def _send(client: httpx.AsyncClient, request: Request) -> httpx.Response:
    url = request.path + (f"?{request.params}" if request.params else "")
    return await client.request(request.method, url, headers=request.headers, content=request.content)


@dataclass
class Replay:
    statuses: Counter
    """The engine's answers by status."""
    successes: Counter
    """Successes compared, by operationId."""
    disagreements: list[Disagreement]


async def _replay(
    corpus: list[Request], fake: MockApp, reference_world: MockApp, provider: Provider
) -> Replay:
    reference = reference_world
    routes = route_table(provider.spec, f"/{provider.name}")
    replay = Replay(Counter(), Counter(), [])
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="http://corpus") as engine,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=reference), base_url="http://corpus"
        ) as connexion,
    ):
        for request in corpus:
            ours, theirs = await _send(engine, request), await _send(connexion, request)
            replay.statuses[ours.status_code] += 1
            success = ours.status_code < 300
            if success and theirs.status_code == ours.status_code:
                operation, _ = routes.resolve(request.method, unquote(request.path))
                replay.successes[operation.operation_id] += 1
            if ours.status_code != theirs.status_code or (success and ours.content != theirs.content):
                replay.disagreements.append(Disagreement(request, ours, theirs))
                _copy_state(fake.world, reference_world.world)
    return replay


def _operation_of(routes: Any, request: Request) -> str:
    try:
        return routes.resolve(request.method, unquote(request.path))[0].operation_id
    except HttpProblem:
        return "(no route)"


def _copy_state(source: World, target: World) -> None:
    """`target`'s store, id streams and outbox become `source`'s (after a disagreement, so the next
    request meets the same state in both)."""
    target.store.restore(source.store.snapshot())
    target.ids.restore(source.ids.state())
    target.outbox.restore(source.outbox.snapshot())


def _demo_token(*worlds: MockApp) -> str:
    """A bearer token issued in each world: equal, as the worlds are built alike."""
    tokens = {
        w.world.handlers["twosms"].model.issue_token("client_credentials", "demo-client", "demo-secret").token
        for w in worlds
    }
    assert len(tokens) == 1
    return tokens.pop()


KNOWN_IDS = {
    "jframework": {"id": "demoSmsSetting0001", "appIntegrationId": "twilio"},
    "twosms": {
        "messageID": "11111111-1111-4111-8111-111111111111",
        "contactId": "alan-11111111",
        "groupID": "3e13280a-5c26-412e-8e3b-ca41e0d3fea9",
        "messageId": "33333333-3333-4333-8333-333333333333",
        "recipient": "+15550100020",
        "templateID": "6a1f3c2e-8d4b-4e5f-9a7c-1b2d3e4f5a6b",
    },
}


@pytest.mark.parametrize("provider", [JFRAMEWORK, TWOSMS], ids=lambda p: p.name)
def test_the_engine_answers_a_provider_corpus_as_connexion_does(provider: Provider):
    fake, reference_world = _world(), _world("connexion")
    token = _demo_token(fake, reference_world)
    credentials = (
        {"Authorization": f"Bearer {token}"}
        if provider is TWOSMS
        else {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}
    )
    corpus = (
        readme_requests(provider.name, token)
        + negotiation_requests(provider.name, token)
        + binding_requests(provider.name, token)
        + schemathesis_requests(
            provider.spec, provider.name, credentials, KNOWN_IDS[provider.name], per_operation(provider)
        )
    )
    assert len(corpus) >= MINIMUM_CORPUS

    replay = asyncio.run(_replay(corpus, fake, reference_world, provider))

    unexplained = [d for d in replay.disagreements if explanation(d) is None]
    assert not unexplained, "\n".join(map(str, unexplained[:10]))
    assert all(name in DIFFERENCES for name in RECOGNISED)
    # The corpus reaches past the checks: many successes compared, and rejections of each kind.
    assert set(replay.successes) == set(route_table(provider.spec, "").operations), replay.successes
    assert replay.successes.total() >= len(corpus) // 20, replay.statuses
    assert {400, 401, 404} <= set(replay.statuses), replay.statuses
    routes = route_table(provider.spec, f"/{provider.name}")
    by_operation = Counter(_operation_of(routes, r) for r in corpus)
    print(f"{provider.name} corpus by operation: {dict(sorted(by_operation.items()))}")
    print(
        f"{provider.name}: {len(corpus)} requests, {replay.successes.total()} successes compared, "
        f"statuses {dict(sorted(replay.statuses.items()))}, differences "
        f"{dict(Counter(explanation(d) for d in replay.disagreements))}"
    )
