"""A request and its answer held to a provider's spec, as the engine reads them: the provider's stack
profile, XML from the spec's `xml` objects, forms, parameters, security presence, and the statuses
and media types the spec lists. Each finding is a Violation naming the operation, the rule and where.

Credentials are checked for presence only: whether a token or key is right is the real provider's
business, which answers for itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mockserver.engine.dispatch import Exchange, checked_answer, content_type_of, parsed_body
from mockserver.engine.plan import Plan, compile_plan
from mockserver.engine.specs import load_spec, route_table
from mockserver.engine.validation import SchemaCheck
from mockserver.errors import HttpProblem, Problem, Violation
from mockserver.providers.base import Provider

Side = Literal["request", "response"]
__all__ = ["Checker", "Violation"]


@dataclass(slots=True)
class Checked:
    """A request as the spec reads it."""

    operation: str | None
    path_params: dict[str, Any]
    body: Any
    """Decoded and bound (XML and forms too, in the spec's member names); None unless valid."""
    violations: list[Violation]


@dataclass(frozen=True, slots=True)
class Answered:
    """An answer as the spec reads it."""

    violations: list[Violation]
    value: Any
    """The body decoded (XML in the spec's member names); None without a schema or when it does
    not parse."""
    undocumented: list[str]
    """JSON pointers to members the schema names nowhere (which an open schema lets pass)."""


class _Accepting:
    """Handlers for the plans: every operation and security function exists and accepts anything
    (a credential is checked for presence by the plan; its value is the provider's to judge)."""

    def __getattr__(self, name: str) -> Any:
        return _accept


def _accept(*args: Any, **kwargs: Any) -> dict[str, str]:
    return {"sub": "proxy"}


_ACCEPTING = _Accepting()
_REQUEST_RULES = {401: "security", 403: "security", 404: "route", 405: "route", 406: "media-type",
                  413: "body", 415: "media-type"}  # fmt: skip


class Checker:
    """One provider's spec, compiled once; `request` and `response` are pure (no state kept but
    compiled schemas)."""

    def __init__(self, provider: Provider, base_path: str = "") -> None:
        written, path = load_spec(provider.spec)
        self.routes = route_table(provider.spec, base_path, (written, path), provider.profile)
        spec = self.routes.spec
        schemes = spec.get("components", {}).get("securitySchemes", {})
        self.plans: dict[str, Plan] = {
            op_id: compile_plan(op, _ACCEPTING, schemes, spec.get("security", []), provider.profile)
            for op_id, op in self.routes.operations.items()
        }
        self._answers: dict[tuple[str, int, str], SchemaCheck] = {}

    def request(
        self, method: str, path: str, query: bytes, headers: Mapping[str, str], body: bytes
    ) -> tuple[str | None, list[Violation]]:
        """The operation the request is (None: none of the spec's) and what is wrong with it.
        `headers` by lower-case name."""
        checked = self.inspect(method, path, query, headers, body)
        return checked.operation, checked.violations

    def inspect(
        self, method: str, path: str, query: bytes, headers: Mapping[str, str], body: bytes
    ) -> Checked:
        """`request`, with the path's parameters and the body as the spec reads it."""
        try:
            operation, path_params = self.routes.resolve(method, path)
        except HttpProblem as exc:
            return Checked(None, {}, None, self._violations("request", f"{method} {path}", exc))
        plan, op_id = self.plans[operation.operation_id], operation.operation_id
        checked = Checked(op_id, dict(path_params), None, [])
        checks = [("parameters", lambda: plan.parameters(path_params, query, headers))]
        if plan.security:
            checks.insert(0, ("security", lambda: plan.authenticate(headers, query, method, path)))
        if plan.bodies:
            checks.append(("body", lambda: self._body(plan, method, path, headers, body, checked)))
        for rule, check in checks:
            try:
                check()
            except HttpProblem as exc:
                checked.violations += self._violations("request", op_id, exc, rule)
        return checked

    def _body(
        self,
        plan: Plan,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        checked: Checked,
    ) -> None:
        exchange = Exchange(path, method, body=body)
        exchange.content_type, exchange.charset = content_type_of(headers.get("content-type"))
        if not body and not plan.body_required:
            return
        try:
            checked.body = parsed_body(plan, exchange)
        finally:
            checked.violations += [
                Violation("request", checked.operation or "", w.code, w.where, w.message)
                for w in exchange.warnings or ()
            ]

    def response(self, operation_id: str, status: int, content_type: str, body: bytes) -> list[Violation]:
        """What is wrong with an answer to `operation_id`: its status or media type not in the
        spec, or its body not as the schema says."""
        return self.answer(operation_id, status, content_type, body).violations

    def answer(self, operation_id: str, status: int, content_type: str, body: bytes) -> Answered:
        """`response`, with the body as the spec reads it and the members its schema does not name
        (the body decoded once for all three)."""
        media_type = content_type.partition(";")[0].strip().lower()
        problems, value, check = checked_answer(
            self.routes.operations[operation_id], status, media_type, body, self._answers
        )
        rules = {"status": "status", "media-type": "answer-media-type"}
        violations = [
            Violation(
                "response",
                operation_id,
                rules.get(problem.field or "", "answer-body"),
                None if problem.field in rules else problem.field,
                problem.message,
            )
            for problem in problems
        ]
        members = [] if check is None or value is None else undocumented(check.schema, value)
        return Answered(violations, value, members)

    @staticmethod
    def _violations(side: Side, operation: str, exc: HttpProblem, rule: str | None = None) -> list[Violation]:
        """A refusal's violations, one per problem (each at its own place)."""
        rule = (_REQUEST_RULES.get(exc.status, rule) if exc.status != 400 else rule) or "request"
        problems = exc.problems or [Problem(f"refused with {exc.status}")]
        worded = [
            p.message if p.field is None or p.message.startswith(p.field) else f"{p.field}: {p.message}"
            for p in problems
        ]
        return [
            Violation(side, operation, rule, p.field, text) for p, text in zip(problems, worded, strict=True)
        ]


def undocumented(schema: Mapping[str, Any], value: Any, pointer: str = "") -> list[str]:
    """JSON pointers to the members of `value` that `schema` (resolved) names nowhere; an object
    whose schema names no members at all (a map) has none."""
    if isinstance(value, dict):
        named = _named_members(schema)
        if named is None:
            return []
        found: list[str] = []
        for key, item in value.items():
            where = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
            found += [where] if key not in named else undocumented(named[key], item, where)
        return found
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [
            w
            for i, item in enumerate(value[:100])
            for w in undocumented(schema["items"], item, f"{pointer}/{i}")
        ]
    return []


def _named_members(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """The members a schema names, its `allOf`/`anyOf`/`oneOf` parts' included; None when it
    names none or allows any by pattern or a map's schema."""
    if schema.get("patternProperties") or isinstance(schema.get("additionalProperties"), Mapping):
        return None
    named: dict[str, Any] = dict(schema.get("properties") or {})
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key) or ():
            more = _named_members(part) if isinstance(part, Mapping) else None
            named.update(more or {})
    return named or None
