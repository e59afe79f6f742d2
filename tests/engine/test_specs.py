"""engine/specs.py: a spec as written, and with its refs resolved."""

from __future__ import annotations

from mockserver import resources
from mockserver.engine.specs import load_spec, resolved, route_table


def test_a_bare_file_name_is_a_bundled_spec_and_refs_stay_as_written():
    written, path = load_spec("twosms.yaml")
    assert path == resources.data_path("openapi", "twosms.yaml")
    assert "$ref" in str(written)


def test_an_absolute_path_is_read_as_it_is(tmp_path):
    spec = tmp_path / "mine.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n")
    assert load_spec(spec) == (
        {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}},
        spec,
    )


def test_the_route_table_reads_the_spec_with_refs_resolved():
    routes = route_table("twosms.yaml", "/twosms")
    assert "$ref" not in str(routes.spec) and routes.source.endswith("twosms.yaml")
    assert routes.resolve("POST", "/twosms/api/v2/sms/messages")[0].operation_id == "send_message"
    assert resolved({"a": {"$ref": "#/b"}, "b": {"c": 1}})["a"] == {"c": 1}
