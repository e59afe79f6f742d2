"""Form bodies as ASP.NET Web API 2 reads them into a model (its `JQueryMvcFormUrlEncodedFormatter`).

Only under the Web API 2 profile (2SMS); every other form body is read as Connexion reads it
(flat fields, plan.py). Names are paths written as jQuery's `$.param` writes them: `Options[Sender]=x`
is `{"Options": {"Sender": "x"}}`, `MessageIDs[]=a&MessageIDs[]=b` and `MessageIDs[0]=a` are arrays,
and a plain name given twice is an array too; given once where the model declares a collection, it is
a one-item one (the formatter hands the form to model binding, whose collection binder reads it so).
Nested brackets, an unmatched bracket, or a name used both as a value and as an object is a 400, as
that formatter refuses them. Values are text converted
to the schema's type as .NET's type converters convert them (integers in ASCII digits, `true`/`false`
in any case, enums by name in any case or by number). An empty value stays an empty string, as `""`
does in JSON (model binding would make it null, then refuse it where the model requires a value; the
fake keeps one rule for both formats). The result then goes through the same binding and schema check
as a JSON body."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from mockserver.engine.validation import InvalidInput
from mockserver.engine.webapi.binding import declared_properties
from mockserver.engine.xmlschema import merged_all_of
from mockserver.errors import Problem

MAX_DEPTH = 16
_INTEGER = re.compile(r"\s*[+-]?[0-9]{1,100}\s*")


class FormError(ValueError):
    """The form cannot be read as the formatter reads it; the message says why, in one line."""


def read_form(raw: bytes, charset: str, schema: dict) -> dict[str, Any]:
    """The form as the model it binds to (before the binding's own forgiveness); FormError if not."""
    try:
        pairs = parse_qsl(raw.decode(charset), keep_blank_values=True)
    except UnicodeDecodeError as exc:
        raise FormError(f"the body is not valid {charset}: {exc.reason}") from None
    tree: dict[str, Any] = {}
    for name, value in pairs:
        _insert(tree, _path(name), value)
    return _typed(_arrays(tree), schema)


def problem(error: FormError) -> Problem:
    return Problem(f"the form cannot be read: {error}")


def read_form_or_refuse(raw: bytes, charset: str, schema: dict) -> dict[str, Any]:
    """`read_form`, a form it cannot read being the 400 InvalidInput that says why."""
    try:
        return read_form(raw, charset, schema)
    except FormError as exc:
        raise InvalidInput([problem(exc)]) from None


def _path(name: str) -> list[str]:
    depth = 0
    for char in name:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth not in (0, 1):
            raise FormError(f"{name!r} has nested or unmatched brackets")
    if depth:
        raise FormError(f"{name!r} has an unmatched bracket")
    path = [part.removesuffix("]") for part in name.split("[")]
    if len(path) > MAX_DEPTH:
        raise FormError(f"{name!r} is nested more than {MAX_DEPTH} levels deep")
    return path


def _insert(tree: dict[str, Any], path: list[str], value: str) -> None:
    node = tree
    for depth, part in enumerate(path[:-1]):
        if part == "":
            raise FormError(f"{_name(path)}: `[]` may only end a name")
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise FormError(f"{_name(path[: depth + 1])} is both a value and an object")
        node = child
    last = path[-1]
    if last == "" and len(path) > 1:
        node.setdefault("", []).append(value)  # `a[]=...`: the next item
    elif last not in node:
        node[last] = value
    elif len(path) == 1:  # a plain name given again: an array (jQuery 1.3's traditional form)
        previous = node[last]
        node[last] = [*previous, value] if isinstance(previous, list) else [previous, value]
    else:
        raise FormError(f"{_name(path)} is given twice")


def _name(path: list[str]) -> str:
    return path[0] + "".join(f"[{p}]" for p in path[1:])


def _arrays(node: Any) -> Any:
    """`{"": [...]}` (from `a[]`) and objects keyed 0..n-1 become arrays."""
    if not isinstance(node, dict):
        return node
    if set(node) == {""}:
        return node[""]
    converted = {k: _arrays(v) for k, v in node.items()}
    numbered = converted and all(k.isascii() and k.isdigit() for k in converted)
    if numbered and sorted(int(k) for k in converted) == list(range(len(converted))):
        return [item for _, item in sorted((int(k), item) for k, item in converted.items())]
    return converted


def _typed(value: Any, schema: dict) -> Any:
    """Text converted to the schema's types; a value that does not convert stays text, so the
    schema, not this reader, says what is wrong with it."""
    schema = merged_all_of(schema)
    if isinstance(value, dict):
        return _typed_object(value, schema)
    items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
    if isinstance(value, list):
        return [_typed(v, items) for v in value]
    if schema.get("type") == "array":  # `MessageIDs=a` once: a one-item collection, as model binding reads it
        return [_scalar(value, merged_all_of(items))]
    return _scalar(value, schema)


def _typed_object(value: dict, schema: dict) -> dict:
    properties = declared_properties(schema)
    by_lower = {name.lower(): sub for name, sub in properties.items()}
    extra = schema.get("additionalProperties")
    typed = {}
    for key, item in value.items():
        sub = properties.get(key) or by_lower.get(key.lower()) or (extra if isinstance(extra, dict) else {})
        typed[key] = _typed(item, sub)
    return typed


def _scalar(text: str, schema: dict) -> Any:
    names = schema.get("x-enum-names")
    if names:
        by_name = {n.lower(): i for i, n in enumerate(names)}
        if text.strip().lower() in by_name:
            return by_name[text.strip().lower()]
        return int(text) if _INTEGER.fullmatch(text) else text
    kind = schema.get("type")
    if kind == "integer" and _INTEGER.fullmatch(text):
        return int(text)
    if kind == "number" and text.strip().isascii():
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "boolean" and text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    return text
