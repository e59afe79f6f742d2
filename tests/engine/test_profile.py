"""engine/profile.py: the plain OpenAPI profile is Connexion's meaning, and the engine takes any
profile it is given (a made-up one here), asking it rather than testing its name."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
from connexion.json_schema import resolve_refs

from mockserver.engine.dispatch import Api
from mockserver.engine.profile import PLAIN_OPENAPI, StackProfile, accept_only, no_binder
from mockserver.engine.routes import RouteTable
from mockserver.engine.xmlschema import OPENAPI_XML, XmlConventions
from mockserver.errors import ClientWarning
from tests.engine.harness import _render_error, spec_of

OFFERED = ("application/json", "application/xml")
SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}}
SPEC = spec_of(
    {
        "/m": {
            "post": {
                "operationId": "send",
                "requestBody": {"content": {"application/json": {"schema": SCHEMA}}},
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {},
                            "application/xml": {
                                "schema": {
                                    "type": "object",
                                    "xml": {"name": "R"},
                                    "properties": {"got": {"type": "array", "xml": {"wrapped": True}}},
                                }
                            },
                        },
                    }
                },
            }
        }
    }
)


def test_the_plain_profile_is_connexions_meaning():
    assert PLAIN_OPENAPI.negotiate is accept_only and PLAIN_OPENAPI.charset is None
    assert PLAIN_OPENAPI.binder is no_binder and PLAIN_OPENAPI.read_form is None
    assert PLAIN_OPENAPI.xml is OPENAPI_XML and OPENAPI_XML.root_declarations == ()
    assert not PLAIN_OPENAPI.binds_bodies and PLAIN_OPENAPI.plain_bodies() is PLAIN_OPENAPI


def test_accept_alone_negotiates_and_the_request_type_plays_no_part():
    assert accept_only(None, "application/xml", OFFERED) == "application/json"
    assert accept_only("application/xml", None, OFFERED) == "application/xml"
    assert accept_only("image/png", "application/xml", OFFERED) is None  # the engine's 406


class _Doubling:
    """A made-up stack's binding: doubles `n`, and says so."""

    def bind(self, value: Any, *, xml_root: str | None = None) -> tuple[Any, list[ClientWarning]]:
        return {"n": value["n"] * 2}, [ClientWarning("doubled", "/n", "n was doubled")]


MADE_UP = StackProfile(
    "made-up stack",
    negotiate=lambda accept, request_type, offered: offered[-1],  # always the last type: XML
    charset="latin-1",
    binder=lambda schema: _Doubling(),
    xml=XmlConventions(root_declarations=(("m", "urn:made-up"),), item_name=lambda items, array: "each"),
)


class Handlers:
    async def send(self, body: dict) -> Any:
        return {"got": [body["n"]]}


def _post(profile: StackProfile, **options: Any) -> httpx.Response:
    api = Api(
        RouteTable(resolve_refs(copy.deepcopy(SPEC)), "", profile=profile),
        Handlers(),
        _render_error,
        **options,
    )

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://t") as client:
            return await client.post("/m", json={"n": 2}, headers={"accept": "application/json"})

    return asyncio.run(go())


def test_the_engine_asks_whatever_profile_it_is_given():
    made_up = _post(MADE_UP)
    assert made_up.status_code == 200
    assert made_up.headers["content-type"] == "application/xml; charset=latin-1"
    assert made_up.content == b'<R xmlns:m="urn:made-up"><got><each>4</each></got></R>'
    assert made_up.headers["x-mockserver-warnings"] == "1"
    plain = _post(PLAIN_OPENAPI)
    assert plain.headers["content-type"] == "application/json" and plain.json() == {"got": [2]}
    strict = _post(MADE_UP, strict=True)  # the same stack, its binding off
    assert strict.content == b'<R xmlns:m="urn:made-up"><got><each>2</each></got></R>'
