"""Request validators plugged into Connexion: every problem found, one line each, field named.

Connexion's own validators stop at the first error, print multi-line messages, answer 500 to a
body that is not UTF-8 or nests too deeply, and build a new jsonschema validator per request.
These subclasses keep Connexion's flow and fix those points.
"""

from __future__ import annotations

import json
import typing as t

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.json_schema import Draft4RequestValidator
from connexion.validators import (
    VALIDATOR_MAP,
    FormDataValidator,
    JSONRequestBodyValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator, ValidationError
from jsonschema.protocols import Validator

from mockserver.core.errors import Problem, one_line


class InvalidInput(BadRequestProblem):
    """A 400 carrying every problem found in the request."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(detail="; ".join(_summary(p) for p in problems))
        self.problems = problems


def _summary(problem: Problem) -> str:
    return f"{problem.field}: {problem.message}" if problem.field else problem.message


_VALIDATORS: dict[int, tuple[dict, Validator]] = {}


def request_validator(schema: dict) -> Validator:
    """A compiled validator per schema object, built once (schemas live as long as the app)."""
    cached = _VALIDATORS.get(id(schema))
    if cached is None or cached[0] is not schema:
        validator = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        cached = _VALIDATORS[id(schema)] = (schema, validator)
    return cached[1]


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


PARSED_BODY_KEY = "parsed_body"
"""Handlers that declare a `parsed_body` parameter get the decoded body, whatever its media type."""


def stash_body(scope: t.Any, body: t.Any) -> None:
    """Hand the decoded body to the handler through Connexion's request context."""
    scope.setdefault("extensions", {}).setdefault("connexion_context", {})[PARSED_BODY_KEY] = body


class JSONBodyValidator(JSONRequestBodyValidator):
    """Parses JSON defensively (bad UTF-8, deep nesting) and reports every schema problem."""

    @property
    def _validator(self) -> Validator:
        return request_validator(self._schema)

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: t.Any) -> t.Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw:
            return None
        try:
            body = json.loads(raw.decode(self._encoding))
        except UnicodeDecodeError as exc:
            raise InvalidInput([Problem(f"the body is not valid {self._encoding}: {exc.reason}")]) from None
        except RecursionError:
            raise InvalidInput([Problem("the JSON body is nested too deeply")]) from None
        except ValueError as exc:
            raise InvalidInput([Problem(f"the body is not valid JSON: {one_line(exc)}")]) from None
        stash_body(scope, body)
        return body

    def _validate(self, body: t.Any) -> None:
        if body is None:
            raise InvalidInput([Problem("the request body must not be empty")])
        problems = schema_problems(self._validator, body)
        if problems:
            raise InvalidInput(problems)


class FormBodyValidator(FormDataValidator):
    """Form bodies (as for OAuth2 token requests), reporting every problem like JSON bodies."""

    def _validate(self, body: t.Any) -> None:
        if not isinstance(body, dict):
            raise InvalidInput([Problem("the form body must be name=value pairs")])
        problems = schema_problems(request_validator(self._schema), body)
        if problems:
            raise InvalidInput(problems)


class AllParametersValidator(ParameterValidator):
    """Validates every parameter and reports all failures together, one line each."""

    def validate_request(self, request: t.Any) -> None:
        try:
            super().validate_request(request)
        except BadRequestProblem:
            pass
        else:
            return
        problems = []
        checks = {
            "query": self.validate_query_parameter,
            "path": self.validate_path_parameter,
            "header": self.validate_header_parameter,
            "cookie": self.validate_cookie_parameter,
        }
        for location, check in checks.items():
            for param in self.parameters.get(location, []):
                error = check(param, request)
                if error:
                    problems.append(Problem(error, f"{location}:{param['name']}"))
        raise InvalidInput(problems or [Problem("the request parameters are invalid")])

    @staticmethod
    def validate_parameter(  # type: ignore[override]
        parameter_type: str, value: t.Any, param: dict, param_name: str | None = None
    ) -> str | None:
        if value is None:
            return ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        schema = param.get("schema", param)
        try:
            Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).validate(value)
        except ValidationError as error:
            return describe(error)
        return None


def validator_map(
    body_validators: dict[str, type] | None = None, response_validators: dict[str, type] | None = None
) -> dict[str, t.Any]:
    """Connexion's default validator map with ours swapped in (a bare map would drop defaults)."""
    body = MediaTypeDict(VALIDATOR_MAP["body"])
    body["*/*json"] = JSONBodyValidator
    body["application/x-www-form-urlencoded"] = FormBodyValidator
    body.update(body_validators or {})
    response = MediaTypeDict(VALIDATOR_MAP["response"])
    response.update(response_validators or {})
    return {**VALIDATOR_MAP, "parameter": AllParametersValidator, "body": body, "response": response}
