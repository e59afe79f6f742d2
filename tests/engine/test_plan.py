"""engine/plan.py: an operation compiled once: its handler, the arguments it takes, its bodies by
media type (most specific first), and what it refuses (415)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from connexion.json_schema import resolve_refs

from mockserver.engine.plan import compile_plan
from mockserver.engine.routes import RouteTable
from mockserver.errors import HttpProblem, SpecError
from tests.engine.harness import spec_of

OK = {"200": {"description": "ok"}}
OBJECT = {"type": "object"}
SPEC = spec_of(
    {
        "/items/{item_id}": {
            "put": {
                "operationId": "put_item",
                "parameters": [
                    {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": "filter", "in": "query", "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "*/*": {"schema": OBJECT},
                        "application/json": {"schema": OBJECT},
                        "application/*+json": {"schema": OBJECT},
                        "Application/XML": {"schema": {**OBJECT, "xml": {"name": "Item"}}},
                    },
                },
                "responses": OK,
            }
        }
    }
)


class Handlers:
    async def put_item(self, item_id: int, body: Any, filter_: str | None = None) -> Any:
        return {}


def plan_of(spec: dict, handlers: Any) -> Any:
    routes = RouteTable(resolve_refs(copy.deepcopy(spec)), "")
    operation = next(iter(routes.operations.values()))
    return compile_plan(operation, handlers, {}, [])


def test_the_handler_gets_the_arguments_it_names_python_keywords_with_an_underscore():
    plan = plan_of(SPEC, Handlers())
    assert plan.arguments == {"item_id", "body", "filter_"}
    assert plan.parameters({"item_id": "7"}, b"filter=x&other=1", {}) == {"item_id": 7, "filter_": "x"}
    assert plan.body_required


def test_bodies_are_chosen_by_media_type_the_most_specific_first():
    plan = plan_of(SPEC, Handlers())
    assert list(plan.bodies) == ["application/json", "application/xml", "application/*+json", "*/*"]
    assert plan.body_for(None).media_type == "application/json"  # no Content-Type: the first declared
    assert plan.body_for("application/problem+json").media_type == "application/*+json"
    assert plan.body_for("text/plain").media_type == "*/*"
    assert plan.bodies["application/xml"].xml_root == "Item"


def test_a_media_type_no_body_declares_is_a_415_naming_what_is():
    spec = copy.deepcopy(SPEC)
    del spec["paths"]["/items/{item_id}"]["put"]["requestBody"]["content"]["*/*"]
    with pytest.raises(HttpProblem, match="use one of: application/json") as refused:
        plan_of(spec, Handlers()).body_for("text/plain")
    assert refused.value.status == 415


def test_an_operation_id_with_no_handler_is_refused_at_start_up():
    class Nothing:
        pass

    with pytest.raises(SpecError, match="put_item"):
        plan_of(SPEC, Nothing())
