"""Which engine serves a spec: a newcomer's provider whose spec leaves the allow-list is served by
Connexion under `auto` (the banner and home page say why), and refused under `compiled` with every
construct that keeps it out, named at once."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mockserver.app import create_app
from mockserver.engine.engines import choose_engine, mount_path
from mockserver.errors import SpecRefused
from mockserver.providers.jframework import PROVIDER as JFRAMEWORK

OFF_THE_LIST = {
    "openapi": "3.0.3",
    "info": {"title": "newcomer", "version": "1"},
    "servers": [{"url": "https://api.example.com/{version}", "variables": {"version": {"default": "v2"}}}],
    "paths": {
        "/pets": {
            "get": {
                "operationId": "pets",
                "x-rate-limit": 5,
                "parameters": [
                    {"name": "tag", "in": "query", "allowEmptyValue": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}},
            },
            "post": {
                "operationId": "add_pet",
                "callbacks": {"done": {}},
                "requestBody": {
                    "x-body-name": "pet",
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [{"type": "object"}, {"type": "array"}],
                                "discriminator": {"propertyName": "kind"},
                                "default": {"kind": "cat"},
                            }
                        }
                    },
                },
                "responses": {"201": {"description": "ok", "content": {"application/json": {"schema": {}}}}},
            },
        }
    },
}
CONSTRUCTS = [
    "/paths/~1pets/get/x-rate-limit",
    "/paths/~1pets/get/parameters/0/allowEmptyValue",
    "/paths/~1pets/post/callbacks",
    "/paths/~1pets/post/requestBody/content/application~1json/schema/discriminator",
]


class PetHandlers:
    async def pets(self, tag: str | None = None) -> Any:
        return {"tag": tag}

    async def add_pet(self, pet: Any) -> Any:
        return {"pet": pet}, 201


@pytest.fixture
def empty(tmp_path: Path) -> list[Path]:
    document = tmp_path / "empty.yaml"
    document.write_text("{}\n")
    return [document]


@pytest.fixture
def newcomer(tmp_path: Path) -> Any:
    spec = tmp_path / "newcomer.yaml"
    spec.write_text(yaml.safe_dump(OFF_THE_LIST))
    return dataclasses.replace(
        JFRAMEWORK, name="pets", spec=spec, build_handlers=lambda services: PetHandlers()
    )


def test_compiled_refuses_a_spec_off_the_list_naming_every_construct(newcomer, empty):
    with pytest.raises(SpecRefused) as refused:
        create_app(empty, providers=[newcomer], engine="compiled")
    assert [c.partition(":")[0] for c in refused.value.constructs] == CONSTRUCTS
    assert "--engine auto" in str(refused.value)


def test_auto_serves_it_by_connexion_as_connexion_would(newcomer, empty):
    app = create_app(empty, providers=[newcomer])
    assert app.engines["pets"].engine == "connexion"
    assert "/paths/~1pets/get/x-rate-limit" in app.engines["pets"].why and "1 more" in app.engines["pets"].why

    async def calls() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return [
                await client.get("/pets/v2/pets", params={"tag": "x"}),  # the server's path, as written
                await client.post("/pets/v2/pets"),  # x-body-name, and the body's default
                await client.get("/pets/pets"),
                await client.get("/"),
            ]

    listed, added, elsewhere, home = asyncio.run(calls())
    assert listed.json() == {"tag": "x"}
    assert added.status_code == 201 and added.json() == {"pet": {"kind": "cat"}}
    assert elsewhere.status_code == 404
    assert "Served by the connexion engine" in home.text and "/pets/v2" in home.text


def test_the_bundled_specs_are_on_the_list():
    app = create_app()
    assert {name: choice.engine for name, choice in app.engines.items()} == {
        "jframework": "compiled",
        "twosms": "compiled",
    }
    assert choose_engine("connexion", {}).engine == "connexion"


@pytest.mark.parametrize(
    ("url", "path"),
    [("/jframework", "/jframework"), ("https://x.example.com", "/jframework"), ("/v1", "/jframework/v1"),
     ("https://x.example.com/jframework/v2/", "/jframework/v2"), ("/{v}/x", "/jframework/v3/x")],
)  # fmt: skip
def test_the_mount_follows_the_first_server(url, path):
    server = {"url": url, "variables": {"v": {"default": "v3"}}}
    assert mount_path({"servers": [server]}, "jframework") == path
