"""The reference for our XML writer: the same document built as an lxml tree and serialised by
lxml (what the package itself wrote with before it had one writer), and a reading of any
document as lxml understands it (element and attribute names with their namespaces, text)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from mockserver.engine.xmlschema import ATTRIBUTE, REPEATED, Node
from mockserver.engine.xmlwrite import encode_text


def lxml_write(value: Any, node: Node) -> bytes:
    """With the node's codec's conventions: its root declarations and its names for array items."""
    nsmap = dict(node.conventions.root_declarations) or None
    if node.namespace:
        nsmap = {**(nsmap or {}), node.prefix: node.namespace}
    root = etree.Element(node.qualified(node.name or "data"), nsmap=nsmap)
    _fill(root, value, node)
    return etree.tostring(root, xml_declaration=False, encoding="utf-8")


def _fill(element: etree._Element, value: Any, node: Node) -> None:
    if node.kind == "object" and isinstance(value, dict):
        for name, how, local, prop in node.output_layout():
            field = value.get(name)
            if field is None:
                continue
            tag = prop.qualified(local)
            if how is ATTRIBUTE:
                element.set(tag, encode_text(field, prop))
            elif how is REPEATED:
                for item in field:
                    if item is not None:
                        _fill(etree.SubElement(element, tag), item, prop)
            else:
                _fill(etree.SubElement(element, tag), field, prop)
    elif node.kind == "array" and isinstance(value, list):
        items = node.items
        tag = items.qualified(node.item_element(etree.QName(element).localname))
        for item in value:
            if item is not None:
                _fill(etree.SubElement(element, tag), item, items)
    else:
        element.text = encode_text(value, node)


def infoset(document: bytes) -> Any:
    """What a namespace-aware reader sees: (name in Clark notation, attributes, text, children)."""

    def read(element: etree._Element) -> Any:
        return (element.tag, dict(element.attrib), element.text or "", [read(c) for c in element])

    return read(etree.fromstring(document))
