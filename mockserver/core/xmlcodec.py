"""XML <-> Python, driven only by an OpenAPI schema and its `xml` objects.

Decoding turns a document into the dict the same schema validates as JSON: element names come
from `xml.name` (else the property name), `xml.attribute` reads attributes, `xml.wrapped` arrays
hold their items in one element, scalars are typed by the schema (integer, number, boolean),
and enums listed in the vendor extension `x-enum-names` accept their member name for the number.
Unknown elements become keys, so `additionalProperties: false` still fires. Decoding is lenient on
types (a value it cannot convert stays text) so that the schema, not the parser, reports it.

Parsing is hardened: no DTD, no entity expansion, no network, any DOCTYPE refused, bounded size
and depth. Encoding writes elements in schema order and replaces the characters XML 1.0 cannot
carry with U+FFFD instead of failing.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64

XSD_NS = "http://www.w3.org/2001/XMLSchema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XSI_NIL = f"{{{XSI_NS}}}nil"

# Characters XML 1.0 cannot carry (C0 controls but tab/newline/return, surrogates, U+FFFE/F).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


class XMLDecodeError(ValueError):
    """The document is not XML this schema can read; the message says why, in one line."""


# -- schema helpers ----------------------------------------------------------------------------
def _merged(schema: dict) -> dict:
    """Fold `allOf` parts into one schema (properties and xml of the parts included)."""
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part = _merged(part)
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**value, **merged.get("properties", {})}
            elif key == "required":
                merged["required"] = sorted({*value, *merged.get("required", [])})
            else:
                merged.setdefault(key, value)
    return merged


def _kind(schema: dict) -> str | None:
    schema = _merged(schema)
    if "type" in schema:
        return schema["type"]
    if "properties" in schema:
        return "object"
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        kind = _kind(option)
        if kind is not None and kind != "string":
            return kind
    return "string" if schema.get("anyOf") or schema.get("oneOf") else None


def _xml(schema: dict) -> dict:
    return _merged(schema).get("xml", {})


def element_name(schema: dict, default: str) -> str:
    return _xml(schema).get("name", default)


def _qualified(schema: dict, name: str) -> str:
    namespace = _xml(schema).get("namespace")
    return f"{{{namespace}}}{name}" if namespace else name


# -- decoding ----------------------------------------------------------------------------------
def parse(data: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> etree._Element:
    """A hardened parse: refuses DTDs and entities before and after parsing, bounds size and depth."""
    if len(data) > max_bytes:
        raise XMLDecodeError(f"the XML body is larger than {max_bytes} bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XMLDecodeError("a DOCTYPE or ENTITY declaration is not allowed")
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise XMLDecodeError(f"the body is not well-formed XML: {exc.msg}") from None
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        raise XMLDecodeError(f"the body is not readable XML: {exc}") from None
    if root is None:
        raise XMLDecodeError("the body is empty")
    if root.getroottree().docinfo.doctype:
        raise XMLDecodeError("a DOCTYPE declaration is not allowed")
    for element in root.iter():
        if isinstance(element, etree._Entity):
            raise XMLDecodeError("entity references are not allowed")
    if _depth(root) > max_depth:
        raise XMLDecodeError(f"the XML body nests deeper than {max_depth} levels")
    return root


def _depth(root: etree._Element) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest


def loads(data: bytes, schema: dict, **limits: Any) -> Any:
    """Decode a whole document; the root element must be the schema's `xml.name`, if it has one."""
    root = parse(data, **limits)
    expected = _xml(schema).get("name")
    actual = etree.QName(root).localname
    if expected is not None and actual != expected:
        raise XMLDecodeError(f"the root element must be <{expected}>, not <{actual}>")
    return decode_element(root, schema)


def decode_element(element: etree._Element, schema: dict) -> Any:
    schema = _merged(schema)
    if element.get(XSI_NIL) in ("true", "1"):
        return None
    kind = _kind(schema)
    if kind == "object":
        return _decode_object(element, schema)
    if kind == "array":
        return [decode_element(child, schema.get("items", {})) for child in element]
    if len(element):
        raise XMLDecodeError(f"<{etree.QName(element).localname}> must hold text, not elements")
    return decode_text(element.text, schema)


def _decode_object(element: etree._Element, schema: dict) -> dict[str, Any]:
    properties: dict[str, dict] = schema.get("properties", {})
    by_element: dict[str, tuple[str, dict]] = {}
    result: dict[str, Any] = {}
    for name, prop in properties.items():
        prop = _merged(prop)
        xml = prop.get("xml", {})
        if xml.get("attribute"):
            value = element.get(_qualified(prop, xml.get("name", name)))
            if value is not None:
                result[name] = decode_text(value, prop)
        elif _kind(prop) == "array" and not xml.get("wrapped"):
            item_name = element_name(prop.get("items", {}), xml.get("name", name))
            by_element[item_name] = (name, prop)
        else:
            by_element[xml.get("name", name)] = (name, prop)
    if element.text and element.text.strip():
        raise XMLDecodeError(f"<{etree.QName(element).localname}> must hold elements, not text")
    for child in element:
        tag = etree.QName(child).localname
        if tag not in by_element:
            if tag in result:
                raise XMLDecodeError(f"<{tag}> appears more than once")
            result[tag] = child.text or ""  # unknown: kept, so the schema can refuse it
            continue
        name, prop = by_element[tag]
        if _kind(prop) == "array" and not prop.get("xml", {}).get("wrapped"):
            result.setdefault(name, []).append(decode_element(child, prop.get("items", {})))
        elif name in result:
            raise XMLDecodeError(f"<{tag}> appears more than once")
        else:
            result[name] = decode_element(child, prop)
    return result


def decode_text(text: str | None, schema: dict) -> Any:
    """Type element text by the schema; what does not convert stays text for the validator."""
    schema = _merged(schema)
    kind = _kind(schema)
    raw = text if text is not None else ""
    if kind in ("integer", "number", "boolean") and raw.strip() == "":
        return None
    value = raw.strip()
    names = schema.get("x-enum-names")
    if names and value in names:
        return names.index(value)
    if kind == "integer" and re.fullmatch(r"[+-]?\d{1,18}", value):
        return int(value)
    if kind == "number":
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return raw
    if kind == "boolean" and value in ("true", "false", "1", "0"):
        return value in ("true", "1")
    return raw


# -- encoding ----------------------------------------------------------------------------------
def dumps(value: Any, schema: dict, *, declare_xsd_xsi: bool = True) -> bytes:
    """Encode `value` as a document whose root is the schema's `xml.name` (else `data`)."""
    nsmap = {"xsd": XSD_NS, "xsi": XSI_NS} if declare_xsd_xsi else None
    namespace = _xml(schema).get("namespace")
    prefix = _xml(schema).get("prefix")
    if namespace:
        nsmap = {**(nsmap or {}), prefix: namespace}
    root = etree.Element(_qualified(schema, element_name(schema, "data")), nsmap=nsmap)
    _fill(root, value, schema)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _fill(element: etree._Element, value: Any, schema: dict) -> None:
    schema = _merged(schema)
    kind = _kind(schema)
    if kind == "object" and isinstance(value, dict):
        _fill_object(element, value, schema)
    elif kind == "array" and isinstance(value, list):
        items = schema.get("items", {})
        for item in value:
            if item is not None:
                _fill(
                    etree.SubElement(element, _qualified(items, element_name(items, _default_item(items)))),
                    item,
                    items,
                )
    else:
        element.text = encode_text(value, schema)


def _fill_object(element: etree._Element, value: dict, schema: dict) -> None:
    properties: dict[str, dict] = schema.get("properties", {})
    for name, prop in properties.items():
        if value.get(name) is None:
            continue  # null is absent in XML
        prop = _merged(prop)
        xml = prop.get("xml", {})
        tag = _qualified(prop, xml.get("name", name))
        if xml.get("attribute"):
            element.set(tag, encode_text(value[name], prop))
        elif _kind(prop) == "array" and not xml.get("wrapped"):
            items = prop.get("items", {})
            for item in value[name]:
                _fill(
                    etree.SubElement(element, _qualified(items, element_name(items, xml.get("name", name)))),
                    item,
                    items,
                )
        else:
            _fill(etree.SubElement(element, tag), value[name], prop)


def _default_item(items: dict) -> str:
    """.NET XmlSerializer names primitive collection items `string`, `int`, `boolean`, `guid`..."""
    kind = _kind(items)
    if kind == "string" and "pattern" in _merged(items) and "[0-9a-fA-F]{8}" in _merged(items)["pattern"]:
        return "guid"
    return {"integer": "int", "number": "decimal", "boolean": "boolean"}.get(kind or "", "string")


def encode_text(value: Any, schema: dict) -> str:
    names = _merged(schema).get("x-enum-names")
    if names and isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return names[value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return _ILLEGAL_XML.sub("\ufffd", str(value))
