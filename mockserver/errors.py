"""The vocabulary of failure shared by models, the HTTP layer and every provider's envelope."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal


class DomainError(Exception):
    """A business rule said no. Raised by a model; its provider's envelope maps it to a response."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request. `field` names where: a JSON pointer for body fields,
    `header:Name`, `query:name` or `path:name` for parameters."""

    message: str
    field: str | None = None


@dataclass(slots=True)
class ApiError:
    """A failed request in neutral form; a provider's envelope renders it in its own format.

    `code` and `message` left as None take the envelope's standard wording for `status`.
    """

    status: int
    code: str | None = None
    message: str | None = None
    problems: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    correlation_id: str | None = None


def one_line(text: object, limit: int = 300) -> str:
    """Collapse a message onto one line and bound its length (jsonschema quotes whole bodies)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class HttpProblem(Exception):
    """A request refused by the HTTP layer before any business rule ran (or a fault asked for).

    `field` names the header or parameter at fault (`header:Auth-Key`), as a Problem does.
    """

    def __init__(
        self, status: int, detail: str, *, field: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field
        self.headers = headers or {}

    @property
    def problems(self) -> list[Problem]:
        detail = one_line(self.detail)
        return [Problem(detail, self.field)] if detail else []


def to_api_error(exc: Exception) -> ApiError:
    """Any failure in neutral form: an HttpProblem keeps its status, anything else is a 500."""
    if isinstance(exc, HttpProblem):
        return ApiError(exc.status, problems=list(exc.problems), headers=dict(exc.headers))
    return ApiError(500)


class SpecError(Exception):
    """A spec asks for something the engine does not honour: refused at start-up, never ignored.

    `pointer` is a JSON pointer into the spec (refs resolved); `spec` names the file once known.
    """

    def __init__(self, pointer: str, construct: str, spec: str | None = None) -> None:
        super().__init__(construct)
        self.pointer = pointer
        self.construct = construct
        self.spec = spec

    def __str__(self) -> str:
        where = f"{self.spec}: " if self.spec else ""
        return f"{where}{self.pointer or '/'}: {self.construct}"


class SpecRefused(SpecError):
    """A spec the compiled engine does not take, with every construct that keeps it out (each
    `pointer: what`); `--engine auto` would serve it by Connexion."""

    def __init__(self, constructs: list[str], spec: str | None = None) -> None:
        super().__init__("", f"{len(constructs)} construct(s) the compiled engine does not take", spec)
        self.constructs = constructs

    def __str__(self) -> str:
        listed = "".join(f"\n  {c}" for c in self.constructs)
        hint = "\n(--engine auto serves such a spec by Connexion itself)"
        return f"{super().__str__()}:{listed}{hint}"


@dataclass(frozen=True, slots=True)
class ClientWarning:
    """Something the real server accepts that is almost certainly a client bug."""

    code: str
    """`member-case`, `unknown-member`, `null-member` or `date-without-zone`."""
    where: str
    """A JSON pointer (JSON bodies) or an XML path (XML bodies), in the client's own names."""
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "where": self.where, "message": self.message}


@dataclass(frozen=True, slots=True)
class Violation:
    """Where a request or an answer the validation proxy saw departs from the spec."""

    side: Literal["request", "response"]
    operation: str
    """The operationId; `METHOD path` when no operation of the spec matches."""
    rule: str
    """`route`, `security`, `parameters`, `media-type`, `body`, `status`, `answer-media-type`,
    `answer-body`, or a client warning's code (what the provider's stack would forgive)."""
    where: str | None
    """A JSON pointer or XML path into the body, `query:name`, `header:Name`, or None."""
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {"side": self.side, "operation": self.operation, "rule": self.rule, "where": self.where,
                "message": self.message}  # fmt: skip


class FixtureError(Exception):
    """One or more fixture documents are invalid; each line names file, path and problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def did_you_mean(given: object, candidates: Iterable[object]) -> str:
    """` (did you mean "admin"?)` for the candidate closest to a near miss, or "" when none is close."""
    names = {str(c): c for c in candidates}
    close = difflib.get_close_matches(str(given), list(names), n=1, cutoff=0.6)
    return f" (did you mean {json.dumps(names[close[0]])}?)" if close else ""
