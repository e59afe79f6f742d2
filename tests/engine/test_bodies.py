"""Request bodies: media types with parameters and ranges, charsets, nullable, readOnly/writeOnly as
Connexion applies them, and a bounded cost for a "no"."""

import json

import pytest

from tests.engine.harness import Request, check, engine, spec_of

ITEM = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "readOnly": True},
        "name": {"type": "string", "minLength": 1},
        "note": {"type": "string", "nullable": True},
        "kind": {"type": "string", "enum": ["a", "b"], "nullable": True},
        "ref": {"nullable": True, "allOf": [{"type": "object"}]},
        "secret": {"type": "string", "writeOnly": True},
        "count": {"type": "integer", "format": "int32"},
    },
}


def put(content: dict, responses: dict | None = None) -> dict:
    return spec_of(
        {
            "/items": {
                "put": {
                    "operationId": "save",
                    "requestBody": {"required": True, "content": content},
                    "responses": responses or {"200": {"description": "ok"}},
                }
            }
        }
    )


class Store:
    async def save(self, body):
        return {"saved": body if not isinstance(body, bytes) else body.decode()}


JSON_ITEM = put({"application/json": {"schema": ITEM}})


def send(body, content_type="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Request("PUT", "/items", headers={"Content-Type": content_type}, content=data)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "x"}, 200),
        ({"name": ""}, 400),
        ({}, 400),
        ({"name": "x", "other": 1}, 400),
        ({"name": "x", "note": None}, 200),  # nullable lets null through `type`
        ({"name": "x", "kind": None}, 200),  # and through `enum`
        ({"name": "x", "ref": None}, 400),  # but not through `allOf`: Connexion's meaning exactly
        ({"name": "x", "id": "given"}, 200),  # readOnly has no effect on requests in Connexion 3
        ({"name": "x", "secret": "s"}, 200),  # writeOnly is for requests
    ],
)
def test_json_bodies(body, status):
    check(JSON_ITEM, Store(), send(body), status)


def test_media_type_parameters_and_case():
    check(JSON_ITEM, Store(), send({"name": "x"}, "application/json; charset=utf-8"), 200)
    check(JSON_ITEM, Store(), send({"name": "x"}, "application/json;charset=UTF-8;foo=bar"), 200)
    check(JSON_ITEM, Store(), send({"name": "x"}, "text/plain"), 415)


def test_ranges_in_the_spec_take_what_they_match():
    spec = put({"application/*+json": {"schema": ITEM}})
    check(spec, Store(), send({"name": "x"}, "application/vnd.item+json"), 200)
    check(spec, Store(), send({"name": ""}, "application/vnd.item+json"), 400)
    check(spec, Store(), send({"name": "x"}, "application/xml"), 415)
    anything = put({"*/*": {"schema": ITEM}})
    check(anything, Store(), send({"name": "x"}, "application/json"), 200)
    check(anything, Store(), send({"name": ""}, "application/json"), 400)
    # A type with no decoder reaches the handler as bytes, unchecked, as Connexion passes it.
    check(anything, Store(), send(b"plain words", "text/plain"), 200, {"saved": "plain words"})


def test_charsets():
    utf16 = json.dumps({"name": "é"}).encode("utf-16")
    check(JSON_ITEM, Store(), send(utf16, "application/json; charset=utf-16"), 200, differs="charset")
    for codec in ("rot13", "base64", "hex", "no-such-charset"):
        check(
            JSON_ITEM,
            Store(),
            send({"name": "x"}, f"application/json; charset={codec}"),
            415,
            differs="text-charset",
        )


def test_int32():
    check(JSON_ITEM, Store(), send({"name": "x", "count": 2**31 - 1}), 200)
    check(JSON_ITEM, Store(), send({"name": "x", "count": 2**31}), 400, differs="int-format")


def test_write_only_properties_are_refused_in_answers():
    class Leaky:
        async def save(self, body):
            return {"name": "x", "secret": "s"}

    spec = put(
        {"application/json": {"schema": ITEM}},
        {"200": {"description": "ok", "content": {"application/json": {"schema": ITEM}}}},
    )
    app = engine(spec, Leaky())
    app._response_checks = {}  # as `validate_responses=True` sets it
    import asyncio

    from tests.engine.harness import _send

    response = asyncio.run(_send(app, send({"name": "x"})))
    assert response.status_code == 500


def test_a_form_body():
    spec = put(
        {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "n": {"type": "integer"},
                        "tags": {"type": "array", "items": {"type": "string"}},
                    },
                }
            }
        }
    )
    ok = check(spec, Store(), send(b"n=3&tags=a&tags=b", "application/x-www-form-urlencoded"), 200)
    assert ok.json() == {"saved": {"n": 3, "tags": ["a", "b"]}}
    check(spec, Store(), send(b"n=x", "application/x-www-form-urlencoded"), 400)


def test_explaining_a_huge_rejected_body_is_bounded():
    """200,000 wrong items: one problem reported (the first), not 200,000 explained."""
    spec = put({"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}})
    response = check(spec, Store(), send([1] * 200_000), 400)
    assert response.json()["problems"] == [["/0", "must be of type string, not an integer"]]
    small = check(spec, Store(), send([1, "a", 2]), 400)
    assert [p[0] for p in small.json()["problems"]] == ["/0", "/2"]  # a small body: every problem


class Counter:
    async def save(self, body):
        return {"name": body["name"]}  # a dict, as the schema says


def test_a_body_without_content_type_is_read_as_the_first_declared_type():
    """Connexion validates such a body as the operation's first media type, then hands the handler
    its raw bytes (a handler reading it as the schema says fails: 500); the engine decodes it."""
    bare = Request("PUT", "/items", content=b'{"name": "x"}')
    check(JSON_ITEM, Counter(), bare, 200, {"name": "x"}, differs="body-without-content-type")
    check(JSON_ITEM, Counter(), Request("PUT", "/items", content=b'{"name": ""}'), 400)
