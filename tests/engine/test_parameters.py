"""engine/parameters.py: path, query, header and cookie parameters, as Connexion reads them."""

import pytest

from tests.engine.harness import Request, check, spec_of


def op(parameters: list, operation_id: str = "echo") -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "parameters": parameters,
            "responses": {"200": {"description": "ok"}},
        }
    }


def q(name: str, schema: dict, **extra) -> dict:
    return {"name": name, "in": "query", "schema": schema, **extra}


class Echo:
    async def echo(self, ids=None, n=None, flag=None, filter_=None, name=None):
        return {"ids": ids, "n": n, "flag": flag, "filter": filter_, "name": name}

    async def item(self, item_id):
        return {"item_id": item_id}

    async def plain(self):
        return {"ok": True}


ARRAY = {"type": "array", "items": {"type": "integer"}}


@pytest.mark.parametrize(
    ("parameter", "query", "status", "ids"),
    [
        (q("ids", ARRAY), [("ids", "1"), ("ids", "2")], 200, [1, 2]),  # form, exploded: repeated
        (q("ids", ARRAY), [("ids", "1,2")], 200, [1, 2]),  # Connexion splits an exploded value too
        (q("ids", ARRAY, explode=False), [("ids", "1,2")], 200, [1, 2]),
        (q("ids", ARRAY, explode=False), [("ids", "1,2"), ("ids", "3")], 200, [3]),  # the last wins
        (q("ids", ARRAY, style="pipeDelimited"), [("ids", "1|2")], 200, [1, 2]),
        (q("ids", ARRAY, style="spaceDelimited"), [("ids", "1 2")], 200, [1, 2]),
        (q("ids", ARRAY, style="pipeDelimited", explode=True), [("ids", "1"), ("ids", "2")], 200, [1, 2]),
        (q("ids", ARRAY), [("ids", "1"), ("ids", "x")], 400, None),
        (q("ids", {**ARRAY, "maxItems": 1}), [("ids", "1,2")], 400, None),
    ],
)
def test_query_arrays_follow_style_and_explode(parameter, query, status, ids):
    response = check(spec_of({"/e": op([parameter])}), Echo(), Request("GET", "/e", params=query), status)
    if status == 200:
        assert response.json()["ids"] == ids


@pytest.mark.parametrize(
    ("schema", "text", "status", "value"),
    [
        ({"type": "integer"}, "12", 200, 12),
        ({"type": "integer"}, "1.5", 400, None),
        ({"type": "integer"}, "", 400, None),
        ({"type": "integer", "minimum": 10}, "9", 400, None),
        ({"type": "number"}, "1.5", 200, 1.5),
        ({"type": "integer", "nullable": True}, "null", 200, None),
        ({"type": "integer"}, "null", 400, None),
    ],
)
def test_query_scalars_are_converted_then_checked(schema, text, status, value):
    response = check(
        spec_of({"/e": op([q("n", schema)])}), Echo(), Request("GET", "/e", params={"n": text}), status
    )
    if status == 200:
        assert response.json()["n"] == value


@pytest.mark.parametrize(
    ("text", "status", "value"), [("true", 200, True), ("FALSE", 200, False), ("yes", 400, None)]
)
def test_booleans(text, status, value):
    response = check(
        spec_of({"/e": op([q("flag", {"type": "boolean"})])}),
        Echo(),
        Request("GET", "/e", params={"flag": text}),
        status,
    )
    if status == 200:
        assert response.json()["flag"] is value


def test_required_query_parameter_and_default():
    spec = spec_of({"/e": op([q("n", {"type": "integer"}, required=True)])})
    check(spec, Echo(), Request("GET", "/e"), 400)
    spec = spec_of({"/e": op([q("n", {"type": "integer", "default": 7})])})
    assert check(spec, Echo(), Request("GET", "/e"), 200).json()["n"] == 7


def test_deep_object_query_parameter():
    schema = {
        "type": "object",
        "properties": {"min": {"type": "integer"}, "tag": {"type": "string"}},
        "additionalProperties": False,
    }
    spec = spec_of({"/e": op([q("filter", schema, style="deepObject", explode=True)])})
    ok = check(spec, Echo(), Request("GET", "/e", params=[("filter[min]", "3"), ("filter[tag]", "a")]), 200)
    assert ok.json()["filter"] == {"min": 3, "tag": "a"}
    check(spec, Echo(), Request("GET", "/e", params=[("filter[min]", "x")]), 400)
    check(spec, Echo(), Request("GET", "/e", params=[("filter[other]", "1")]), 400)


def test_a_deep_object_nests_as_deep_as_its_keys():
    """`filter[range][min]=3` is `{"range": {"min": 3}}`, as Connexion reads it (the engine once
    dropped every nested key: found by the module's own unit test below)."""
    inner = {"type": "object", "properties": {"min": {"type": "integer"}}}
    schema = {"type": "object", "properties": {"tag": {"type": "string"}, "range": inner}}
    spec = spec_of({"/e": op([q("filter", schema, style="deepObject", explode=True)])})
    request = Request("GET", "/e", params=[("filter[tag]", "a"), ("filter[range][min]", "3")])
    assert check(spec, Echo(), request, 200).json()["filter"] == {"tag": "a", "range": {"min": 3}}


def test_path_parameters_simple_style_and_types():
    spec = spec_of(
        {
            "/items/{itemId}": {
                "get": {
                    "operationId": "item",
                    "parameters": [{"name": "itemId", "in": "path", "required": True, "schema": ARRAY}],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        }
    )
    assert check(spec, Echo(), Request("GET", "/items/1,2,3"), 200).json() == {"item_id": [1, 2, 3]}
    check(spec, Echo(), Request("GET", "/items/1,x"), 400)


def test_a_required_header_parameter_that_is_missing_is_a_400():
    spec = spec_of(
        {
            "/e": op(
                [
                    {
                        "name": "X-Request-Id",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string", "minLength": 3},
                    }
                ],
                "plain",
            )
        }
    )
    check(spec, Echo(), Request("GET", "/e"), 400)
    check(spec, Echo(), Request("GET", "/e", headers={"X-Request-Id": "ab"}), 400)
    check(spec, Echo(), Request("GET", "/e", headers={"x-request-id": "abc"}), 200, {"ok": True})


def test_typed_header_parameters_are_converted_unlike_connexion():
    spec = spec_of(
        {
            "/e": op(
                [{"name": "X-Limit", "in": "header", "schema": {"type": "integer", "maximum": 5}}], "plain"
            )
        }
    )
    check(spec, Echo(), Request("GET", "/e", headers={"X-Limit": "3"}), 200, differs="header-types")
    check(spec, Echo(), Request("GET", "/e", headers={"X-Limit": "9"}), 400)


def test_cookie_parameters():
    spec = spec_of(
        {
            "/e": op(
                [
                    {
                        "name": "session",
                        "in": "cookie",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^s-"},
                    }
                ],
                "plain",
            )
        }
    )
    check(spec, Echo(), Request("GET", "/e"), 400)
    check(spec, Echo(), Request("GET", "/e", headers={"Cookie": "other=1; session=x-1"}), 400)
    check(spec, Echo(), Request("GET", "/e", headers={"Cookie": "other=1; session=s-1"}), 200, {"ok": True})


def test_unknown_query_parameters_are_ignored_as_connexion_ignores_them():
    spec = spec_of({"/e": op([])})
    check(spec, Echo(), Request("GET", "/e", params={"zzz": "1"}), 200)


def test_patterns_are_ecma_262():
    spec = spec_of({"/e": op([q("name", {"type": "string", "pattern": "^[0-9]+$"})])})
    check(spec, Echo(), Request("GET", "/e", params={"name": "12"}), 200)
    check(spec, Echo(), Request("GET", "/e", params={"name": "12\n"}), 400, differs="ecma-pattern")
    check(spec, Echo(), Request("GET", "/e", params={"name": "١٢"}), 400)


def test_int32_is_a_range():
    spec = spec_of({"/e": op([q("n", {"type": "integer", "format": "int32"})])})
    check(spec, Echo(), Request("GET", "/e", params={"n": str(2**31 - 1)}), 200)
    check(spec, Echo(), Request("GET", "/e", params={"n": str(2**31)}), 400, differs="int-format")


# -- the module on its own ---------------------------------------------------------------------------
def test_convert_types_text_or_leaves_it_for_the_schema_to_refuse():
    from mockserver.engine.parameters import convert, is_null

    assert convert("integer", "7") == 7 and convert("number", "1.5") == 1.5
    assert convert("boolean", "TRUE") is True and convert("boolean", "yes") == "yes"
    assert convert("integer", "seven") == "seven" and convert(None, "7") == "7"
    assert is_null("null") and is_null(" None ") and is_null(None) and not is_null("")


def test_query_values_fold_deep_objects_and_keep_repeats():
    from mockserver.engine.parameters import query_values

    pairs = [("f[a]", "1"), ("f[b][c]", "2"), ("f[a]", "ignored"), ("tag", "x"), ("tag", "y"), ("g[a]", "3")]
    assert query_values(pairs, frozenset({"f"})) == {
        "f": [{"a": "1", "b": {"c": "2"}}],  # the first value of a key counts
        "tag": ["x", "y"],
        "g[a]": ["3"],  # not a deepObject parameter: kept as its own name
    }


def test_an_operations_parameter_overrides_the_path_items_of_the_same_name_and_place():
    """OpenAPI: the operation's definition wins. Connexion keeps both: it converts by the path
    item's schema and checks by both, so `ab` fails the path item's integer and `7` the string."""
    path_level = [{"name": "name", "in": "query", "schema": {"type": "integer", "maximum": 5}}]
    operation = [{"name": "name", "in": "query", "schema": {"type": "string", "maxLength": 2}}]
    spec = spec_of({"/e": {"parameters": path_level, **op(operation)}})
    ab = check(spec, Echo(), Request("GET", "/e", params={"name": "ab"}), 200, differs="overridden-parameter")
    assert ab.json()["name"] == "ab"
    check(spec, Echo(), Request("GET", "/e", params={"name": "abc"}), 400)  # the operation's maxLength
    check(spec, Echo(), Request("GET", "/e", params={"name": "7"}), 200, differs="overridden-parameter")
