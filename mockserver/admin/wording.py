"""The control plane's refusals in words: each names the field it is about, and where the check was
a pattern or a choice of forms, says what is expected (the field's description in admin.yaml)
instead of the regular expression."""

from __future__ import annotations

from typing import Any

from mockserver.engine.routes import Operation
from mockserver.errors import Problem

UNWORDED = ("must match the pattern", "is not one of the accepted forms")
"""Messages that say how the check failed, not what would pass."""


def in_words(problems: list[Problem], operation: Operation | None) -> list[Problem]:
    """`problems` with the field named in each message (`advance: must be ...`)."""
    return [_worded(p, operation) for p in problems]


def _worded(problem: Problem, operation: Operation | None) -> Problem:
    field = problem.field or ""
    if field.startswith("/"):
        pointer, message = field[1:], problem.message
        expected = _description(operation, pointer) if message.startswith(UNWORDED) else None
        if expected:
            message = "must be " + expected[0].lower() + expected[1:].rstrip(".")
        return Problem(f"{pointer or 'the body'}: {message}", problem.field)
    if field.startswith(("query:", "path:")):
        where, _, name = field.partition(":")
        return Problem(f"{name} (in the {where}): {problem.message}", problem.field)
    return problem


def _description(operation: Operation | None, pointer: str) -> str | None:
    """The description of the request body's property at `pointer` (refs resolved; "" is the body
    itself, whose description may sit on one of its `allOf` parts), if any."""
    if operation is None:
        return None
    content = operation.definition.get("requestBody", {}).get("content", {})
    schema: Any = content.get("application/json", {}).get("schema", {})
    if not pointer:
        parts = [schema, *schema.get("allOf", [])]
        return next((p["description"] for p in parts if isinstance(p, dict) and "description" in p), None)
    for part in pointer.split("/"):
        if not isinstance(schema, dict):
            return None
        schema = schema.get("properties", {}).get(part) if not part.isdigit() else schema.get("items")
    return schema.get("description") if isinstance(schema, dict) else None
