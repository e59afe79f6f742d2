"""engine/render.py: a handler's data in the negotiated media type."""

from __future__ import annotations

import json

from mockserver.engine.render import json_bytes, json_response, render
from mockserver.engine.routes import RouteTable

SCHEMA = {"type": "object", "xml": {"name": "Answer"}, "properties": {"Id": {"type": "integer"}}}
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/a": {
            "get": {
                "operationId": "a",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": SCHEMA},
                            "application/xml": {"schema": SCHEMA},
                        },
                    }
                },
            }
        }
    },
}
OPERATION = RouteTable(SPEC, "").operations["a"]


def test_json_ends_in_a_newline_and_takes_integers_past_64_bits():
    assert json_bytes({"a": 1}) == b'{"a":1}\n'
    big = {"n": 2**70}
    assert json.loads(json_bytes(big)) == big


def test_a_response_never_shares_the_headers_it_was_given():
    constant = {"Cache-Control": "no-cache"}
    answer = json_response({}, 200, constant)
    answer.headers["Content-Type"] = "x"
    assert constant == {"Cache-Control": "no-cache"}
    rendered = render({}, 200, "application/json", OPERATION, constant)
    assert rendered.headers is not constant


def test_xml_is_written_from_the_operations_schema():
    answer = render({"Id": 7}, 200, "application/xml", OPERATION)
    assert answer.media_type == "application/xml"
    assert answer.body.startswith(b"<Answer") and b"<Id>7</Id></Answer>" in answer.body


def test_without_a_negotiated_type_or_an_operation_the_answer_is_json():
    assert render({"Id": 7}, 201, None, OPERATION).media_type == "application/json"
    fallback = render({"Id": 7}, 200, "application/xml", None)  # no schema to write XML from
    assert fallback.media_type == "application/json" and fallback.body == b'{"Id":7}\n'
