"""Schema checks: what is wrong, one line per problem, the field named by a JSON pointer.

An OpenAPI 3.0 schema is translated once into plain JSON Schema (draft 4) with the meaning Connexion
gives it (`nullable` on `type` and `enum` only, `writeOnly` refused in answers, `readOnly` without
effect, formats checked as Python's jsonschema checks them), plus `int32`/`int64` ranges and
ECMA-262 patterns, as OpenAPI says. jsonschema-rs then decides and explains. The cost of a "no" is
bounded: a small value gets every problem listed, a large one only its first (a rejected 1 MiB body
costs milliseconds, not seconds).
"""

from __future__ import annotations

import json
import re
import typing as t

import jsonschema_rs
import orjson
from jsonschema import Draft4Validator

from mockserver.errors import HttpProblem, Problem, SpecError, one_line

MAX_PROBLEMS = 50
"""A 400 lists at most this many problems."""
EXPLAIN_ALL_BELOW = 2_000
"""Values with fewer nodes than this get every problem explained; larger ones only the first."""

_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
# Formats a JSON Schema validator may know. Connexion checks those Python's jsonschema checks (with
# the libraries installed here); every other one is a note, not a rule, so jsonschema-rs must not
# check it either.
_KNOWN_FORMATS = (
    "date",
    "date-time",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "uuid",
    "json-pointer",
    "relative-json-pointer",
    "regex",
)


def _python_format(name: str) -> t.Callable[[str], bool]:
    """`FORMAT_CHECKER.conforms(value, name)`, calling the checker function directly (it runs for
    every formatted string of every body)."""
    check, raises = Draft4Validator.FORMAT_CHECKER.checkers[name]

    def conforms(value: str) -> bool:
        try:
            return bool(check(value))
        except raises:
            return False

    return conforms


FORMATS: dict[str, t.Callable[[str], bool]] = {
    name: (_python_format(name) if name in Draft4Validator.FORMAT_CHECKER.checkers else lambda _: True)
    for name in {*_KNOWN_FORMATS, *Draft4Validator.FORMAT_CHECKER.checkers}
}


class InvalidInput(HttpProblem):
    """A 400 carrying the problems found in the request."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(400, "; ".join(_summary(p) for p in problems))
        self._problems = problems

    @property
    def problems(self) -> list[Problem]:
        return self._problems


def _summary(problem: Problem) -> str:
    return f"{problem.field}: {problem.message}" if problem.field else problem.message


def json_pointer(parts: t.Iterable[object]) -> str:
    return "/" + "/".join([_pointer_part(str(p)) for p in parts])


def _pointer_part(text: str) -> str:
    return text.replace("~", "~0").replace("/", "~1") if "~" in text or "/" in text else text


# -- OpenAPI 3.0 schema -> plain JSON Schema -----------------------------------------------------
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions"})
"""Keywords whose value maps names to schemas."""
_SUBSCHEMAS = frozenset({"items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"})
"""Keywords whose value is a schema or a list of them."""


def plain_json_schema(schema: t.Any, *, response: bool = False, pointer: str = "") -> t.Any:
    """The schema in plain draft-4 JSON Schema, with Connexion's meaning of the OpenAPI keywords.

    Raises SpecError for what has no such meaning here (`discriminator`).
    """
    if isinstance(schema, list):
        return [
            plain_json_schema(s, response=response, pointer=f"{pointer}/{i}") for i, s in enumerate(schema)
        ]
    if not isinstance(schema, dict):
        return schema
    if "discriminator" in schema:
        raise SpecError(
            f"{pointer}/discriminator",
            "`discriminator` is not supported: Connexion validates `oneOf`/`anyOf` without it, so it "
            "would be silently ignored; drop it or describe the choice with `enum`s on the branches",
        )
    if response and schema.get("writeOnly") is True:
        return {"not": {}}  # Connexion refuses a write-only property in an answer
    plain: dict[str, t.Any] = {}
    for key, value in schema.items():
        where = f"{pointer}/{key}"
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            plain[key] = {
                name: plain_json_schema(sub, response=response, pointer=f"{where}/{name}")
                for name, sub in value.items()
            }
        elif key in _SUBSCHEMAS:
            plain[key] = plain_json_schema(value, response=response, pointer=where)
        elif key != "nullable":
            plain[key] = value
    if schema.get("nullable") is True:
        # Connexion lets null through `type` and `enum` only (its `allow_nullable`), nothing else.
        if isinstance(plain.get("type"), str):
            plain["type"] = [plain["type"], "null"]
        if isinstance(plain.get("enum"), list) and None not in plain["enum"]:
            plain["enum"] = [*plain["enum"], None]
    bounds = _INT_RANGES.get(schema.get("format", "")) if schema.get("type") == "integer" else None
    if bounds is not None:
        low, high = bounds
        plain["minimum"] = max(low, plain.get("minimum", low))
        plain["maximum"] = min(high, plain.get("maximum", high))
    return plain


def compile_validator(schema: dict, *, draft: int = 4, pointer: str = "", mask: str | None = None) -> t.Any:
    """A jsonschema-rs validator for a plain JSON Schema; a pattern it cannot read is a SpecError.
    With `mask`, its messages show that text instead of the value (cheap to build for a huge value)."""
    kind = jsonschema_rs.Draft4Validator if draft == 4 else jsonschema_rs.Draft7Validator
    try:
        return kind(schema, validate_formats=True, formats=FORMATS, mask=mask)
    except (ValueError, jsonschema_rs.ValidationError) as exc:
        raise SpecError(pointer or "/", f"the schema cannot be compiled: {one_line(exc)}") from None


# -- explaining a "no" ---------------------------------------------------------------------------
def _type_name(instance: object) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        type(None): "null",
    }.get(type(instance), type(instance).__name__)


def describe(error: t.Any) -> str:
    """A short message for one jsonschema-rs error, never quoting a whole (possibly huge) value."""
    kind = error.kind
    describer = _DESCRIBERS.get(type(kind).__name__)
    return (describer and describer(error, kind)) or one_line(error.message)


def _type(error: t.Any, kind: t.Any) -> str:
    details = kind.as_dict()
    types = details.get("types") or [details.get("type")]
    return f"must be of type {' or '.join(map(str, types))}, not {_type_name(error.instance)}"


def _not(error: t.Any, kind: t.Any) -> str | None:
    if error.schema_path[-1] == "not" and kind.as_dict().get("schema") == {}:
        return "must not be present"
    return None  # the error's own message


# Keyed by the name of jsonschema-rs's error kind; a kind not listed keeps the library's message.
_DESCRIBERS: dict[str, t.Callable[[t.Any, t.Any], str | None]] = {
    "Type": _type,
    "MinLength": lambda e, k: (
        "must not be empty" if k.limit == 1 else f"must be at least {k.limit} characters"
    ),
    "MaxLength": lambda e, k: f"must be at most {k.limit} characters",
    "Pattern": lambda e, k: f"must match the pattern {k.pattern}",
    "Enum": lambda e, k: "must be one of " + ", ".join(json.dumps(v) for v in k.options),
    "AnyOf": lambda e, k: "is not one of the accepted forms",
    "OneOfNotValid": lambda e, k: "is not one of the accepted forms",
    "OneOfMultipleValid": lambda e, k: "is not one of the accepted forms",
    "Format": lambda e, k: f"must be a valid {k.format}",
    "MinItems": lambda e, k: f"must have at least {k.limit} items",
    "MaxItems": lambda e, k: f"must have at most {k.limit} items",
    "UniqueItems": lambda e, k: "must not repeat an item",
    "Minimum": lambda e, k: f"must be at least {k.limit}",
    "Maximum": lambda e, k: f"must be at most {k.limit}",
    "Not": _not,
}


def _problem(error: t.Any, prefix: str) -> Problem:
    kind = error.kind
    if type(kind).__name__ == "Required":
        return Problem("is required", prefix + json_pointer([*error.instance_path, kind.property]))
    return Problem(describe(error), prefix + json_pointer(error.instance_path))


def _small(instance: object, budget: int = EXPLAIN_ALL_BELOW) -> bool:
    """Whether `instance` has fewer than `budget` nodes; stops counting once it is sure it has not."""
    stack, seen = [instance], 0
    while stack:
        value = stack.pop()
        seen += 1
        if seen >= budget:
            return False
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return True


def explain(
    validator: t.Any, instance: object, prefix: str = "", *, masked: t.Any = None, small: bool | None = None
) -> list[Problem]:
    """What is wrong with `instance`, ordered by where; bounded in cost whatever its size.

    A big instance gets its first problem only, from `masked` when given: a validator of the same
    schema whose messages do not quote the value (formatting a 1 MiB value into a message that is
    never shown costs more than finding the problem). `small`: whether `_small(instance)`, if known."""
    return [
        problem for problem, _ in explained_errors(validator, instance, prefix, masked=masked, small=small)
    ]


def explained_errors(
    validator: t.Any, instance: object, prefix: str = "", *, masked: t.Any = None, small: bool | None = None
) -> list[tuple[Problem, t.Any]]:
    """`explain`'s problems, each with the jsonschema-rs error it words (for a caller that says
    more about some kinds of error)."""
    if _small(instance) if small is None else small:
        errors = list(validator.iter_errors(instance))[:MAX_PROBLEMS]
    else:
        try:
            (masked or validator).validate(instance)  # stops at the first problem
            errors = []
        except jsonschema_rs.ValidationError as first:
            errors = [first]
    return sorted(((_problem(e, prefix), e) for e in errors), key=lambda pair: pair[0].field or "")


class SchemaCheck:
    """One OpenAPI schema (refs resolved), compiled once; `problems` is empty when the value is valid."""

    def __init__(self, schema: dict, *, response: bool = False, pointer: str = "") -> None:
        self.schema = schema
        self._plain = plain_json_schema(schema, response=response, pointer=pointer)
        self._validator = compile_validator(self._plain, pointer=pointer)
        self._masked: t.Any = None

    def problems(self, instance: object, prefix: str = "") -> list[Problem]:
        try:
            if self._validator.is_valid(instance):
                return []
        except (ValueError, TypeError, OverflowError) as exc:  # a value JSON cannot hold
            return [Problem(f"cannot be checked: {one_line(exc)}", prefix + "/")]
        small = _small(instance)
        if self._masked is None and not small:
            self._masked = compile_validator(self._plain, mask="(the value)")
        return explain(self._validator, instance, prefix, masked=self._masked, small=small)


def decode_json(raw: bytes, encoding: str = "utf-8") -> t.Any:
    """A JSON body, or InvalidInput that says what is wrong with it (never a 500).

    What `json.loads` reads, read faster: a small body by orjson first, and by `json` whenever
    orjson's answer could differ (a float in it, as orjson reads an integer past 64 bits as one;
    anything orjson refuses, such as `NaN`, which `json` takes), so the result and every error
    message are `json`'s.
    """
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InvalidInput([Problem(f"the body is not valid {encoding}: {exc.reason}")]) from None
    if len(raw) <= ORJSON_BELOW:
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
        else:
            if not _holds_float(value):
                return value
    try:
        value = json.loads(text)
    except RecursionError:
        raise InvalidInput([Problem("the JSON body is nested too deeply")]) from None
    except ValueError as exc:
        raise InvalidInput([Problem(f"the body is not valid JSON: {one_line(exc)}")]) from None
    if "\\u" in text:  # only an escape can make a lone surrogate: UTF-8 itself cannot carry one
        refuse_lone_surrogates(value)
    return value


def refuse_lone_surrogates(value: t.Any, what: str = "the body") -> None:
    """InvalidInput naming where `value` holds a lone UTF-16 surrogate (`"\\ud800"`): text no
    UTF-8 answer, store or page can carry, so it is refused where it is read, not met later as a
    500. A pair (`"\\ud83d\\ude00"`) is one character by then, and passes."""
    stack: list[tuple[str, t.Any]] = [("", value)]
    while stack:
        pointer, current = stack.pop()
        if isinstance(current, str):
            if not current.isascii() and _SURROGATE.search(current):
                raise InvalidInput(
                    [Problem(f"{what} holds a lone UTF-16 surrogate, which is not text", pointer or "/")]
                )
        elif isinstance(current, dict):
            for key, item in current.items():
                name = key if isinstance(key, str) else str(key)
                stack += [(f"{pointer}/{_escape(name)}", name), (f"{pointer}/{_escape(name)}", item)]
        elif isinstance(current, list):
            stack += [(f"{pointer}/{i}", item) for i, item in enumerate(current)]


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


ORJSON_BELOW = 16 * 1024
"""Bodies up to this many bytes are read by orjson first. For a bigger one, looking through
orjson's answer for floats would cost more than orjson saves (a 1 MiB array of integers: 20 ms)."""


def _holds_float(value: t.Any) -> bool:
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
        elif isinstance(current, float):
            return True
    return False
