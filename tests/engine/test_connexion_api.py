"""Connexion as the engine: the fake's own work around Connexion's pipeline (the error envelope,
the body limit, negotiation, fault rules, the journal, the store transaction) is done as the
compiled engine does it. How Connexion itself answers is the differentials' business."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from connexion.exceptions import BadRequestProblem

from mockserver.app import MockApp, create_app
from mockserver.engine.connexion_api import _as_problem
from mockserver.errors import HttpProblem

JF = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}
SETTINGS = "/jframework/api/v1/app-integrations/sms"


def _calls(app: MockApp, *requests: tuple[str, str, dict[str, Any]]) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return [await client.request(method, url, **options) for method, url, options in requests]

    return asyncio.run(run())


@pytest.fixture
def app() -> MockApp:
    return create_app(engine="connexion", seed=7, max_body=2000)


def test_errors_come_in_the_provider_envelope_naming_the_field(app):
    missing, unknown, wrong = _calls(
        app,
        ("POST", SETTINGS, {"headers": JF, "json": {"name": "x"}}),
        ("GET", f"{SETTINGS}/nope", {"headers": JF}),
        ("GET", SETTINGS, {}),
    )
    assert missing.status_code == 400 and missing.json()["errors"][0]["code"] == "InvalidInput"
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["code"] == "AppIntegrationSMSNotFound"
    assert wrong.status_code == 401 and wrong.json()["success"] is False


def test_an_oversize_body_is_a_413_before_connexion_reads_it(app):
    (answer,) = _calls(app, ("POST", SETTINGS, {"headers": JF, "content": b"{" + b" " * 3000 + b"}"}))
    assert answer.status_code == 413 and answer.json()["statusCode"] == 413


def test_fault_rules_and_the_journal_apply(app):
    rule = {"provider": "jframework", "status": 503, "times": 1}
    made, failed, served, journal = _calls(
        app,
        ("POST", "/__admin/faults", {"json": rule}),
        ("GET", SETTINGS, {"headers": JF}),
        ("GET", SETTINGS, {"headers": JF}),
        ("GET", "/__admin/journal", {}),
    )
    assert made.status_code == 201 and failed.status_code == 503 and served.status_code == 200
    entries = [e for e in journal.json()["entries"] if e["provider"] == "jframework"]
    assert [e["status"] for e in entries][-2:] in ([503, 200], [200, 503])


def test_a_refused_change_changes_nothing(app):
    before, refused, after = _calls(
        app,
        ("GET", SETTINGS, {"headers": JF}),
        ("POST", SETTINGS, {"headers": JF, "json": {"appIntegrationId": 5}}),
        ("GET", SETTINGS, {"headers": JF}),
    )
    assert refused.status_code == 400 and before.json()["data"] == after.json()["data"]


def test_negotiation_refuses_an_accept_it_cannot_meet(app):
    (answer,) = _calls(app, ("GET", SETTINGS, {"headers": {**JF, "Accept": "text/html"}}))
    assert answer.status_code == 406


@pytest.mark.parametrize(
    ("detail", "field"),
    [
        ("Wrong type, expected 'integer' for query parameter 'limit'", "query:limit"),
        ("Missing header parameter 'X-Trace'", "header:X-Trace"),
        ("'name' is a required property", "/name"),
        ("'name' is a required property - 'items.0'", "/items/0/name"),
        ("1 is not of type 'string' - 'a/b.c'", "/a~1b/c"),
        ("Request body must not be empty", None),
    ],
)
def test_connexion_messages_name_fields_as_the_fake_does(detail, field):
    problem = _as_problem(BadRequestProblem(detail=detail))
    assert isinstance(problem, HttpProblem) and problem.status == 400 and problem.field == field
