"""Fixture documents: read YAML or JSON, check them against the fixture JSON Schema."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import yaml

from mockserver.engine.validation import MAX_PROBLEMS, compile_validator, explain, explained
from mockserver.errors import FixtureError, Problem, did_you_mean
from mockserver.resources import load_yaml


@dataclass(frozen=True, slots=True)
class FixtureDocument:
    source: str
    data: dict[str, Any]


def _plain(value: Any) -> Any:
    """YAML turns unquoted timestamps into datetimes; the format speaks ISO 8601 strings."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _load(text: str | bytes) -> Any:
    # JSON is (nearly) a subset of YAML and parses ~100x faster: a big generated fixture file is JSON.
    # JSON has no timestamps, so only YAML's result needs turning into plain values.
    if text.lstrip()[:1] in ("{", b"{"):
        try:
            return json.loads(text)  # not orjson: it reads an integer past 64 bits as a float
        except ValueError:
            pass  # YAML flow style, or a real syntax error that YAML will describe
    return _plain(load_yaml(text))


def parse_document(text: str | bytes, source: str) -> FixtureDocument:
    """Parse YAML or JSON; a syntax error becomes a FixtureError naming the source."""
    try:
        data = _load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FixtureError([f"{source}: /: not valid YAML or JSON{where}: {problem}"]) from None
    except RecursionError:
        raise FixtureError([f"{source}: /: the document is nested too deeply"]) from None
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
        problems = explain(self._validator, document.data)
        hinted = self._hinted(document.data)
        return [Problem(hinted.get((p.field, p.message), p.message), p.field) for p in problems]

    def lines(self, document: FixtureDocument) -> list[str]:
        return [f"{document.source}: {p.field}: {p.message}" for p in self.problems(document)]

    def check(self, documents: Iterable[FixtureDocument]) -> None:
        lines = [line for document in documents for line in self.lines(document)]
        if lines:
            raise FixtureError(lines)

    def _hinted(self, data: Any) -> dict[tuple[str | None, str], str]:
        """(field, message) -> the message with a "did you mean" for an enum value or a property
        name close to one the schema allows."""
        hinted: dict[tuple[str | None, str], str] = {}
        for error in islice(self._validator.iter_errors(data), MAX_PROBLEMS):
            kind, problem = type(error.kind).__name__, explained(error)
            if kind == "Enum":
                hint = did_you_mean(error.instance, error.kind.options)
            elif kind == "AdditionalProperties":
                allowed = _at(self._schema, list(error.schema_path)[:-1]).get("properties", {})
                hint = "".join(did_you_mean(name, allowed) for name in error.kind.unexpected)
            else:
                continue
            if hint:
                hinted[(problem.field, problem.message)] = problem.message + hint
        return hinted


def _at(schema: dict[str, Any], path: list[Any]) -> dict[str, Any]:
    """The part of `schema` at a jsonschema-rs schema path (local `$ref`s followed)."""
    node: Any = schema
    for step in path:
        while isinstance(node, dict) and "$ref" in node and step != "$ref":
            node = _at(schema, [p for p in node["$ref"].lstrip("#/").split("/") if p])
        node = node[int(step)] if isinstance(node, list) else node.get(step, {}) if step != "$ref" else node
    return node if isinstance(node, dict) else {}
