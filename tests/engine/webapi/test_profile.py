"""engine/webapi/__init__.py and engine/profile.py: the ASP.NET Web API 2 profile is one typed value
the engine is given (never a name it tests), and each of its parts is what AspNetWebStack does."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
import pytest
from connexion.json_schema import resolve_refs

from mockserver.engine import xmlcodec
from mockserver.engine.dispatch import Api
from mockserver.engine.plan import compile_plan
from mockserver.engine.profile import PLAIN_OPENAPI, StackProfile
from mockserver.engine.routes import RouteTable
from mockserver.engine.webapi import WEB_API_2
from mockserver.engine.xmlschema import XSD_NS, XSI_NS
from mockserver.errors import SpecError
from tests.engine.harness import _render_error, spec_of

BODY = {"type": "object", "properties": {"Content": {"type": "string"}}, "additionalProperties": False}
FORM = "application/x-www-form-urlencoded"


def _spec(**operation: Any) -> dict:
    content = {t: {"schema": BODY} for t in ("application/json", "application/xml", FORM)}
    return spec_of(
        {
            "/m": {
                "post": {
                    "operationId": "send",
                    "requestBody": {"required": True, "content": content},
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {}, "application/xml": {}},
                        }
                    },
                    **operation,
                }
            }
        }
    )


class Handlers:
    async def send(self, body: dict) -> Any:
        return {"got": body}


def _post(
    profile: StackProfile, content: bytes, content_type: str, accept: str | None = None, **options: Any
) -> httpx.Response:
    api = Api(RouteTable(resolve_refs(_spec()), "", profile=profile), Handlers(), _render_error, **options)
    headers = {"content-type": content_type, **({"accept": accept} if accept else {})}

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://t") as client:
            return await client.post("/m", content=content, headers=headers)

    return asyncio.run(go())


def test_the_engine_asks_the_profile_it_is_given():
    """The same spec and request: Json.NET's case-insensitive match under Web API 2 (a client
    warning), the schema's 400 under plain OpenAPI; `charset=utf-8` only where the stack writes it."""
    web_api = _post(WEB_API_2, b'{"content": "hi"}', "application/json")
    assert web_api.status_code == 200 and web_api.json() == {"got": {"Content": "hi"}}
    assert web_api.headers["content-type"] == "application/json; charset=utf-8"
    assert web_api.headers["x-mockserver-warnings"] == "1"
    plain = _post(PLAIN_OPENAPI, b'{"content": "hi"}', "application/json")
    assert plain.status_code == 400 and plain.headers["content-type"] == "application/json"
    strict = _post(WEB_API_2, b'{"content": "hi"}', "application/json", strict=True)
    assert strict.status_code == 400 and strict.headers["content-type"] == "application/json; charset=utf-8"


def test_negotiation_is_the_profiles():
    """An Accept that allows nothing: Web API answers in the request's own type; plain OpenAPI, 406."""
    body = b"<SmsMessage><Content>hi</Content></SmsMessage>"
    assert (
        _post(WEB_API_2, body, "application/xml", accept="image/png")
        .headers["content-type"]
        .startswith("application/xml")
    )
    assert (
        _post(PLAIN_OPENAPI, b'{"Content": "hi"}', "application/json", accept="image/png").status_code == 406
    )


def test_forms_are_read_as_the_profile_reads_them():
    """Web API's jQuery formatter matches names in any case and refuses nested brackets (which
    Connexion's flat reader takes as one odd name); `Content=hi` is read alike by both."""
    assert _post(WEB_API_2, b"Content=hi", FORM).json() == {"got": {"Content": "hi"}}
    assert _post(PLAIN_OPENAPI, b"Content=hi", FORM).json() == {"got": {"Content": "hi"}}
    assert _post(WEB_API_2, b"CONTENT=hi", FORM).json() == {"got": {"Content": "hi"}}  # names in any case
    assert _post(PLAIN_OPENAPI, b"CONTENT=hi", FORM).status_code == 400
    nested = _post(WEB_API_2, b"Content[a[b]]=hi", FORM)
    assert nested.status_code == 400 and "nested or unmatched brackets" in nested.text
    object_as_text = _post(WEB_API_2, b"Content[a]=hi", FORM)  # an object where the model has text
    assert object_as_text.status_code == 400 and "must be of type string" in object_as_text.text


def test_plain_bodies_keep_the_stack_and_drop_only_the_body_binding():
    plain = WEB_API_2.plain_bodies()
    assert not plain.binds_bodies and WEB_API_2.binds_bodies
    assert (plain.negotiate, plain.charset, plain.xml) == (WEB_API_2.negotiate, "utf-8", WEB_API_2.xml)


def test_an_operation_outside_the_stacks_binding_reads_its_body_as_the_schema_says():
    """`x-mockserver-binding: openapi` on an operation (2SMS's /Token, Katana's, not Web API's)."""
    routes = RouteTable(resolve_refs(_spec(**{"x-mockserver-binding": "openapi"})), "", profile=WEB_API_2)
    plan = compile_plan(routes.operations["send"], Handlers(), {}, [], WEB_API_2)
    assert all(body.binder is None and body.read_form is None for body in plan.bodies.values())
    bound = compile_plan(
        RouteTable(resolve_refs(_spec()), "", profile=WEB_API_2).operations["send"],
        Handlers(),
        {},
        [],
        WEB_API_2,
    )
    assert bound.bodies["application/json"].binder is not None and bound.bodies[FORM].read_form is not None


def test_an_unknown_operation_binding_is_refused_where_it_is():
    routes = RouteTable(resolve_refs(_spec(**{"x-mockserver-binding": "lenient"})), "", profile=WEB_API_2)
    with pytest.raises(SpecError, match="unknown binding 'lenient'") as refused:
        compile_plan(routes.operations["send"], Handlers(), {}, [], WEB_API_2)
    assert refused.value.pointer == "/paths/~1m/post/x-mockserver-binding"


ITEMS = {
    # XmlSerializer's element names for the items of a primitive collection (its type's XML name).
    "string": ({"type": "string"}, "string"),
    "int": ({"type": "integer", "format": "int32"}, "int"),
    "decimal": ({"type": "number"}, "decimal"),
    "boolean": ({"type": "boolean"}, "boolean"),
    "guid": ({"type": "string", "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}$"}, "guid"),
}


@pytest.mark.parametrize("name", ITEMS)
def test_xml_answers_are_written_as_xml_serializer_writes_them(name):
    items, element = ITEMS[name]
    schema = {
        "type": "object",
        "xml": {"name": "Root"},
        "properties": {"List": {"type": "array", "xml": {"wrapped": True}, "items": items}},
    }
    value = {"List": [True] if name == "boolean" else [1] if name in ("int", "decimal") else ["a"]}
    written = xmlcodec.dumps(value, schema, WEB_API_2.xml).decode()
    assert written.startswith(f'<Root xmlns:xsd="{XSD_NS}" xmlns:xsi="{XSI_NS}"><List><{element}>')
    plain = xmlcodec.dumps(value, schema).decode()
    assert plain.startswith("<Root><List><List>")  # OpenAPI's rule: items named like their array


def test_a_schemas_own_item_name_wins_under_every_profile():
    schema = {
        "type": "object",
        "xml": {"name": "R"},
        "properties": {
            "L": {
                "type": "array",
                "xml": {"wrapped": True},
                "items": {"type": "string", "xml": {"name": "i"}},
            }
        },
    }
    for conventions in (PLAIN_OPENAPI.xml, WEB_API_2.xml):
        assert "<L><i>a</i></L>" in xmlcodec.dumps({"L": ["a"]}, copy.deepcopy(schema), conventions).decode()
