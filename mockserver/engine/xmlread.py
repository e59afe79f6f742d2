"""Reading XML: a hardened parse, then a document decoded into the dict the same schema
validates as JSON (see xmlcodec.py for the rules)."""

from __future__ import annotations

import re
import threading
from typing import Any

from lxml import etree

from mockserver.engine.xmlschema import XSI_NS, Node

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
_XSI = f"{{{XSI_NS}}}"
XSI_NIL = f"{{{XSI_NS}}}nil"

# Characters XML 1.0 cannot carry (C0 controls but tab/newline/return, surrogates, U+FFFE/F).
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


_local = threading.local()


class XMLDecodeError(ValueError):
    """The document is not XML this schema can read; the message says why, in one line."""


def parse(data: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> etree._Element:
    """A hardened parse: refuses DTDs and entities before and after parsing, bounds size and depth."""
    if len(data) > max_bytes:
        raise XMLDecodeError(f"the XML body is larger than {max_bytes} bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XMLDecodeError("a DOCTYPE or ENTITY declaration is not allowed")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XMLDecodeError(f"the body is not well-formed XML: {exc.msg}") from None
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        raise XMLDecodeError(f"the body is not readable XML: {exc}") from None
    if root is None:
        raise XMLDecodeError("the body is empty")
    if root.getroottree().docinfo.doctype:
        raise XMLDecodeError("a DOCTYPE declaration is not allowed")
    _check_tree(root, max_depth)
    return root


def _parser() -> etree.XMLParser:
    """One hardened parser per thread (an lxml parser must not be shared between threads)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(**_PARSER_OPTIONS)
    return parser


def _check_tree(root: etree._Element, max_depth: int) -> None:
    """No entity references, no deeper nesting than `max_depth`."""
    if next(root.iter(etree.Entity), None) is not None:
        raise XMLDecodeError("entity references are not allowed")
    if sum(1 for _ in root.iter()) <= max_depth:
        return  # fewer elements than levels allowed: it cannot nest too deep (the usual case)
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > max_depth:
            raise XMLDecodeError(f"the XML body nests deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in element)


def decode(root: etree._Element, node: Node) -> Any:
    """A parsed document as a value; the root element must be the schema's `xml.name`, if it has one."""
    actual = etree.QName(root).localname
    if node.name is not None and actual != node.name:
        raise XMLDecodeError(f"the root element must be <{node.name}>, not <{actual}>")
    return _decode(root, node)


def _decode(element: etree._Element, node: Node) -> Any:
    if element.get(XSI_NIL) in ("true", "1"):
        return None
    kind = node.kind
    if kind == "object":
        return _decode_object(element, node)
    if kind == "array":
        items = node.items
        return [_decode(child, items) for child in element]
    if len(element):
        raise XMLDecodeError(f"<{etree.QName(element).localname}> must hold text, not elements")
    if kind == "string" and not node.enum_names:
        return element.text or ""  # what _decode_text gives a plain string, without its steps
    return _decode_text(element.text, node)


def _decode_object(element: etree._Element, node: Node) -> dict[str, Any]:
    attributes, by_element = node.input_layout()
    result: dict[str, Any] = {}
    for name, attribute, prop in attributes:
        value = element.get(attribute)
        if value is not None:
            result[name] = _decode_text(value, prop)
    if len(element.attrib) > len(result):
        declared = {attribute for _, attribute, _ in attributes}
        for attribute, value in element.attrib.items():
            if attribute not in declared and not attribute.startswith(_XSI):
                # Unknown, like an unknown element: kept under its name so the schema can refuse it.
                result.setdefault(attribute.rpartition("}")[2], value)
    if element.text and element.text.strip():
        raise XMLDecodeError(f"<{etree.QName(element).localname}> must hold elements, not text")
    for child in element:
        tag = _local_name(child)
        known = by_element.get(tag)
        if known is None:
            # Unknown: kept, so the schema can refuse it (or the binding ignore it, saying so). An
            # element named as a member's JSON name (`<messageId>` where the member is `<ID>`) is
            # not that member: XML names match exactly. It is kept as `<messageId>`.
            key = f"<{tag}>" if tag in node.schema.get("properties", ()) else tag
            if key in result:
                raise XMLDecodeError(f"<{tag}> appears more than once")
            result[key] = child.text or ""
            continue
        name, prop, repeated = known
        if repeated:
            result.setdefault(name, []).append(_decode(child, prop))
        elif name in result:
            raise XMLDecodeError(f"<{tag}> appears more than once")
        else:
            result[name] = _decode(child, prop)
    return result


def _local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return etree.QName(element).localname
    return tag.rpartition("}")[2] if tag[0] == "{" else tag


def _decode_text(text: str | None, node: Node) -> Any:
    kind = node.kind
    raw = text if text is not None else ""
    value = raw.strip()
    if node.enum_names and value in node.enum_names:
        return node.enum_names.index(value)
    if kind == "integer" and _INTEGER.fullmatch(value):
        return int(value)
    if kind == "number" and value.isascii():  # Python's float() reads other scripts' digits too
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return raw
    if kind == "boolean" and value in ("true", "false", "1", "0"):
        return value in ("true", "1")
    return raw


_INTEGER = re.compile(r"[+-]?[0-9]{1,100}")
"""ASCII digits only, as XmlSerializer reads them (`\\d` would take "١٦" for 16); long enough that an
integer past any .NET range is read as the number it is, so the schema's range refuses it in XML as in
JSON, and short enough that converting it costs nothing."""
