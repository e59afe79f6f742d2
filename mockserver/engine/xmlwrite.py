"""Writing XML: one text writer per schema node and element, compiled once, for every document
(namespaced ones too). A test holds it to lxml: byte for byte where there is no namespace, and
the same elements, attributes, namespaces and text where there are."""

from __future__ import annotations

import re
from typing import Any

from mockserver.engine.xmlschema import ATTRIBUTE, REPEATED, Node

# Characters XML 1.0 cannot carry (C0 controls but tab/newline/return, surrogates, U+FFFE/F).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)

Bindings = tuple[tuple[str | None, str], ...]
"""The namespace declarations in scope, (prefix, namespace); prefix None is the default one."""
Writer = Any  # (parts, value, attributes) -> None: appends the element holding value


def write(value: Any, node: Node) -> bytes:
    """`value` as a document whose root is the node's `xml.name` (else `data`), declaring the
    conventions' root namespaces. No XML declaration: UTF-8 is XML's default (and ASP.NET Web API's
    XmlMediaTypeFormatter omits it too: its writer settings have OmitXmlDeclaration)."""
    parts: list[str] = []
    root = node.writers.get(_ROOT)
    if root is None:
        declarations: Bindings = node.conventions.root_declarations
        declared = "".join(_declaration(p, ns) for p, ns in declarations)
        element = writer(node, node.name or "data", declarations)
        root = node.writers[_ROOT] = lambda parts, value: element(parts, value, declared)
    root(parts, value)
    return "".join(parts).encode("utf-8")


_ROOT = ("<root>",)
"""Where a node keeps its writer as a document's root (found without building a key per document)."""


def writer(node: Node, name: str, bindings: Bindings) -> Writer:
    """The writer of element `name` for `node` under `bindings`, compiled once: the layout, tags,
    declarations and text encoder are worked out here, not per element written."""
    key = (name, bindings)
    found = node.writers.get(key)
    if found is None:
        node.writers[key] = _LazyWriter(node, name, bindings)  # what a recursive schema's inner use gets
        found = node.writers[key] = _compile(node, name, bindings)
    return found


def _compile(node: Node, name: str, outer: Bindings) -> Writer:
    tag, declared, bindings = _named(node.namespace, node.prefix, name, outer, element=True)
    if node.kind == "object":
        return _object_writer(node, tag, declared, bindings)
    if node.kind == "array":
        return _array_writer(node, tag, declared, bindings)
    return _scalar_writer(node, tag, declared)


def _named(
    namespace: str | None, prefix: str | None, name: str, bindings: Bindings, *, element: bool
) -> tuple[str, str, Bindings]:
    """(written name, declarations it needs, bindings inside) for `name` in `namespace`.

    An element takes the schema's prefix, or the default namespace without one; an unqualified
    element inside a default namespace undeclares it (`xmlns=""`), so it stays unqualified. An
    attribute needs a prefix: the schema's, or `ns0`, `ns1`... as lxml names them."""
    if namespace is None:
        default = dict(bindings).get(None)
        if element and default:
            return name, ' xmlns=""', _bind(bindings, None, "")
        return name, "", bindings
    if prefix is None and not element:
        taken = {p for p, _ in bindings}
        prefix = next(p for p in (f"ns{i}" for i in range(len(taken) + 1)) if p not in taken)
    written = f"{prefix}:{name}" if prefix else name
    if (prefix, namespace) in bindings:
        return written, "", bindings
    return written, _declaration(prefix, namespace), _bind(bindings, prefix, namespace)


def _bind(bindings: Bindings, prefix: str | None, namespace: str) -> Bindings:
    return (*((p, ns) for p, ns in bindings if p != prefix), (prefix, namespace))


def _declaration(prefix: str | None, namespace: str) -> str:
    escaped = namespace.translate(_ATTRIBUTE_ESCAPES)
    return f' xmlns:{prefix}="{escaped}"' if prefix else f' xmlns="{escaped}"'


def _scalar_writer(node: Node, tag: str, declared: str) -> Writer:
    start, end = f"<{tag}{declared}", f"</{tag}>"

    def write(parts: list[str], value: Any, attributes: str = "") -> None:
        parts.append(f"{start}{attributes}>{encode_text(value, node).translate(_TEXT_ESCAPES)}{end}")

    return write


def _object_writer(node: Node, tag: str, declared: str, bindings: Bindings) -> Writer:
    scalar = _scalar_writer(node, tag, declared)
    fields: list[tuple[str, str, str, Node, Writer | None]] = []
    for name, how, child_name, prop in node.output_layout():
        if how is ATTRIBUTE:
            written, needs, bindings = _named(
                prop.namespace, prop.prefix, child_name, bindings, element=False
            )
            declared += needs  # declared on the element, before any child is compiled
            fields.append((name, how, written, prop, None))
        else:
            fields.append((name, how, child_name, prop, None))
    fields = [
        (name, how, written, prop, None if how is ATTRIBUTE else writer(prop, written, bindings))
        for name, how, written, prop, _ in fields
    ]
    start_tag = f"<{tag}{declared}"

    def write(parts: list[str], value: Any, attributes: str = "") -> None:
        if not isinstance(value, dict):
            scalar(parts, value, attributes)
            return
        start = len(parts)
        parts.append("")  # the start tag, once the attributes are known
        for name, how, written, prop, child in fields:
            field = value.get(name)
            if field is None:
                continue  # null is absent in XML
            if child is None:
                attributes += f' {written}="{encode_text(field, prop).translate(_ATTRIBUTE_ESCAPES)}"'
            elif how is REPEATED:
                for item in field:
                    if item is not None:  # a null item is absent, as in a wrapped array
                        child(parts, item)
            else:
                child(parts, field)
        _close(parts, start, start_tag, tag, attributes)

    return write


def _array_writer(node: Node, tag: str, declared: str, bindings: Bindings) -> Writer:
    scalar = _scalar_writer(node, tag, declared)
    items = node.items
    item = writer(items, node.item_element(tag.rpartition(":")[2]), bindings)
    start_tag = f"<{tag}{declared}"

    def write(parts: list[str], value: Any, attributes: str = "") -> None:
        if not isinstance(value, list):
            scalar(parts, value, attributes)
            return
        start = len(parts)
        parts.append("")
        for entry in value:
            if entry is not None:
                item(parts, entry)
        _close(parts, start, start_tag, tag, attributes)

    return write


class _LazyWriter:
    """A writer still being compiled (a recursive schema refers to itself): found when called."""

    __slots__ = ("_bindings", "_name", "_node")

    def __init__(self, node: Node, name: str, bindings: Bindings) -> None:
        self._node, self._name, self._bindings = node, name, bindings

    def __call__(self, parts: list[str], value: Any, attributes: str = "") -> None:
        writer(self._node, self._name, self._bindings)(parts, value, attributes)


def _close(parts: list[str], start: int, start_tag: str, tag: str, attributes: str) -> None:
    if len(parts) == start + 1:
        parts[start] = f"{start_tag}{attributes}/>"
    else:
        parts[start] = f"{start_tag}{attributes}>"
        parts.append(f"</{tag}>")


def encode_text(value: Any, node: Node) -> str:
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
