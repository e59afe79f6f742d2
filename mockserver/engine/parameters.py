"""Request parameters in path, query, header and cookie, read as Connexion 3 reads them.

Connexion's `OpenAPIURIParser` and `coerce_type` are the reference: a repeated or delimited query
value becomes an array by its `style` and `explode`, `deepObject` keys (`a[b][c]=1`) become an
object, and text becomes the schema's type where it converts (else it stays text, and the schema
check says what is wrong). Styles Connexion cannot read are refused at start-up (SpecError), since
they would have no meaning to be faithful to. One difference, on purpose: Connexion checks header and
cookie values as raw text, so a non-string header schema refuses every request; here they are
converted like path values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import cookie_parser

from mockserver.engine.validation import InvalidInput, SchemaCheck
from mockserver.errors import Problem, SpecError

STYLES = {
    "path": ("simple",),
    "query": ("form", "spaceDelimited", "pipeDelimited", "deepObject"),
    "header": ("simple",),
    "cookie": ("form",),
}
"""Per location, the styles served; the first is OpenAPI's default."""
DELIMITERS = {"spaceDelimited": " ", "pipeDelimited": "|", "simple": ",", "form": ","}
_DEEP_KEY = re.compile(r"\[([^\[\]]*)\]")
_SCALARS = ("string", "integer", "number", "boolean", None)


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise ValueError(text)


_CONVERT: dict[str | None, Callable[[str], Any]] = {"integer": int, "number": float, "boolean": _boolean}


def convert(kind: str | None, text: Any) -> Any:
    """Text as the schema's scalar type; left as it is when it does not convert (Connexion's rule)."""
    function = _CONVERT.get(kind)
    if function is None or not isinstance(text, str):
        return text
    try:
        return function(text)
    except ValueError:
        return text


def is_null(text: Any) -> bool:
    return text is None or (isinstance(text, str) and text.strip() in ("null", "None"))


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    location: str
    argument: str
    """The handler's name for it (only path and query parameters are passed, as in Connexion)."""
    required: bool
    kind: str | None
    items_kind: str | None
    properties: Mapping[str, Any]
    style: str
    explode: bool
    nullable: bool
    default: Any
    check: SchemaCheck

    def value(self, texts: list[Any]) -> Any:
        """The typed value of the texts a request gave for this parameter (several for a query)."""
        if self.kind == "array":
            delimiter = DELIMITERS[self.style]
            text = delimiter.join(texts) if self.explode else texts[-1]
            if self.nullable and is_null(text):
                return None
            return [convert(self.items_kind, item) for item in text.split(delimiter)]
        text = texts[-1]
        if self.nullable and is_null(text):
            return None
        if self.kind == "object":
            return _cast_leaves(text, self.properties) if self.properties else text
        return convert(self.kind, text)


def _cast_leaves(value: Any, properties: Mapping[str, Any]) -> Any:
    if not isinstance(value, dict):
        return value
    cast = {}
    for key, item in value.items():
        schema = properties.get(key)
        if schema is None:
            cast[key] = item
        elif isinstance(item, dict):
            cast[key] = _cast_leaves(item, schema.get("properties", {}))
        else:
            cast[key] = convert(schema.get("type"), item)
    return cast


def compile_param(spec: dict, argument: str, pointer: str) -> Param:
    """One parameter object as a Param; SpecError for what Connexion cannot read."""
    location, name = spec["in"], spec["name"]
    if "content" in spec:
        raise SpecError(f"{pointer}/content", "parameters described by `content` are not supported")
    if location not in STYLES:
        raise SpecError(f"{pointer}/in", f"parameters in {location!r} are not supported")
    schema = spec.get("schema", {})
    kind, style = schema.get("type"), spec.get("style", STYLES[location][0])
    if style not in STYLES[location]:
        raise SpecError(
            f"{pointer}/style",
            f"style {style!r} for a {location} parameter is not supported (Connexion 3 reads only "
            f"{', '.join(STYLES[location])} there)",
        )
    items = schema.get("items", {}) if kind == "array" else {}
    if kind == "array" and items.get("type") not in _SCALARS:
        raise SpecError(
            f"{pointer}/schema/items", "arrays of arrays or objects are not supported in parameters"
        )
    if (kind == "object") != (style == "deepObject"):
        raise SpecError(
            f"{pointer}/style",
            "an object parameter must be a query parameter of style deepObject, and deepObject is "
            "for objects only (Connexion 3 cannot read objects in other styles)",
        )
    return Param(
        name=name,
        location=location,
        argument=argument,
        required=bool(spec.get("required", location == "path")),
        kind=kind,
        items_kind=items.get("type"),
        properties=schema.get("properties", {}),
        style=style,
        explode=bool(spec.get("explode", style == "form")),
        nullable=bool(schema.get("nullable", False)),
        default=schema.get("default"),
        check=SchemaCheck(schema, pointer=f"{pointer}/schema"),
    )


# -- reading a request ----------------------------------------------------------------------------
def query_values(pairs: list[tuple[str, str]], deep_objects: frozenset[str]) -> dict[str, list[Any]]:
    """Query pairs by name, `deepObject` keys (`a[b][c]`) folded into one object per parameter."""
    values: dict[str, list[Any]] = {}
    for key, value in pairs:
        root = key.split("[", 1)[0]
        if root != key and root in deep_objects:
            path = _DEEP_KEY.findall(key)
            if not path:
                continue
            target = values.setdefault(root, [{}])[0]
            if not isinstance(target, dict):
                continue  # the name also came plain (`filter=x`): refused as not an object
            for part in path[:-1]:
                nested = target.get(part)
                if not isinstance(nested, dict):
                    nested = target[part] = {}
                target = nested
            target.setdefault(path[-1], value)
        elif root in deep_objects and root in values and isinstance(values[root][0], dict):
            values[root] = [value]  # plain after deep keys: refused as not an object, as before them
        else:
            values.setdefault(key, []).append(value)
    return values


def read_parameters(
    params: tuple[Param, ...],
    path: Mapping[str, str],
    query: Mapping[str, list[Any]],
    headers: Mapping[str, str],
) -> dict[str, Any]:
    """Path and query values by handler argument; InvalidInput lists every problem found."""
    arguments: dict[str, Any] = {}
    problems: list[Problem] = []
    cookies: dict[str, str] | None = None
    for param in params:
        if param.location == "query":
            texts = query.get(param.name)
        elif param.location == "path":
            texts = [path[param.name]] if param.name in path else None
        elif param.location == "header":
            text = headers.get(param.name.lower())
            texts = None if text is None else [text]
        else:
            cookies = cookie_parser(headers.get("cookie", "")) if cookies is None else cookies
            texts = [cookies[param.name]] if param.name in cookies else None
        field = f"{param.location}:{param.name}"
        if texts is None:
            if param.required:
                problems.append(Problem("is required", field))
            elif param.location == "query" and param.default is not None:
                arguments[param.argument] = param.default
            elif param.style == "deepObject":
                arguments[param.argument] = {}  # as Connexion passes an absent deepObject
            continue
        value = param.value(texts)
        if value is not None:
            problems += [Problem(p.message, field + p.field.rstrip("/")) for p in param.check.problems(value)]
        if param.location in ("path", "query"):
            arguments[param.argument] = value
    if problems:
        raise InvalidInput(problems)
    return arguments
