"""What XML coding needs of an OpenAPI schema: `allOf` folded, the kind of each node, and per
node the names, namespaces and layout of its properties, worked out once (`Node`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockserver.errors import SpecError

XSD_NS = "http://www.w3.org/2001/XMLSchema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


def merged_all_of(schema: dict) -> dict:
    """Fold `allOf` parts into one schema (properties and xml of the parts included)."""
    if "allOf" not in schema:
        return schema
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


def kind(schema: dict) -> str | None:
    """What a value of `schema` is in XML: object, array, or a scalar type (None: any text)."""
    schema = merged_all_of(schema)
    if "type" in schema:
        return schema["type"]
    if "properties" in schema:
        return "object"
    branches = schema.get("anyOf", []) + schema.get("oneOf", [])
    kinds = {found for found in map(kind, branches) if found is not None}
    if kinds == {"integer", "string"} and "x-enum-names" in schema:
        return "integer"  # an enum written as its number or its member name (`x-enum-names`)
    if len(kinds) > 1:
        # Text could be read as any of them: the codec would have to guess, so the spec is refused.
        mixed = ", ".join(sorted(kinds))
        raise SpecError("", f"anyOf/oneOf branches of different kinds ({mixed}) in an XML body")
    return kinds.pop() if kinds else ("string" if branches else None)


def check_schema(schema: dict, pointer: str = "") -> None:
    """Look at every node of `schema` now, so what XML cannot express is refused at start-up."""
    try:
        seen: set[int] = set()
        stack = [schema]
        while stack:
            current = merged_all_of(stack.pop())
            if id(current) in seen:
                continue
            seen.add(id(current))
            kind(current)
            stack.extend(current.get("properties", {}).values())
            stack.extend(s for s in (current.get("items"),) if isinstance(s, dict))
            stack.extend(current.get("anyOf", []) + current.get("oneOf", []))
    except SpecError as exc:
        raise SpecError(pointer, exc.construct) from None


def element_named_item(items: Node, array_element: str) -> str:
    """OpenAPI's XML rule: an array item without an `xml.name` of its own is named like its array
    (`<tags><tags>a</tags></tags>`, the spec's own example)."""
    return array_element


@dataclass(frozen=True, slots=True)
class XmlConventions:
    """What an XML answer holds that its schema's `xml` objects do not say."""

    root_declarations: tuple[tuple[str, str], ...] = ()
    """(prefix, namespace) declared on every answer's root element."""
    item_name: Callable[[Node, str], str] = element_named_item
    """(items' node, the array's element name) -> the name of an item without an `xml.name`."""


OPENAPI_XML = XmlConventions()
"""OpenAPI's own rules and nothing more."""


ATTRIBUTE, REPEATED, ELEMENT = "attribute", "repeated", "element"
"""How a property is written: as an attribute, as repeated elements (an unwrapped array), or as one
element."""


class Nodes:
    """The compiled nodes of one spec's schemas, by schema identity. It lives as long as the spec
    it serves (one per route table), so nothing outlives the app that needed it."""

    def __init__(self, conventions: XmlConventions) -> None:
        self._nodes: dict[int, tuple[dict, Node]] = {}
        self.conventions = conventions
        """What the stack's XML holds beyond the schemas' `xml` objects (see engine/profile.py)."""

    def __call__(self, schema: dict) -> Node:
        hit = self._nodes.get(id(schema))
        if hit is None or hit[0] is not schema:  # the entry keeps its schema alive: ids stay unique
            hit = self._nodes[id(schema)] = (schema, Node(schema, self))
        return hit[1]


class Node:
    """What coding one schema takes, worked out once: its kind, names, enum names and, for objects,
    where each property goes. Children are compiled on first use (schemas may be large)."""

    __slots__ = (
        "_in",
        "_nodes",
        "_out",
        "enum_names",
        "kind",
        "name",
        "namespace",
        "prefix",
        "schema",
        "writers",
    )

    def __init__(self, schema: dict, nodes: Nodes) -> None:
        self._nodes = nodes
        self.schema = merged_all_of(schema)
        xml = self.schema.get("xml", {})
        self.kind = kind(self.schema)
        self.name: str | None = xml.get("name")
        self.namespace: str | None = xml.get("namespace")
        self.prefix: str | None = xml.get("prefix")
        self.enum_names: list[str] | None = self.schema.get("x-enum-names")
        self._in: tuple[list, dict] | None = None
        self._out: list | None = None
        self.writers: dict[Any, Any] = {}
        """Its text writers by element tag and namespaces in scope (see xmlwrite.py)."""

    def qualified(self, name: str) -> str:
        """`{namespace}name` (Clark notation, as lxml names elements), or the bare name."""
        return f"{{{self.namespace}}}{name}" if self.namespace else name

    @property
    def items(self) -> Node:
        return self._nodes(self.schema.get("items", {}))

    @property
    def conventions(self) -> XmlConventions:
        return self._nodes.conventions

    def item_element(self, array_element: str) -> str:
        """The name of this array's items when the array is element `array_element`."""
        items = self.items
        return items.name or self._nodes.conventions.item_name(items, array_element)

    def input_layout(self) -> tuple[list[tuple[str, str, Node]], dict[str, tuple[str, Node, bool]]]:
        """Attributes as (property, attribute, node); elements as tag -> (property, node, repeated)."""
        if self._in is None:
            attributes, by_element = [], {}
            for name, prop in self.schema.get("properties", {}).items():
                node = self._nodes(prop)
                xml = node.schema.get("xml", {})
                if xml.get("attribute"):
                    attributes.append((name, node.qualified(xml.get("name", name)), node))
                elif node.kind == "array" and not xml.get("wrapped"):
                    by_element[node.items.name or xml.get("name", name)] = (name, node.items, True)
                else:
                    by_element[xml.get("name", name)] = (name, node, False)
            self._in = (attributes, by_element)
        return self._in

    def output_layout(self) -> list[tuple[str, str, str, Node]]:
        """(property, how, name, node) in schema order; a repeated array gives its items' name and
        node. Names are local: `node` says its namespace."""
        if self._out is None:
            layout = []
            for name, prop in self.schema.get("properties", {}).items():
                node = self._nodes(prop)
                xml = node.schema.get("xml", {})
                if xml.get("attribute"):
                    layout.append((name, ATTRIBUTE, xml.get("name", name), node))
                elif node.kind == "array" and not xml.get("wrapped"):
                    items = node.items
                    layout.append((name, REPEATED, items.name or xml.get("name", name), items))
                else:
                    layout.append((name, ELEMENT, xml.get("name", name), node))
            self._out = layout
        return self._out
