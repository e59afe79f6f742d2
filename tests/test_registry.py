"""The provider registry and the World's independence from any one provider."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import httpx
import pytest

from mockserver import registry
from mockserver.app import create_app
from mockserver.providers.jframework import PROVIDER as JFRAMEWORK
from mockserver.registry import ProviderError
from mockserver.resources import load_yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_bundled_providers_are_found_through_their_entry_points():
    points = {p.name: p.value for p in registry.entry_points(group=registry.GROUP)}
    assert points["jframework"] == "mockserver.providers.jframework:PROVIDER"
    assert [p.name for p in registry.discover()][:2] == ["jframework", "twosms"]


def test_the_committed_fixture_schema_is_the_one_composed_from_the_providers():
    composed = registry.fixture_schema(registry.discover())
    assert json.loads((ROOT / "fixtures" / "schema.json").read_text()) == composed, (
        "regenerate it: mockserver fixtures schema > fixtures/schema.json"
    )


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"name": "Not A Name"}, "must be lower-case"),
        ({"name": "__admin"}, "must be lower-case"),
        ({"spec": Path("/nonexistent.yaml")}, "spec /nonexistent.yaml is not a file"),
        ({"fixture_schema": Path("/nonexistent.json")}, "fixture_schema"),
        ({"build_handlers": None}, "build_handlers is not callable"),
        ({"owner_of": "owner"}, "owner_of is not callable"),
        ({"tick": None}, "tick is not callable"),
    ],
)
def test_a_provider_lacking_a_part_is_refused_naming_it(change, complaint):
    with pytest.raises(ProviderError, match=complaint):
        registry.check(dataclasses.replace(JFRAMEWORK, **change), "example:PROVIDER")


def test_references_that_do_not_name_a_provider_are_refused():
    with pytest.raises(ProviderError, match="module:attribute"):
        registry.load("no_colon_here")
    with pytest.raises(ProviderError, match="cannot be loaded"):
        registry.load("no_such_module_anywhere:PROVIDER")
    with pytest.raises(ProviderError, match="not a mockserver Provider"):
        registry.load("mockserver.providers.jframework:CONTRACT_OPTIONS")
    with pytest.raises(ProviderError, match="already registered"):
        registry.discover(["mockserver.providers.jframework:PROVIDER"])


def test_the_admin_spec_names_exactly_the_providers_served(tmp_path):
    demo = load_yaml((ROOT / "fixtures" / "default.yaml").read_text())
    only_jframework = tmp_path / "jframework.json"
    only_jframework.write_text(json.dumps({"jframework": demo["jframework"]}))
    app = create_app([only_jframework], providers=[JFRAMEWORK])
    assert app.admin_spec["components"]["schemas"]["ProviderName"]["enum"] == ["jframework"]

    async def ask(path: str) -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        ) as c:
            return await c.get(path)

    assert asyncio.run(ask("/__admin/outbox?provider=jframework")).status_code == 200
    assert asyncio.run(ask("/__admin/outbox?provider=twosms")).status_code == 400
    assert asyncio.run(ask("/twosms/api/v1/admin/accounts")).status_code == 404
