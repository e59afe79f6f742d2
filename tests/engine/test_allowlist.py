"""The allow-list names what the compiled engine takes, and the tests that prove each entry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mockserver.engine.allowlist import ALLOWED, DOCUMENTATION, PROBE, unlisted
from tests.engine.harness import spec_of

ROOT = Path(__file__).resolve().parents[2]


def test_every_entry_names_tests_that_exist():
    named = {t for keywords in ALLOWED.values() for tests in keywords.values() if tests != DOCUMENTATION
             for t in tests.split()}  # fmt: skip
    assert named and all((ROOT / t).is_file() for t in named), sorted(
        t for t in named if not (ROOT / t).is_file()
    )


def test_every_entry_names_tests_that_use_its_keyword():
    """A named test file (or, for the probe differential, the spec it serves) uses the keyword."""
    unproven = []
    for place, keywords in ALLOWED.items():
        for keyword, tests in keywords.items():
            if tests == DOCUMENTATION:
                continue
            texts = [(ROOT / t).read_text() for t in tests.split()]
            texts += [(ROOT / "tests/engine/probe.yaml").read_text()] if PROBE in tests.split() else []
            if not any(re.search(rf"\b{re.escape(keyword)}\b", text) for text in texts):
                unproven.append(f"{place}/{keyword}: {tests}")
    assert unproven == []


def _op(**operation) -> dict:
    return spec_of(
        {"/o": {"get": {"operationId": "op", "responses": {"200": {"description": "ok"}}, **operation}}}
    )


@pytest.mark.parametrize(
    ("spec", "pointer"),
    [
        (_op(parameters=[{"name": "a", "in": "query", "style": "matrix"}]), "/paths/~1o/get/parameters/0/style"),
        (_op(parameters=[{"name": "a", "in": "query", "allowReserved": True}]), "/paths/~1o/get/parameters/0/allowReserved"),
        (_op(parameters=[{"name": "a", "in": "query", "content": {}}]), "/paths/~1o/get/parameters/0/content"),
        (_op(servers=[{"url": "/x"}]), "/paths/~1o/get/servers"),
        (_op(requestBody={"content": {"multipart/form-data": {}}}), "/paths/~1o/get/requestBody/content/multipart~1form-data"),
        (_op(requestBody={"content": {"application/x-www-form-urlencoded": {"encoding": {"a": {"contentType": "x"}}}}}),
         "/paths/~1o/get/requestBody/content/application~1x-www-form-urlencoded/encoding/a/contentType"),
        (spec_of({}, components={"schemas": {"A": {"type": "object", "discriminator": {"propertyName": "k"}}}}),
         "/components/schemas/A/discriminator"),
        (spec_of({}, components={"schemas": {"A": {"items": {"$schema": "x"}}}}), "/components/schemas/A/items/$schema"),
        (spec_of({}, components={"securitySchemes": {"S": {"type": "openIdConnect"}}}), "/components/securitySchemes/S/type"),
        (spec_of({}, components={"securitySchemes": {"S": {"type": "apiKey", "in": "cookie"}}}), "/components/securitySchemes/S/in"),
        (_op(callbacks={}), "/paths/~1o/get/callbacks"),
        ({**_op(), "webhooks": {}}, "/webhooks"),
    ],
)  # fmt: skip
def test_a_construct_off_the_list_is_named_where_it_is(spec, pointer):
    assert [c.pointer for c in unlisted(spec)] == [pointer]


def test_documentation_and_refs_are_allowed_anywhere():
    spec = _op(description="d", tags=["t"], externalDocs={"url": "u"}, parameters=[{"$ref": "#/x"}])
    assert unlisted(spec) == []
