"""engine/webapi/binding.py: bodies bound as ASP.NET Web API 2 binds them (Json.NET for JSON,
XmlSerializer for XML), each forgiveness a client warning."""

from __future__ import annotations

from mockserver.engine.webapi.binding import bind, compile_binder

SCHEMA = {
    "type": "object",
    "required": ["Content"],
    "properties": {
        "Content": {"type": "string"},
        "Note": {"type": "string"},
        "Maybe": {"type": "string", "nullable": True},
        "When": {"type": "string", "format": "date-time"},
        "Options": {
            "type": "object",
            "xml": {"name": "Opts"},
            "properties": {"DateToSend": {"type": "string", "format": "date-time"}},
        },
        "Dates": {"type": "array", "items": {"type": "string", "format": "date-time"}},
    },
}


def codes(warnings) -> list[tuple[str, str]]:
    return [(w.code, w.where) for w in warnings]


def test_a_schema_with_nothing_to_forgive_compiles_to_no_binder():
    assert compile_binder({"type": "string"}) is None
    assert compile_binder(None) is None


def test_json_names_match_ignoring_case_and_the_later_spelling_wins():
    value, warnings = bind({"content": "a", "CONTENT": "b"}, compile_binder(SCHEMA))
    assert value == {"Content": "b"}
    assert codes(warnings) == [("member-case", "/content"), ("member-case", "/CONTENT")]


def test_unknown_members_are_dropped_and_a_null_for_an_optional_member_is_absent():
    value, warnings = bind({"Content": "a", "Extra": 1, "Note": None, "Maybe": None}, compile_binder(SCHEMA))
    assert value == {"Content": "a", "Maybe": None}  # Maybe is nullable: its null is a value
    assert codes(warnings) == [("unknown-member", "/Extra"), ("null-member", "/Note")]


def test_a_date_without_a_zone_is_read_as_utc_in_nested_objects_and_arrays():
    body = {"Content": "a", "When": "2026-01-02T03:04:05", "Options": {"DateToSend": "2026-01-02T03:04:05.5"}}
    body["Dates"] = ["2026-01-02T03:04:05Z", "2026-01-02T03:04:05"]
    value, warnings = bind(body, compile_binder(SCHEMA))
    assert value["When"] == "2026-01-02T03:04:05Z"
    assert value["Options"]["DateToSend"] == "2026-01-02T03:04:05.5Z"
    assert value["Dates"] == ["2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z"]
    assert codes(warnings) == [
        ("date-without-zone", "/When"),
        ("date-without-zone", "/Options/DateToSend"),
        ("date-without-zone", "/Dates/1"),
    ]


def test_xml_names_match_exactly_and_warnings_name_xml_paths():
    decoded = {"Content": "a", "content": "b", "Options": {"DateToSend": "2026-01-02T03:04:05"}}
    value, warnings = bind(decoded, compile_binder(SCHEMA), xml_root="SmsMessage")
    assert value == {"Content": "a", "Options": {"DateToSend": "2026-01-02T03:04:05Z"}}
    assert codes(warnings) == [
        ("member-case", "/SmsMessage/content"),
        ("date-without-zone", "/SmsMessage/Opts/DateToSend"),
    ]


def test_json_pointers_escape_slash_and_tilde():
    _, warnings = bind({"Content": "a", "a/b~c": 1}, compile_binder(SCHEMA))
    assert codes(warnings) == [("unknown-member", "/a~1b~0c")]


def test_an_element_named_as_a_members_json_name_is_not_that_member():
    """`<Options>` where the member's element is `<Opts>`: XmlSerializer matches element names
    exactly, so it is an unknown element, said as such, never read as the member (issue 26, 13)."""
    from lxml import etree

    from mockserver.engine.profile import PLAIN_OPENAPI
    from mockserver.engine.xmlread import decode
    from mockserver.engine.xmlschema import Nodes

    root = etree.fromstring(
        b"<SmsMessage><Content>a</Content><Options><DateToSend>x</DateToSend></Options></SmsMessage>"
    )
    decoded = decode(root, Nodes(PLAIN_OPENAPI.xml)(SCHEMA))
    assert decoded == {"Content": "a", "<Options>": ""}  # kept apart from the member `Options`
    value, warnings = bind(decoded, compile_binder(SCHEMA), xml_root="SmsMessage")
    assert value == {"Content": "a"}
    [warning] = warnings
    assert (warning.code, warning.where) == ("unknown-member", "/SmsMessage/Options")
    assert "is the JSON name; in XML the member is <Opts>" in warning.message
