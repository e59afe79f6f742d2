"""The schema-driven XML codec: round trips, the documented samples, hostile input."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest
import yaml
from connexion.json_schema import resolve_refs

from mockserver.engine import xmlcodec, xmlread, xmlschema, xmlwrite
from mockserver.engine.webapi import WEB_API_2
from mockserver.engine.xmlschema import OPENAPI_XML
from tests.engine.lxml_writer import infoset, lxml_write

ROOT = Path(__file__).resolve().parents[2]
SPEC = resolve_refs(yaml.safe_load((ROOT / "openapi" / "twosms.yaml").read_text()))
SCHEMAS = SPEC["components"]["schemas"]
SEED = (Path(__file__).resolve().parents[1] / "data" / "twosms-seed.txt").read_text()
GUID = "dbcc0ec5-7543-4a9d-932c-ab0623551910"
PLAIN, XML_SERIALIZER = OPENAPI_XML, WEB_API_2.xml
"""OpenAPI's own XML rules, and 2SMS's stack's (xsd/xsi declared, .NET item names)."""
CONVENTIONS = pytest.mark.parametrize("conventions", [PLAIN, XML_SERIALIZER], ids=["plain", "web-api"])


def sample(schema: dict) -> object:
    """A deterministic instance of `schema` with every property present."""
    schema = xmlcodec.merged_all_of(schema)
    if "anyOf" in schema:
        return sample(schema["anyOf"][0])
    if "enum" in schema:
        return schema["enum"][-1]
    kind = xmlschema.kind(schema)
    if kind == "object":
        props = schema.get("properties", {})
        if not props and isinstance(schema.get("additionalProperties"), dict):
            return {"16": sample(schema["additionalProperties"])}
        return {name: sample(prop) for name, prop in props.items()}
    if kind == "array":
        return [sample(schema["items"]), sample(schema["items"])]
    if kind == "integer":
        return 7
    if kind == "number":
        return 12.5
    if kind == "boolean":
        return True
    pattern = schema.get("pattern", "")
    if "[0-9a-fA-F]{8}" in pattern:
        return GUID
    if "T[0-9]{2}" in pattern:
        return "2026-01-01T09:00:00Z"
    return "text & <markup>"


def has_map(schema: dict) -> bool:
    """Maps keyed by data (ContactsIncQuick) have no XML form: the docs list those bodies as JSON only."""
    schema = xmlcodec.merged_all_of(schema)
    if isinstance(schema.get("additionalProperties"), dict) and not schema.get("properties"):
        return True
    return any(has_map(p) for p in schema.get("properties", {}).values())


XML_SCHEMAS = sorted(
    name for name, schema in SCHEMAS.items() if xmlschema.kind(schema) == "object" and not has_map(schema)
)


def test_only_the_json_only_bodies_are_left_out_of_the_round_trip():
    objects = {name for name, schema in SCHEMAS.items() if xmlschema.kind(schema) == "object"}
    json_only = {"ContactsIncQuick", "MessageV2", "TemplateInfo", "StandardMessage", "RecurringMessage"}
    assert objects - set(XML_SCHEMAS) == json_only


@pytest.mark.parametrize("name", XML_SCHEMAS)
def test_every_object_schema_round_trips(name):
    schema = SCHEMAS[name]
    value = sample(schema)
    encoded = xmlcodec.dumps(value, schema)
    assert xmlcodec.loads(encoded, schema) == value


def documented(root: str) -> bytes:
    start = SEED.index(f"<{root}")
    end = SEED.index(f"</{root}>") + len(root) + 3
    return SEED[start:end].encode()


def test_the_seed_message_details_sample_parses_exactly():
    decoded = xmlcodec.loads(documented("MessageDetails"), SCHEMAS["MessageDetails"])
    assert decoded == {
        "messageId": GUID,
        "DateReceived": "sample string 2",
        "DateToSend": "sample string 3",
        "DateSent": "sample string 4",
        "Sender": "sample string 5",
        "DateModified": "sample string 6",
        "AccountID": "71a9437e-9ae2-410d-b3d1-983c44a55dcd",
        "StatusID": "sample string 8",
        "Content": "sample string 9",
        "Reference": "sample string 10",
        "ExpiryDate": "sample string 11",
        "DeliveryReceipt": True,
        "SmsReadReceipt": True,
        "EmailReadReceipt": True,
        "GroupID": "7fa1f2e9-c001-47d5-bd2e-35d4fec2c535",
        "ContactID": 16,
        "NoOfReads": 1,
        "AdditionalGroupID": "3e13280a-5c26-412e-8e3b-ca41e0d3fea9",
        "AdditionalContactID": 18,
        "RemoveGroupID": "55de749b-b8db-4491-a558-3b9ed525181d",
        "RemoveContactID": 20,
        "MessageType": "sample string 21",
        "NoOfContacts": 1,
        "AuthenticationMethod": 0,
    }


def test_the_documented_response_sample_parses_and_reencodes_in_documented_order():
    schema = SCHEMAS["ResponseOfSmsTransaction"]
    decoded = xmlcodec.loads(documented("ResponseOfSmsTransaction"), schema)
    assert decoded["Error"] == {"ErrorCode": "sample string 1", "ErrorReason": "sample string 2"}
    assert decoded["ResponseData"]["Detail"]["CreditsUsed"] == "sample string 8"
    encoded = xmlcodec.dumps(decoded, schema, XML_SERIALIZER).decode()
    order = [
        "<Error>",
        "<ResponseData>",
        "<Result>",
        "<Identification>",
        "<Detail>",
        "<MessageID>",
        "<MessageText>",
    ]
    positions = [encoded.index(tag) for tag in order]
    assert positions == sorted(positions)
    assert 'xmlns:xsd="http://www.w3.org/2001/XMLSchema"' in encoded
    assert 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' in encoded


def test_json_member_names_are_renamed_and_enums_written_by_name():
    encoded = xmlcodec.dumps(
        {"messageId": GUID, "AuthenticationMethod": 0}, SCHEMAS["MessageDetails"]
    ).decode()
    assert f"<ID>{GUID}</ID>" in encoded
    assert "<AuthenticationMethod>ANONYMOUS</AuthenticationMethod>" in encoded
    assert "messageId" not in encoded


def test_wrapped_guid_arrays_use_dotnet_item_names_under_web_api_and_the_array_name_otherwise():
    value, schema = {"MessageIDs": [GUID]}, copy.deepcopy(SCHEMAS["MessageCriteria"])
    assert f"<MessageIDs><guid>{GUID}</guid></MessageIDs>" in xmlcodec.dumps(value, schema).decode()  # named
    del schema["properties"]["MessageIDs"]["items"]["xml"]
    assert (
        f"<MessageIDs><guid>{GUID}</guid></MessageIDs>"
        in xmlcodec.dumps(value, schema, XML_SERIALIZER).decode()
    )
    plain = xmlcodec.dumps(value, schema).decode()
    assert f"<MessageIDs><MessageIDs>{GUID}</MessageIDs></MessageIDs>" in plain  # OpenAPI's own example
    assert "xmlns:xsi" not in plain and "xmlns:xsd" not in plain


def test_nulls_are_absent_and_xsi_nil_reads_as_null():
    schema = SCHEMAS["ResponseOfSmsTransaction"]
    assert b"<Error" not in xmlcodec.dumps({"Error": None, "ResponseData": None}, schema)
    nil = b'<ResponseOfSmsTransaction xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Error xsi:nil="true"/></ResponseOfSmsTransaction>'
    assert xmlcodec.loads(nil, schema) == {"Error": None}


def test_declarations_are_optional_on_input():
    plain = f"<MessageDetails><ID>{GUID}</ID><AuthenticationMethod>0</AuthenticationMethod></MessageDetails>"
    assert xmlcodec.loads(plain.encode(), SCHEMAS["MessageDetails"]) == {
        "messageId": GUID,
        "AuthenticationMethod": 0,
    }


def test_values_that_do_not_convert_stay_text_for_the_validator():
    xml = b"<MessageDetails><NoOfReads>many</NoOfReads><AuthenticationMethod>WIZARD</AuthenticationMethod><Extra>1</Extra></MessageDetails>"
    assert xmlcodec.loads(xml, SCHEMAS["MessageDetails"]) == {
        "NoOfReads": "many",
        "AuthenticationMethod": "WIZARD",
        "Extra": "1",
    }


def test_attributes_and_namespaces_from_the_xml_object():
    schema = {
        "type": "object",
        "xml": {"name": "item", "namespace": "urn:x", "prefix": "x"},
        "properties": {
            "id": {"type": "integer", "xml": {"attribute": True}},
            "tags": {
                "type": "array",
                "xml": {"wrapped": True},
                "items": {"type": "string", "xml": {"name": "tag"}},
            },
            "flags": {"type": "array", "items": {"type": "boolean", "xml": {"name": "flag"}}},
        },
    }
    value = {"id": 3, "tags": ["a", "b"], "flags": [True, False]}
    encoded = xmlcodec.dumps(value, schema)
    assert encoded.decode().startswith("<x:item")  # no XML declaration, as Web API writes XML
    assert xmlcodec.loads(encoded, schema) == value


def test_characters_xml_cannot_carry_are_replaced_not_fatal():
    encoded = xmlcodec.dumps({"ErrorCode": "A\x00B\x1fC\ud800", "ErrorReason": "ok\ttab"}, SCHEMAS["Error"])
    assert xmlcodec.loads(encoded, SCHEMAS["Error"]) == {
        "ErrorCode": "A\ufffdB\ufffdC\ufffd",
        "ErrorReason": "ok\ttab",
    }


HOSTILE = {
    "xxe-file": b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><MessageDetails><Content>&x;</Content></MessageDetails>',
    "xxe-http": b'<!DOCTYPE m [<!ENTITY x SYSTEM "http://127.0.0.1:9/evil">]><MessageDetails><Content>&x;</Content></MessageDetails>',
    "billion-laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><MessageDetails><Content>&lol3;</Content></MessageDetails>',
    "quadratic-blowup": b'<!DOCTYPE m [<!ENTITY a "'
    + b"x" * 50_000
    + b'">]><MessageDetails><Content>'
    + b"&a;" * 5_000
    + b"</Content></MessageDetails>",
    "doctype-only": b"<!DOCTYPE MessageDetails><MessageDetails/>",
    "utf16-doctype": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE m [<!ENTITY x "y">]><MessageDetails><Content>&x;</Content></MessageDetails>'.encode(
        "utf-16"
    ),
    "deep": b"<MessageDetails>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</MessageDetails>",
    "malformed": b"<MessageDetails><Content>unclosed</MessageDetails>",
    "not-xml": b'{"messageId": 1}',
    "wrong-root": b"<FOFMessage><Text>hi</Text></FOFMessage>",
    "duplicate": b"<MessageDetails><Content>a</Content><Content>b</Content></MessageDetails>",
    "text-in-object": b"<MessageDetails>loose text</MessageDetails>",
    "empty": b"",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_documents_are_refused_quickly_without_expansion(name):
    started = time.perf_counter()
    with pytest.raises(xmlcodec.XMLDecodeError) as caught:
        xmlcodec.loads(HOSTILE[name], SCHEMAS["MessageDetails"])
    elapsed = time.perf_counter() - started
    assert "\n" not in str(caught.value)
    assert "root:" not in str(caught.value)  # /etc/passwd content never leaks into a message
    print(f"{name}: refused in {elapsed * 1000:.1f} ms")


def test_oversize_documents_are_refused_before_parsing():
    with pytest.raises(xmlcodec.XMLDecodeError, match="larger than"):
        xmlcodec.loads(
            b"<MessageDetails>" + b" " * 2_000_000 + b"</MessageDetails>", SCHEMAS["MessageDetails"]
        )


TRICKY = "a & b < c > d \" ' \r\n\t ]]> \x01 é"


def _with_tricky_text(value: object) -> object:
    if isinstance(value, dict):
        return {k: _with_tricky_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_tricky_text(v) for v in value] + [None]
    return TRICKY if isinstance(value, str) else value


@pytest.mark.parametrize("name", XML_SCHEMAS)
@pytest.mark.parametrize("tricky", [False, True])
@CONVENTIONS
def test_the_text_writer_writes_what_lxml_writes(name, tricky, conventions):
    """Documents without namespaces are written as text for speed; byte for byte as lxml would."""
    node = xmlcodec.XmlCodec(conventions).nodes(SCHEMAS[name])
    value = sample(SCHEMAS[name])
    value = _with_tricky_text(value) if tricky else value
    assert xmlwrite.write(value, node) == lxml_write(value, node)


def test_empty_objects_and_arrays_are_written_like_lxml_writes_them():
    schema = {
        "type": "object",
        "xml": {"name": "Root"},
        "properties": {
            "inner": {"type": "object", "properties": {"x": {"type": "string"}}},
            "list": {"type": "array", "xml": {"wrapped": True}, "items": {"type": "string"}},
            "id": {"type": "string", "xml": {"attribute": True}},
            "empty": {"type": "string"},
        },
    }
    node = xmlcodec.XmlCodec(XML_SERIALIZER).nodes(schema)
    value = {"inner": {}, "list": [], "id": TRICKY, "empty": ""}
    assert xmlwrite.write(value, node) == lxml_write(value, node)


def test_an_entity_reference_in_a_parsed_tree_is_refused():
    """`parse` refuses DOCTYPE/ENTITY before parsing; the tree check is the second line of defence."""
    from lxml import etree

    tree = etree.fromstring(
        b'<!DOCTYPE r [<!ENTITY e "x">]><r><a>&e;</a></r>', etree.XMLParser(resolve_entities=False)
    )
    with pytest.raises(xmlcodec.XMLDecodeError, match="entity references"):
        xmlread._check_tree(tree, 64)


def test_a_recursive_schema_is_written_like_lxml_writes_it():
    """The text writer is compiled per schema node: a schema that contains itself still works."""
    schema: dict = {"type": "object", "xml": {"name": "Node"}, "properties": {"v": {"type": "integer"}}}
    schema["properties"]["child"] = schema
    schema["properties"]["kids"] = {"type": "array", "items": schema}
    value = {"v": 1, "child": {"v": 2, "child": {"v": 3}}, "kids": [{"v": 4, "kids": []}, None]}
    node = xmlcodec.XmlCodec().nodes(schema)
    written = xmlwrite.write(value, node)
    assert written == lxml_write(value, node)
    assert written == b"<Node><v>1</v><Node><v>2</v><Node><v>3</v></Node></Node><Node><v>4</v></Node></Node>"


NAMESPACED = {
    "type": "object",
    "xml": {"name": "item", "namespace": "urn:x", "prefix": "x"},
    "properties": {
        "id": {"type": "integer", "xml": {"attribute": True}},
        "ref": {"type": "string", "xml": {"attribute": True, "namespace": "urn:r", "prefix": "r"}},
        "anon": {"type": "string", "xml": {"attribute": True, "namespace": "urn:a"}},
        "plain": {"type": "string"},
        "same": {"type": "string", "xml": {"namespace": "urn:x", "prefix": "x"}},
        "other": {
            "type": "object",
            "xml": {"namespace": "urn:o", "prefix": "o"},
            "properties": {"inner": {"type": "string", "xml": {"namespace": "urn:o", "prefix": "o"}}},
        },
        "defaulted": {
            "type": "object",
            "xml": {"namespace": "urn:d"},
            "properties": {
                "bare": {"type": "string"},
                "kept": {"type": "string", "xml": {"namespace": "urn:d"}},
            },
        },
        "tags": {
            "type": "array",
            "xml": {"wrapped": True},
            "items": {"type": "string", "xml": {"name": "tag", "namespace": "urn:t", "prefix": "t"}},
        },
    },
}


@CONVENTIONS
def test_a_namespaced_document_reads_as_lxml_writes_it(conventions):
    """One writer for every document: where namespaces are involved, a namespace-aware reader
    (lxml) finds the same elements, attributes, namespaces and text in ours as in lxml's own, and
    each namespace is declared once, where it is first used, with the schema's prefix."""
    value = {
        "id": 3,
        "ref": "r1",
        "anon": "a1",
        "plain": TRICKY,
        "same": "s",
        "other": {"inner": "i"},
        "defaulted": {"bare": "b", "kept": "k"},
        "tags": ["a", None, "b"],
    }
    node = xmlcodec.XmlCodec(conventions).nodes(NAMESPACED)
    ours = xmlwrite.write(value, node)
    assert infoset(ours) == infoset(lxml_write(value, node))
    text = ours.decode()
    assert text.startswith('<x:item xmlns:x="urn:x"') and text.count('xmlns:x="urn:x"') == 1
    assert '<o:other xmlns:o="urn:o"><o:inner>i</o:inner></o:other>' in text
    assert '<defaulted xmlns="urn:d"><bare xmlns="">b</bare><kept>k</kept></defaulted>' in text
    assert xmlcodec.loads(ours, NAMESPACED) == {
        **value,
        "plain": TRICKY.replace("\x01", "\ufffd"),
        "tags": ["a", "b"],
    }


def test_compiled_schemas_belong_to_a_codec_not_to_the_module():
    """Each route table has its own codec: what one app compiled goes with it (no module-wide cache)."""
    first, second = xmlcodec.XmlCodec(), xmlcodec.XmlCodec()
    schema = SCHEMAS["Error"]
    assert first.nodes(schema) is first.nodes(schema)
    assert first.nodes(schema) is not second.nodes(schema)
