"""The record rules' parts: runtime expressions read as Schemathesis reads them (its parser and its
JSON pointers are the reference), and the recorder's put, wait, merge and remove."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from schemathesis.core.transforms import UNRESOLVABLE
from schemathesis.core.transforms import resolve_pointer as reference_pointer
from schemathesis.specs.openapi.expressions import nodes, parser

from mockserver.proxy.expressions import MISSING, Seen, evaluate, resolve_pointer
from mockserver.proxy.recorder import Recorder, RuleError, load_rules
from mockserver.resources import data_path, load_yaml

DOCUMENT = {"a": [1, {"b~/c": 2, "": 3}], "n": None, "s": "text", "0": {"1": [True]}}
POINTERS = ["", "/a", "/a/0", "/a/1/b~0~1c", "/a/1/", "/a/2", "/a/-", "/a/01", "/n", "/n/x", "/s/0",
            "/0/1/0", "/missing", "/a/1/b~1c"]  # fmt: skip


@pytest.mark.parametrize("pointer", POINTERS)
def test_a_json_pointer_resolves_as_schemathesis_resolves_it(pointer):
    expected = reference_pointer(DOCUMENT, pointer)
    ours = resolve_pointer(DOCUMENT, pointer)
    assert (ours is MISSING) == (expected is UNRESOLVABLE) and (ours is MISSING or ours == expected)


def expressions(value: object) -> list[str]:
    """Every runtime expression in a proxy file: values, and the selectors of `into` and `from`."""
    if isinstance(value, str):
        return [value] if value.startswith("$") else []
    if isinstance(value, dict):
        selectors = [
            m for k in ("into", "from") for m in re.findall(r"\[[\w/]+=([^\]]+)\]", str(value.get(k, "")))
        ]
        return selectors + [e for k, v in value.items() if k not in ("into", "from") for e in expressions(v)]
    if isinstance(value, list):
        return [e for v in value for e in expressions(v)]
    return []


@pytest.mark.parametrize("provider", ["jframework", "twosms"])
def test_every_expression_of_the_proxy_files_is_one_schemathesis_parses_alike(provider):
    """`$each` is ours; every other expression is an OpenAPI runtime expression, and reads the
    same part of the exchange as Schemathesis's parser says it does."""
    document = load_yaml(data_path("openapi", f"{provider}.proxy.yaml").read_text())
    found = [e for e in expressions(document) if not e.startswith("$each")]
    assert len(found) >= 8
    seen = Seen("GET", "u", 200, "op", {"brand-url": "B", "auth-key": "K"}, {"q": "Q"}, {"id": "I"},
                {"x": "RB"}, {"h": "RH"}, {"x": "AB"})  # fmt: skip
    for expression in found:
        [node] = parser.parse(expression)
        value = evaluate(expression, seen)
        if isinstance(node, nodes.NonBodyRequest):
            assert expression == f"$request.{node.location}.{node.parameter}"
            assert value in ("B", "K", "Q", "I", MISSING)
        else:
            assert isinstance(node, (nodes.BodyRequest, nodes.BodyResponse)), expression
            assert expression.partition("#")[2] == (node.pointer or "").removeprefix("#")


def seen(operation: str, response: object, headers: dict | None = None, path: dict | None = None) -> Seen:
    return Seen("GET", "u", 200, operation, headers or {}, {}, path or {}, None, {}, response)


RULES = {
    "record": [
        {"operation": "list", "for_each": "$response.body#/items",
         "put": [{"into": "owners[id=$response.body#/owner].things", "key": "id",
                  "value": {"id": "$each#/id", "name": "$each#/name", "tags": "$each#/tags", "gone": None}}]},
        {"operation": "owner", "put": [{"into": "owners", "key": "id", "value": {"id": "$response.body#/id"}}]},
        {"operation": "drop", "remove": [{"from": "owners[id=$response.body#/owner].things", "key": "id",
                                           "equals": "$request.path.id"}]},
    ]
}  # fmt: skip


def test_a_put_waits_for_its_parent_merges_by_key_unions_lists_and_a_remove_takes_it_away():
    recorder = Recorder("p", load_rules(RULES, ["list", "owner", "drop"]))
    recorder.see(seen("list", {"owner": "o1", "items": [{"id": 1, "name": "a", "tags": ["x"]}]}))
    assert recorder.state == {"owners": []}  # the owner is not known yet: the put waits
    recorder.see(seen("owner", {"id": "o1"}))
    recorder.see(
        seen("list", {"owner": "o1", "items": [{"id": 1, "name": "b", "tags": ["y", "x"]}, {"id": 2}]})
    )
    assert recorder.state["owners"] == [
        {"id": "o1", "things": [{"id": 1, "name": "b", "tags": ["x", "y"]}, {"id": 2}]}
    ]  # a null member left out
    recorder.see(seen("drop", {"owner": "o1"}, path={"id": 2}))
    recorder.see(seen("list", {"owner": "nobody", "items": [{"id": 3}]}))
    document = recorder.document()
    assert document == {
        "p": {"owners": [{"id": "o1", "things": [{"id": 1, "name": "b", "tags": ["x", "y"]}]}]}
    }
    assert recorder.dropped == ["list: nothing recorded for owners[id=$response.body#/owner].things"]


def test_rules_naming_no_operation_of_the_spec_or_a_bad_place_are_refused():
    with pytest.raises(RuleError, match="operation must name"):
        load_rules({"record": [{"operation": "nope"}]}, ["list"])
    with pytest.raises(RuleError, match="is not a name"):
        load_rules({"record": [{"operation": "list", "put": [{"into": "a b", "value": 1}]}]}, ["list"])
    assert Path(data_path("openapi", "twosms.proxy.yaml")).exists()
