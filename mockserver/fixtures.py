"""Fixture documents: read YAML or JSON, check them against the fixture JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mockserver.engine.validation import (
    InvalidInput,
    compile_validator,
    explained_errors,
    refuse_lone_surrogates,
)
from mockserver.errors import FixtureError, Problem, did_you_mean
from mockserver.fixture_yaml import FixtureYamlError, load_fixture_yaml


@dataclass(frozen=True, slots=True)
class FixtureDocument:
    source: str
    data: dict[str, Any]


def _load(text: str | bytes) -> Any:
    # JSON is (nearly) a subset of YAML and parses ~100x faster: a big generated fixture file is JSON.
    if text.lstrip()[:1] in ("{", b"{"):
        try:
            return json.loads(text)  # not orjson: it reads an integer past 64 bits as a float
        except ValueError:
            pass  # YAML flow style, or a real syntax error that YAML will describe
    return load_fixture_yaml(text)


def parse_document(text: str | bytes, source: str) -> FixtureDocument:
    """Parse YAML or JSON; a syntax error becomes a FixtureError naming the source."""
    try:
        data = _load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        what = "cannot be a fixture" if isinstance(exc, FixtureYamlError) else "not valid YAML or JSON"
        raise FixtureError([f"{source}: /: {what}{where}: {problem}"]) from None
    except RecursionError:
        raise FixtureError([f"{source}: /: the document is nested too deeply"]) from None
    if ("\\u" if isinstance(text, str) else b"\\u") in text:  # only JSON's escapes make one
        try:
            refuse_lone_surrogates(data, "the document")
        except InvalidInput as refused:
            raise FixtureError([f"{source}: {p.field}: {p.message}" for p in refused.problems]) from None
    return FixtureDocument(source, data if data is not None else {})


def read_document(path: str | Path) -> FixtureDocument:
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise FixtureError([f"{path}: /: cannot be read: {exc.strerror}"]) from None
    return parse_document(text, str(path))


class FixtureSchema:
    """The fixture format (composed from the providers' sections), compiled once."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._schema = schema
        self._validator = compile_validator(schema, draft=7)

    def problems(self, document: FixtureDocument) -> list[Problem]:
        """What is wrong with a document, near misses of a name or a value pointed out."""
        if self._validator.is_valid(document.data):
            return []
        explained = explained_errors(self._validator, document.data)
        return [Problem(problem.message + self._hint(error), problem.field) for problem, error in explained]

    def lines(self, document: FixtureDocument) -> list[str]:
        return [f"{document.source}: {p.field}: {p.message}" for p in self.problems(document)]

    def check(self, documents: Iterable[FixtureDocument]) -> None:
        lines = [line for document in documents for line in self.lines(document)]
        if lines:
            raise FixtureError(lines)

    def _hint(self, error: Any) -> str:
        """A "did you mean" for an enum value or a property name close to one the schema allows."""
        kind = type(error.kind).__name__
        if kind == "Enum":
            return did_you_mean(error.instance, error.kind.options)
        if kind == "AdditionalProperties":
            allowed = _at(self._schema, list(error.schema_path)[:-1]).get("properties", {})
            return "".join(did_you_mean(name, allowed) for name in error.kind.unexpected)
        return ""


def _at(schema: dict[str, Any], path: list[Any]) -> dict[str, Any]:
    """The part of `schema` at a jsonschema-rs schema path; {} where the path does not lead from the
    root (past a `$ref`, jsonschema-rs gives the path inside the referenced resource: no hint there)."""
    node: Any = schema
    for step in path:
        if isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        elif isinstance(node, dict):
            node = node.get(step, {})
        else:
            return {}
    return node if isinstance(node, dict) else {}
