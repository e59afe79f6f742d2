"""Schema checks: every problem found, one line each, the field named by a JSON pointer.

Each schema is compiled twice, once: jsonschema-rs answers "valid?" in about a microsecond, and
only when it says no does Python's jsonschema (with Connexion's OpenAPI 3.0 dialect: `nullable`,
`readOnly`, `writeOnly`) find and word every problem. Python has the last word on a "no", so no
request is ever refused without a reason to show.
"""

from __future__ import annotations

import json
import typing as t

import jsonschema_rs
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator
from jsonschema import Draft4Validator, ValidationError
from jsonschema.protocols import Validator

from mockserver.core.errors import HttpProblem, Problem, one_line


class InvalidInput(HttpProblem):
    """A 400 carrying every problem found in the request."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(400, "; ".join(_summary(p) for p in problems))
        self._problems = problems

    @property
    def problems(self) -> list[Problem]:
        return self._problems


def _summary(problem: Problem) -> str:
    return f"{problem.field}: {problem.message}" if problem.field else problem.message


def json_pointer(parts: t.Iterable[object]) -> str:
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "/" + "/".join(escaped)


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


def describe(error: ValidationError) -> str:
    """A short message for one jsonschema error, never quoting a whole (possibly huge) value."""
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "type":
        return f"must be of type {expected}, not {_type_name(instance)}"
    if kind == "minLength":
        return "must not be empty" if expected == 1 else f"must be at least {expected} characters"
    if kind == "maxLength":
        return f"must be at most {expected} characters"
    if kind == "pattern":
        return f"must match the pattern {expected}"
    if kind == "enum":
        return "must be one of " + ", ".join(json.dumps(v) for v in expected)
    if kind in ("anyOf", "oneOf"):
        return "is not one of the accepted forms"
    if kind == "format":
        return f"must be a valid {expected}"
    if kind in ("minimum", "maximum"):
        return f"must be {'at least' if kind == 'minimum' else 'at most'} {expected}"
    return one_line(error.message)


def schema_problems(validator: Validator, instance: object, prefix: str = "") -> list[Problem]:
    """Every violation of the schema, ordered by where it occurs."""
    problems = []
    for error in validator.iter_errors(instance):
        path = list(error.absolute_path)
        if error.validator == "required":
            missing = str(error.message).split("'")[1] if "'" in str(error.message) else ""
            problems.append(Problem("is required", prefix + json_pointer([*path, missing])))
        else:
            problems.append(Problem(describe(error), prefix + json_pointer(path)))
    return sorted(problems, key=lambda p: p.field or "")


class SchemaCheck:
    """One schema (refs resolved), checked fast and explained in detail."""

    def __init__(self, schema: dict, *, response: bool = False) -> None:
        self.schema = schema
        kind = Draft4ResponseValidator if response else Draft4RequestValidator
        self._explain = kind(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        self._fast = jsonschema_rs.Draft4Validator(_plain_json_schema(schema), validate_formats=True)

    def problems(self, instance: object, prefix: str = "") -> list[Problem]:
        try:
            if self._fast.is_valid(instance):
                return []
        except (ValueError, TypeError, OverflowError):
            pass  # something jsonschema-rs cannot take (an integer past 64 bits): ask Python
        return schema_problems(self._explain, instance, prefix)


def _plain_json_schema(schema: t.Any) -> t.Any:
    """OpenAPI 3.0's `nullable: true` spelled in plain JSON Schema, for jsonschema-rs."""
    if isinstance(schema, list):
        return [_plain_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    plain = {k: _plain_json_schema(v) for k, v in schema.items() if k != "nullable"}
    return {"anyOf": [{"type": "null"}, plain]} if schema.get("nullable") is True else plain


def decode_json(raw: bytes, encoding: str = "utf-8") -> t.Any:
    """A JSON body, or InvalidInput that says what is wrong with it (never a 500).

    Not orjson: it reads an integer past 64 bits as a float, which the schema would then refuse.
    """
    try:
        return json.loads(raw.decode(encoding))
    except UnicodeDecodeError as exc:
        raise InvalidInput([Problem(f"the body is not valid {encoding}: {exc.reason}")]) from None
    except RecursionError:
        raise InvalidInput([Problem("the JSON body is nested too deeply")]) from None
    except ValueError as exc:
        raise InvalidInput([Problem(f"the body is not valid JSON: {one_line(exc)}")]) from None
