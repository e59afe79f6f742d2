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
import threading
from typing import Any

from lxml import etree

from mockserver.errors import SpecError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"

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


_local = threading.local()


class XMLDecodeError(ValueError):
    """The document is not XML this schema can read; the message says why, in one line."""


# -- schema helpers ----------------------------------------------------------------------------
# Schemas live as long as the app, and a request walks the same few again and again: what is
# derived from one is computed once. Keyed by identity; the entry keeps its schema alive so the
# id cannot be reused by another object.
_DERIVED: dict[tuple[str, int], tuple[dict, Any]] = {}


def _memo(what: str, schema: dict, compute: Any) -> Any:
    key = (what, id(schema))
    hit = _DERIVED.get(key)
    if hit is None or hit[0] is not schema:
        hit = _DERIVED[key] = (schema, compute(schema))
    return hit[1]


def merged_all_of(schema: dict) -> dict:
    """Fold `allOf` parts into one schema (properties and xml of the parts included)."""
    if "allOf" not in schema:
        return schema
    return _memo("merged", schema, _merge)


def _merge(schema: dict) -> dict:
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part = merged_all_of(part)
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**value, **merged.get("properties", {})}
            elif key == "required":
                merged["required"] = sorted({*value, *merged.get("required", [])})
            else:
                merged.setdefault(key, value)
    return merged


def _kind(schema: dict) -> str | None:
    schema = merged_all_of(schema)
    if "type" in schema:
        return schema["type"]
    if "properties" in schema:
        return "object"
    branches = schema.get("anyOf", []) + schema.get("oneOf", [])
    kinds = {kind for kind in map(_kind, branches) if kind is not None}
    if kinds == {"integer", "string"} and "x-enum-names" in schema:
        return "integer"  # an enum written as its number or its member name (`x-enum-names`)
    if len(kinds) > 1:
        # Text could be read as any of them: the codec would have to guess, so the spec is refused.
        mixed = ", ".join(sorted(kinds))
        raise SpecError("", f"anyOf/oneOf branches of different kinds ({mixed}) in an XML body")
    return kinds.pop() if kinds else ("string" if branches else None)


def check_schema(schema: dict, pointer: str = "") -> None:
    """Compile every node of `schema` now, so what XML cannot express is refused at start-up."""
    try:
        seen: set[int] = set()
        stack = [schema]
        while stack:
            current = merged_all_of(stack.pop())
            if id(current) in seen:
                continue
            seen.add(id(current))
            _kind(current)
            stack.extend(current.get("properties", {}).values())
            stack.extend(s for s in (current.get("items"),) if isinstance(s, dict))
            stack.extend(current.get("anyOf", []) + current.get("oneOf", []))
    except SpecError as exc:
        raise SpecError(pointer, exc.construct) from None


# -- decoding ----------------------------------------------------------------------------------
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


# -- compiled schemas --------------------------------------------------------------------------
class _Node:
    """What coding one schema takes, worked out once: its kind, names, enum names and, for objects,
    where each property goes. Children are compiled on first use (schemas may be large)."""

    __slots__ = ("_in", "_out", "enum_names", "kind", "name", "namespace", "prefix", "schema", "writers")

    def __init__(self, schema: dict) -> None:
        self.schema = merged_all_of(schema)
        xml = self.schema.get("xml", {})
        self.kind = _kind(self.schema)
        self.name: str | None = xml.get("name")
        self.namespace: str | None = xml.get("namespace")
        self.prefix: str | None = xml.get("prefix")
        self.enum_names: list[str] | None = self.schema.get("x-enum-names")
        self._in: tuple[list, dict] | None = None
        self._out: list | None = None
        self.writers: dict[str, Any] = {}
        """Its text writers by element tag (see `_writer`)."""

    def qualified(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}" if self.namespace else name

    @property
    def items(self) -> _Node:
        return _node(self.schema.get("items", {}))

    def input_layout(self) -> tuple[list[tuple[str, str, _Node]], dict[str, tuple[str, _Node, bool]]]:
        """Attributes as (property, attribute, node); elements as tag -> (property, node, repeated)."""
        if self._in is None:
            attributes, by_element = [], {}
            for name, prop in self.schema.get("properties", {}).items():
                node = _node(prop)
                xml = node.schema.get("xml", {})
                if xml.get("attribute"):
                    attributes.append((name, node.qualified(xml.get("name", name)), node))
                elif node.kind == "array" and not xml.get("wrapped"):
                    by_element[node.items.name or xml.get("name", name)] = (name, node.items, True)
                else:
                    by_element[xml.get("name", name)] = (name, node, False)
            self._in = (attributes, by_element)
        return self._in

    def output_layout(self) -> list[tuple[str, str, str, _Node]]:
        """(property, how, tag, node) in schema order; a repeated array gives its items' tag and node."""
        if self._out is None:
            layout = []
            for name, prop in self.schema.get("properties", {}).items():
                node = _node(prop)
                xml = node.schema.get("xml", {})
                if xml.get("attribute"):
                    layout.append((name, _ATTRIBUTE, node.qualified(xml.get("name", name)), node))
                elif node.kind == "array" and not xml.get("wrapped"):
                    items = node.items
                    layout.append(
                        (name, _REPEATED, items.qualified(items.name or xml.get("name", name)), items)
                    )
                else:
                    layout.append((name, _ELEMENT, node.qualified(xml.get("name", name)), node))
            self._out = layout
        return self._out


_ATTRIBUTE, _REPEATED, _ELEMENT = "attribute", "repeated", "element"


def _node(schema: dict) -> _Node:
    return _memo("node", schema, _Node)


# -- decoding (continued) ----------------------------------------------------------------------
def loads(data: bytes, schema: dict, **limits: Any) -> Any:
    """Decode a whole document; the root element must be the schema's `xml.name`, if it has one."""
    root = parse(data, **limits)
    node = _node(schema)
    actual = etree.QName(root).localname
    if node.name is not None and actual != node.name:
        raise XMLDecodeError(f"the root element must be <{node.name}>, not <{actual}>")
    return _decode(root, node)


def _decode(element: etree._Element, node: _Node) -> Any:
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


def _decode_object(element: etree._Element, node: _Node) -> dict[str, Any]:
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
            if tag in result:
                raise XMLDecodeError(f"<{tag}> appears more than once")
            result[tag] = child.text or ""  # unknown: kept, so the schema can refuse it
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


def _decode_text(text: str | None, node: _Node) -> Any:
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


# -- encoding ----------------------------------------------------------------------------------
def dumps(value: Any, schema: dict, *, declare_xsd_xsi: bool = True) -> bytes:
    """Encode `value` as a document whose root is the schema's `xml.name` (else `data`)."""
    node = _node(schema)
    if not node.namespace:
        try:
            return _dumps_text(value, node, declare_xsd_xsi)
        except _NeedsTree:
            pass
    return _dumps_tree(value, node, declare_xsd_xsi)


def _dumps_tree(value: Any, node: _Node, declare_xsd_xsi: bool) -> bytes:
    nsmap = {"xsd": XSD_NS, "xsi": XSI_NS} if declare_xsd_xsi else None
    if node.namespace:
        nsmap = {**(nsmap or {}), node.prefix: node.namespace}
    root = etree.Element(node.qualified(node.name or "data"), nsmap=nsmap)
    _fill(root, value, node)
    return etree.tostring(root, xml_declaration=False, encoding="utf-8")


# Without namespaces a document is written as text, byte for byte what lxml writes for the same
# tree (a test holds the two to that) and about three times faster; with them, lxml writes it.
# No XML declaration: UTF-8 is XML's default, and ASP.NET Web API's XmlMediaTypeFormatter omits it
# (its writer settings have OmitXmlDeclaration), so clients written against the real service never
# see one.
_XSD_XSI = f' xmlns:xsd="{XSD_NS}" xmlns:xsi="{XSI_NS}"'
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)


class _NeedsTree(Exception):
    """A namespaced name turned up: only lxml writes those right."""


def _dumps_text(value: Any, node: _Node, declare_xsd_xsi: bool) -> bytes:
    parts: list[str] = []
    _writer(node, node.name or "data")(parts, value, _XSD_XSI if declare_xsd_xsi else "")
    return "".join(parts).encode("utf-8")


Writer = Any  # (parts, value, attributes) -> None: appends the element holding value


def _writer(node: _Node, tag: str) -> Writer:
    """The text writer of element `tag` for `node`, compiled once: the layout, tags and text
    encoder are worked out here, not per element written."""
    writer = node.writers.get(tag)
    if writer is None:
        node.writers[tag] = _LazyWriter(node, tag)  # what a recursive schema's inner use gets
        writer = node.writers[tag] = _compile_writer(node, tag)
    return writer


def _compile_writer(node: _Node, tag: str) -> Writer:
    if tag[0] == "{":
        return _needs_tree
    scalar = _scalar_writer(node, tag)
    if node.kind == "object":
        return _object_writer(node, tag, scalar)
    if node.kind == "array":
        return _array_writer(node, tag, scalar)
    return scalar


def _needs_tree(parts: list[str], value: Any, attributes: str = "") -> None:
    raise _NeedsTree


def _scalar_writer(node: _Node, tag: str) -> Writer:
    start, end = f"<{tag}", f"</{tag}>"

    def write(parts: list[str], value: Any, attributes: str = "") -> None:
        parts.append(f"{start}{attributes}>{_encode_text(value, node).translate(_TEXT_ESCAPES)}{end}")

    return write


def _object_writer(node: _Node, tag: str, scalar: Writer) -> Writer:
    fields: list[tuple[str, str, str, _Node, Writer | None]] = []
    for name, how, child_tag, prop in node.output_layout():
        # An attribute is written here; a namespaced one (only lxml writes those) sends the
        # document to the tree writer, as a namespaced element does through its own writer.
        child = None if how is _ATTRIBUTE else _writer(prop, child_tag)
        fields.append((name, how, child_tag, prop, child))

    def write(parts: list[str], value: Any, attributes: str = "") -> None:
        if not isinstance(value, dict):
            scalar(parts, value, attributes)
            return
        start = len(parts)
        parts.append("")  # the start tag, once the attributes are known
        for name, how, child_tag, prop, child in fields:
            field = value.get(name)
            if field is None:
                continue  # null is absent in XML
            if child is None:
                if child_tag[0] == "{":
                    raise _NeedsTree
                attributes += f' {child_tag}="{_encode_text(field, prop).translate(_ATTRIBUTE_ESCAPES)}"'
            elif how is _REPEATED:
                for item in field:
                    if item is not None:  # a null item is absent, as in a wrapped array
                        child(parts, item)
            else:
                child(parts, field)
        _close(parts, start, tag, attributes)

    return write


def _array_writer(node: _Node, tag: str, scalar: Writer) -> Writer:
    items = node.items
    item = _writer(items, items.qualified(items.name or _default_item(items)))

    def write(parts: list[str], value: Any, attributes: str = "") -> None:
        if not isinstance(value, list):
            scalar(parts, value, attributes)
            return
        start = len(parts)
        parts.append("")
        for entry in value:
            if entry is not None:
                item(parts, entry)
        _close(parts, start, tag, attributes)

    return write


class _LazyWriter:
    """A writer still being compiled (a recursive schema refers to itself): found when called."""

    __slots__ = ("_node", "_tag")

    def __init__(self, node: _Node, tag: str) -> None:
        self._node, self._tag = node, tag

    def __call__(self, parts: list[str], value: Any, attributes: str = "") -> None:
        _writer(self._node, self._tag)(parts, value, attributes)


def _close(parts: list[str], start: int, tag: str, attributes: str) -> None:
    if len(parts) == start + 1:
        parts[start] = f"<{tag}{attributes}/>"
    else:
        parts[start] = f"<{tag}{attributes}>"
        parts.append(f"</{tag}>")


def _fill(element: etree._Element, value: Any, node: _Node) -> None:
    if node.kind == "object" and isinstance(value, dict):
        for name, how, tag, prop in node.output_layout():
            field = value.get(name)
            if field is None:
                continue  # null is absent in XML
            if how is _ATTRIBUTE:
                element.set(tag, _encode_text(field, prop))
            elif how is _REPEATED:
                for item in field:
                    if item is not None:
                        _fill(etree.SubElement(element, tag), item, prop)
            else:
                _fill(etree.SubElement(element, tag), field, prop)
    elif node.kind == "array" and isinstance(value, list):
        items = node.items
        tag = items.qualified(items.name or _default_item(items))
        for item in value:
            if item is not None:
                _fill(etree.SubElement(element, tag), item, items)
    else:
        element.text = _encode_text(value, node)


def _default_item(items: _Node) -> str:
    """.NET XmlSerializer names primitive collection items `string`, `int`, `boolean`, `guid`..."""
    if items.kind == "string" and "[0-9a-fA-F]{8}" in items.schema.get("pattern", ""):
        return "guid"
    return {"integer": "int", "number": "decimal", "boolean": "boolean"}.get(items.kind or "", "string")


def _encode_text(value: Any, node: _Node) -> str:
    names = node.enum_names
    if names and isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return names[value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # Printable text holds no character XML cannot carry (those are all controls, surrogates
        # or non-characters): the common case skips the search.
        return value if value.isprintable() else _ILLEGAL_XML.sub("\ufffd", value)
    return str(value)  # numbers; never an illegal character
