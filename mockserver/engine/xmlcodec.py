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

from typing import Any

from mockserver.engine import xmlread, xmlwrite
from mockserver.engine.xmlread import MAX_BYTES, MAX_DEPTH, XSI_NIL, XMLDecodeError, parse
from mockserver.engine.xmlschema import (
    OPENAPI_XML,
    XSD_NS,
    XSI_NS,
    Nodes,
    XmlConventions,
    check_schema,
    merged_all_of,
)

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "XSD_NS",
    "XSI_NIL",
    "XSI_NS",
    "XMLDecodeError",
    "XmlCodec",
    "check_schema",
    "dumps",
    "loads",
    "merged_all_of",
    "parse",
]


class XmlCodec:
    """XML <-> values for the schemas of one spec, each schema compiled once. One per route
    table: its compiled schemas live as long as the spec they serve, never in a module-wide cache.
    `conventions` are the stack profile's (OpenAPI's own rules and nothing more by default)."""

    def __init__(self, conventions: XmlConventions = OPENAPI_XML) -> None:
        self.nodes = Nodes(conventions)

    def loads(self, data: bytes, schema: dict, **limits: Any) -> Any:
        """Decode a whole document; the root element must be the schema's `xml.name`, if it has one."""
        return xmlread.decode(parse(data, **limits), self.nodes(schema))

    def dumps(self, value: Any, schema: dict) -> bytes:
        """Encode `value` as a document whose root is the schema's `xml.name` (else `data`)."""
        return xmlwrite.write(value, self.nodes(schema))


def loads(data: bytes, schema: dict, **limits: Any) -> Any:
    """`XmlCodec().loads`: for a one-off document (nothing compiled is kept)."""
    return XmlCodec().loads(data, schema, **limits)


def dumps(value: Any, schema: dict, conventions: XmlConventions = OPENAPI_XML) -> bytes:
    """`XmlCodec(conventions).dumps`: for a one-off document (nothing compiled is kept)."""
    return XmlCodec(conventions).dumps(value, schema)
