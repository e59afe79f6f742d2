"""providers/base.py: a stateless provider needs four parts (name, title, spec, handlers); the rest
has defaults that work end to end: errors in a plain JSON envelope, no fixtures, no tenants, no
contract credentials. Handlers and security functions may be `async def` or plain `def`."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from mockserver import registry
from mockserver.app import create_app
from mockserver.engine.render import json_response
from mockserver.errors import ApiError, DomainError, FixtureError, Problem
from mockserver.providers.base import Provider, json_error
from tests.inprocess import call

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Echo", "version": "1"},
    "servers": [{"url": "/echo"}],
    "paths": {
        "/shout": {
            "get": {
                "operationId": "shout",
                "parameters": [
                    {
                        "name": "text",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "maxLength": 5},
                    }
                ],
                "responses": {"200": {"description": "ok", "content": {"application/json": {}}}},
            }
        },
        "/whisper": {
            "post": {
                "operationId": "whisper",
                "security": [{"Key": []}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "ok", "content": {"application/json": {}}}},
            }
        },
    },
    "components": {
        "securitySchemes": {
            "Key": {"type": "apiKey", "in": "header", "name": "X-Key", "x-apikeyInfoFunc": "check_key"}
        }
    },
}


class Echo:
    def shout(self, text: str) -> Any:  # a plain function
        if text == "no":
            raise DomainError("no is not a word to shout", field="query:text")
        return {"said": text.upper()}

    async def whisper(self, body: dict, token_info: dict) -> Any:  # a coroutine
        return {"said": body.get("text", "").lower(), "by": token_info["sub"]}

    async def check_key(self, key: str) -> dict | None:  # a coroutine security function
        return {"sub": "alice"} if key == "secret" else None


@pytest.fixture(scope="module")
def echo(tmp_path_factory) -> Provider:
    spec = tmp_path_factory.mktemp("echo") / "openapi.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    return Provider(name="echo", title="Echo (stateless)", spec=spec, build_handlers=lambda services: Echo())


@pytest.fixture(params=["compiled", "connexion"])
def app(request, echo):
    app = create_app(providers=[echo], engine=request.param, fixtures=[])
    yield app
    app.world.close()


def test_four_parts_make_a_provider_the_registry_accepts(echo):
    registry.check(echo, "tests:echo")


def test_plain_and_async_handlers_and_security_functions_are_served(app):
    assert call(app, "GET", "/echo/shout?text=hey").json() == {"said": "HEY"}
    whisper = call(app, "POST", "/echo/whisper", json={"text": "HUSH"}, headers={"X-Key": "secret"})
    assert whisper.json() == {"said": "hush", "by": "alice"}
    assert call(app, "POST", "/echo/whisper", json={}, headers={"X-Key": "wrong"}).status_code == 401


def test_errors_are_a_plain_json_envelope_by_default(app):
    invalid = call(app, "GET", "/echo/shout?text=toolong")
    assert invalid.status_code == 400 and invalid.headers["content-type"] == "application/json"
    body = invalid.json()
    assert (body["status"], body["code"], body["message"]) == (400, "BAD_REQUEST", "Bad Request")
    assert body["problems"][0]["field"] == "query:text"
    refused = call(app, "GET", "/echo/shout?text=no").json()
    assert refused == {
        "status": 400,
        "code": "DOMAIN_ERROR",
        "message": "no is not a word to shout",
        "problems": [{"field": "query:text", "message": "no is not a word to shout"}],
    }
    missing = call(app, "POST", "/echo/whisper", json={})
    assert missing.status_code == 401 and missing.json()["code"] == "UNAUTHORIZED"


def test_a_tenant_gets_no_credentials_for_a_provider_without_accounts(app):
    tenant = app.world.create_tenant()
    assert set(tenant) == {"id"}
    assert app.world.describe() == {"echo": []}


def test_a_provider_without_a_fixture_schema_takes_no_section(echo, tmp_path):
    assert "echo" not in registry.fixture_schema([echo])["properties"]
    fixtures = tmp_path / "fixtures.yaml"
    fixtures.write_text(yaml.safe_dump({"echo": {"words": ["hi"]}}))
    with pytest.raises(FixtureError, match="echo"):
        create_app(providers=[echo], fixtures=[fixtures])


def test_json_error_keeps_the_errors_headers_and_words_an_unknown_status():
    answer = json_error(ApiError(499, headers={"Retry-After": "1"}, problems=[Problem("m", "f")]), None, None)
    assert answer.status == 499 and answer.headers == {"Retry-After": "1"}
    assert (
        answer.body
        == json_response(
            {
                "status": 499,
                "code": "ERROR",
                "message": "Error",
                "problems": [{"field": "f", "message": "m"}],
            },
            499,
        ).body
    )
    assert json_error(ApiError(404), None, None).body.startswith(b'{"status":404,"code":"NOT_FOUND"')
