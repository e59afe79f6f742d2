"""Reading a request body as a provider's own stack binds it, and saying what it forgave.

Under the Web API 2 profile (2SMS), JSON bodies are read as Json.NET binds them, and XML bodies as
XmlSerializer does, into ASP.NET Web API 2 models:

- a JSON member name matches its property ignoring case (Json.NET); XML names match exactly;
- a member the model does not declare is ignored (Json.NET and XmlSerializer skip unknown members);
- `null` (or `xsi:nil="true"`) for an optional member that is not nullable leaves it unset;
- a date-time without a zone is read (as UTC here: the fake's clock is UTC).

Each of these is almost certainly a client bug the real server forgives silently, so each is a
`ClientWarning` on the request's journal entry. Under `--strict` nothing is forgiven: the body is read
with Connexion's meaning of the spec (the plain profile's), and the same input is a 400.
The binder is compiled once per request body schema; a request only walks its value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mockserver.engine.xmlschema import merged_all_of
from mockserver.errors import ClientWarning


def declared_properties(merged: dict) -> dict[str, Any]:
    """An object schema's (allOf merged) properties, with those its anyOf/oneOf branches declare."""
    properties = dict(merged.get("properties", {}))
    for branch in merged.get("anyOf", []) + merged.get("oneOf", []):
        for name, sub in merged_all_of(branch).get("properties", {}).items():
            properties.setdefault(name, sub)
    return properties


_ZONELESS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?")


@dataclass(slots=True)
class _Member:
    element: str
    """Its XML element name."""
    binder: Binder | None
    null_is_absent: bool
    """Optional and not nullable: `null` leaves it unset."""


@dataclass(slots=True)
class Binder:
    """What a value of one schema node needs from the binding; None where nothing can apply."""

    members: dict[str, _Member] | None = None
    """An object with declared properties, by name (unknown members are dropped)."""
    by_lower: dict[str, str] = field(default_factory=dict)
    """Declared names by their lower case (Json.NET's case-insensitive match)."""
    by_element: dict[str, str] = field(default_factory=dict)
    """Declared names by XML element name."""
    values: Binder | None = None
    """A map's values (`additionalProperties` is a schema) or an array's items."""
    date_time: bool = False

    def bind(self, value: Any, *, xml_root: str | None = None) -> tuple[Any, list[ClientWarning]]:
        """`bind(value, self)`: the profile's `BodyBinder`."""
        return bind(value, self, xml_root=xml_root)


def compile_binder(schema: dict | None) -> Binder | None:
    """The binder for a (refs resolved) schema; None when binding cannot change such a value."""
    return _compile(schema or {}, {})


def _compile(schema: dict, seen: dict[int, Binder | None]) -> Binder | None:
    if id(schema) in seen:
        return seen[id(schema)]
    merged = merged_all_of(schema)
    binder = seen[id(schema)] = Binder()
    properties = declared_properties(merged)
    extra = merged.get("additionalProperties")
    if properties and not isinstance(extra, dict):
        required = set(merged.get("required", []))
        binder.members = {}
        for name, sub in properties.items():
            sub_merged = merged_all_of(sub)
            element = sub_merged.get("xml", {}).get("name", name)
            null_is_absent = name not in required and not sub_merged.get("nullable", False)
            binder.members[name] = _Member(element, _compile(sub, seen), null_is_absent)
            binder.by_lower.setdefault(name.lower(), name)
            binder.by_element[element] = name
    elif isinstance(extra, dict):
        binder.values = _compile(extra, seen)
    elif merged.get("type") == "array" and isinstance(merged.get("items"), dict):
        binder.values = _compile(merged["items"], seen)
    binder.date_time = merged.get("format") == "date-time" and merged.get("type", "string") == "string"
    if binder.members is None and binder.values is None and not binder.date_time:
        seen[id(schema)] = None
        return None
    return binder


def bind(value: Any, binder: Binder, *, xml_root: str | None = None) -> tuple[Any, list[ClientWarning]]:
    """The value as the real stack binds it, and what it forgave on the way. `xml_root` (the root
    element's name) says the value was decoded from XML: names then match exactly and warnings
    name XML paths."""
    warnings: list[ClientWarning] = []
    path = [xml_root] if xml_root is not None else []
    return _bind(value, binder, path, xml_root is not None, warnings), warnings


def _bind(value: Any, binder: Binder, path: list[str], xml: bool, warnings: list[ClientWarning]) -> Any:
    if binder.members is not None and isinstance(value, dict):
        return _bind_object(value, binder, path, xml, warnings)
    if binder.values is not None:
        if isinstance(value, dict):
            return {k: _bind_child(v, binder.values, [*path, k], xml, warnings) for k, v in value.items()}
        if isinstance(value, list):
            return [
                _bind_child(v, binder.values, [*path, str(i)], xml, warnings) for i, v in enumerate(value)
            ]
    if binder.date_time and isinstance(value, str) and _ZONELESS.fullmatch(value):
        warnings.append(
            ClientWarning(
                "date-without-zone",
                _where(path, xml),
                f"{value!r} has no zone (Z or an offset); it was read as UTC",
            )
        )
        return value + "Z"
    return value


def _bind_child(value: Any, binder: Binder | None, path: list[str], xml: bool, warnings: list) -> Any:
    return value if binder is None or value is None else _bind(value, binder, path, xml, warnings)


def _bind_object(
    value: dict, binder: Binder, path: list[str], xml: bool, warnings: list[ClientWarning]
) -> dict:
    assert binder.members is not None
    bound: dict[str, Any] = {}
    for key, item in value.items():
        name = key if key in binder.members else None
        if name is None and not xml:
            name = binder.by_lower.get(key.lower())
            if name is not None:
                warnings.append(
                    _warning("member-case", path, key, xml, f"matched the member {name!r} ignoring case")
                )
        member = binder.members.get(name) if name is not None else None
        if member is None:
            warnings.append(_unknown(binder, path, key, xml))
            continue
        if item is None and member.null_is_absent:
            warnings.append(_warning("null-member", path, _client_name(member, key, xml), xml, _NULL[xml]))
            bound.pop(name, None)
            continue
        bound[name] = _bind_child(item, member.binder, [*path, _client_name(member, key, xml)], xml, warnings)
    return bound


_NULL = {
    False: "is null; the member is optional, so it was left unset, as if absent",
    True: 'is xsi:nil="true"; the member is optional, so it was left unset, as if absent',
}


def _client_name(member: _Member, key: str, xml: bool) -> str:
    return member.element if xml else key


def _unknown(binder: Binder, path: list[str], key: str, xml: bool) -> ClientWarning:
    if xml and key.startswith("<") and key.endswith(">"):  # a member's JSON name as an element
        name = key[1:-1]
        element = binder.members[name].element if binder.members and name in binder.members else "?"
        return _warning(
            "unknown-member", path, name, xml, f"is the JSON name; in XML the member is <{element}>; ignored"
        )
    if xml:
        element = next((e for e in binder.by_element if e.lower() == key.lower()), None)
        if element is not None:  # XmlSerializer matches names exactly: a wrong case is not a member
            return _warning(
                "member-case", path, key, xml, f"is not <{element}> (names are case-sensitive); ignored"
            )
    return _warning("unknown-member", path, key, xml, "is not a member here; ignored")


def _warning(code: str, path: list[str], name: str, xml: bool, message: str) -> ClientWarning:
    return ClientWarning(code, _where([*path, name], xml), f"{name!r} {message}")


def _where(path: list[str], xml: bool) -> str:
    if xml:
        return "/" + "/".join(path)
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path) if path else ""
