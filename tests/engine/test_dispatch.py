"""engine/dispatch.py: one mounted spec as an ASGI app: body limits, faults, the unit of work, the
observer, and every failure in the API's own error format."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
from connexion.json_schema import resolve_refs

from mockserver.engine.dispatch import WARNINGS_HEADER, Api, Exchange
from mockserver.engine.faults import FaultRule, Faults
from mockserver.engine.render import json_response
from mockserver.engine.routes import RouteTable
from mockserver.engine.webapi import WEB_API_2
from mockserver.errors import to_api_error
from mockserver.state.store import Store
from tests.engine.harness import spec_of

BODY = {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}
SPEC = spec_of(
    {
        "/items": {
            "post": {
                "operationId": "add",
                "requestBody": {"required": True, "content": {"application/json": {"schema": BODY}}},
                "responses": {
                    "201": {"description": "made", "content": {"application/json": {"schema": BODY}}}
                },
            }
        }
    }
)


class Handlers:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.fail = False

    async def add(self, body: dict) -> Any:
        with self.store.transaction() as tx:
            tx.put("items", body["n"], body)
        if self.fail:
            raise RuntimeError("after the write")
        return body, 201


def render_error(exc: Exception, exchange: Exchange) -> Any:
    error = to_api_error(exc)
    body = {"status": error.status, "errors": [p.message for p in error.problems]}
    return json_response(body, error.status, error.headers)


def make(**options: Any) -> tuple[Api, Handlers, Store, list[Exchange], list[str]]:
    store, served, calls = Store(), [], []
    handlers = Handlers(store)
    api = Api(
        RouteTable(resolve_refs(copy.deepcopy(SPEC)), "/t"),
        handlers,
        render_error,
        on_served=lambda scope, exchange: served.append(exchange),
        transaction=store.transaction,
        on_request=lambda: calls.append("catch up"),
        **options,
    )
    return api, handlers, store, served, calls


def post(api: Api, content: bytes, **headers: str) -> httpx.Response:
    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://t") as client:
            return await client.post(
                "/t/items", content=content, headers={"content-type": "application/json", **headers}
            )

    return asyncio.run(send())


def test_a_request_runs_its_handler_in_one_unit_of_work_and_is_observed():
    api, _, store, served, calls = make()
    answer = post(api, b'{"n": 1}')
    assert answer.status_code == 201 and answer.json() == {"n": 1}
    assert store.count("items") == 1 and calls == ["catch up"]
    assert [(e.method, e.path, e.status, e.body) for e in served] == [("POST", "/t/items", 201, b'{"n": 1}')]


def test_a_handler_that_fails_after_writing_changes_nothing():
    api, handlers, store, served, _ = make()
    handlers.fail = True
    answer = post(api, b'{"n": 1}')
    assert answer.status_code == 500 and store.count("items") == 0 and served[0].status == 500


def test_invalid_input_is_refused_before_the_handler_and_in_the_apis_format():
    api, _, store, _, _ = make()
    answer = post(api, b'{"n": "one"}')
    assert answer.status_code == 400 and answer.json()["status"] == 400 and store.count("items") == 0


def test_a_body_past_the_limit_is_a_413_whatever_its_declared_length():
    api, _, store, _, _ = make(max_body=16)
    assert post(api, b'{"n": 1, "pad": "xxxxxxxxxxxx"}').status_code == 413
    assert post(api, b"{}", **{"content-length": "99999"}).status_code == 413
    assert store.count("items") == 0


def test_a_fault_rule_answers_instead_of_the_handler():
    faults = Faults()
    faults.add(FaultRule("f", status=503, message="down", times=1))
    api, _, store, _, _ = make(faults=faults, provider="p")
    answer = post(api, b'{"n": 1}')
    assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
    assert answer.json()["errors"] == ["down"] and store.count("items") == 0
    assert post(api, b'{"n": 1}').status_code == 201  # spent after one


def test_client_warnings_are_counted_in_a_header_and_given_to_the_observer():
    """Under the Web API profile an unknown member is forgiven; the answer says how many were."""
    spec = copy.deepcopy(SPEC)
    store, served = Store(), []
    api = Api(
        RouteTable(resolve_refs(spec), "/t", profile=WEB_API_2),
        Handlers(store),
        render_error,
        on_served=lambda scope, exchange: served.append(exchange),
    )
    answer = post(api, b'{"n": 1, "extra": true}')
    assert answer.status_code == 201 and answer.headers[WARNINGS_HEADER] == "1"
    assert [(w.code, w.where) for w in served[0].warnings] == [("unknown-member", "/extra")]
    strict = Api(
        RouteTable(resolve_refs(copy.deepcopy(spec)), "/t", profile=WEB_API_2),
        Handlers(Store()),
        render_error,
        strict=True,
    )
    assert post(strict, b'{"n": 1, "extra": true}').status_code == 201  # additional members allowed
    assert WARNINGS_HEADER.lower() not in post(strict, b'{"n": 1, "extra": true}').headers
