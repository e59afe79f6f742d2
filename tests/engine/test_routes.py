"""engine/routes.py: what the spec says per route: matching, 404, 405 with Allow, produces."""

from __future__ import annotations

import pytest

from mockserver.engine.routes import RouteTable, escape_pointer
from mockserver.errors import HttpProblem
from tests.engine.harness import Request, check, spec_of

OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/messages/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"operationId": "view", "responses": OK},
            "put": {"operationId": "update", "responses": OK},
        },
        "/messages/replies": {"get": {"operationId": "replies", "responses": OK}},
        "/messages": {
            "post": {
                "operationId": "send",
                "responses": {
                    "201": {
                        "description": "made",
                        "content": {"application/xml": {"schema": {"type": "object"}}},
                    },
                    "400": {
                        "description": "bad",
                        "content": {"application/json": {"schema": {"type": "string"}}},
                    },
                },
            }
        },
    },
}


@pytest.fixture
def routes() -> RouteTable:
    return RouteTable(SPEC, "/api/")


def test_a_path_resolves_to_its_operation_and_parameters(routes):
    operation, params = routes.resolve("GET", "/api/messages/abc")
    assert operation.operation_id == "view" and params == {"id": "abc"}
    assert operation.definition["parameters"][0]["name"] == "id"  # path-level parameters merged in
    assert operation.parameter_pointers == ("/paths/~1messages~1{id}/parameters/0",)


def test_a_literal_path_wins_over_a_template_that_also_matches(routes):
    assert routes.resolve("GET", "/api/messages/replies")[0].operation_id == "replies"
    # ...but another method on it is the template's
    assert routes.resolve("PUT", "/api/messages/replies")[0].operation_id == "update"


def test_an_unknown_path_is_a_404_and_an_unknown_method_a_405_with_allow(routes):
    with pytest.raises(HttpProblem) as missing:
        routes.resolve("GET", "/api/nothing")
    assert missing.value.status == 404
    with pytest.raises(HttpProblem) as wrong:
        routes.resolve("DELETE", "/api/messages/abc")
    assert wrong.value.status == 405 and wrong.value.headers == {"Allow": "GET, HEAD, PUT"}
    with pytest.raises(HttpProblem, match="not allowed") as literal:
        routes.resolve("POST", "/api/messages/replies")
    assert literal.value.headers == {"Allow": "GET, HEAD"}  # the literal path's own methods
    with pytest.raises(HttpProblem):
        routes.resolve("GET", "/messages/abc")  # outside the base path


def test_an_operation_knows_what_it_produces_and_the_schema_of_each_answer(routes):
    send = routes.operations["send"]
    assert send.produces == ("application/xml", "application/json")
    assert send.response_schema(400, "application/json") == {"type": "string"}
    assert send.response_schema(503, "application/xml") == {"type": "object"}  # undeclared: the first
    assert send.response_schema(503, "text/plain") == {}


def test_the_operations_of_a_spec_share_one_xml_codec(routes):
    assert routes.operations["send"].xml is routes.operations["view"].xml is routes.xml
    assert RouteTable(SPEC, "/api").xml is not routes.xml


def test_pointer_parts_are_escaped():
    assert escape_pointer("/a~b/{c}") == "~1a~0b~1{c}"


def test_a_trailing_slash_is_another_path():
    """The spec declares `/items`, not `/items/`: a 404 in the provider's envelope, where Connexion
    (Starlette's redirect_slashes) answers 307 to the path without the slash."""
    spec = spec_of({"/items": {"get": {"operationId": "plain", "responses": {"200": {"description": "ok"}}}}})
    check(spec, Plain(), Request("GET", "/items"), 200, {"ok": True})
    check(spec, Plain(), Request("GET", "/items/"), 404, differs="trailing-slash")


class Plain:
    async def plain(self):
        return {"ok": True}
