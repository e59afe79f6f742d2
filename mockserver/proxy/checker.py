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

from mockserver.engine.dispatch import Exchange, content_type_of, parsed_body, response_problems
from mockserver.engine.plan import Plan, compile_plan
from mockserver.engine.specs import load_spec, route_table
from mockserver.engine.validation import SchemaCheck
from mockserver.errors import HttpProblem
from mockserver.providers.base import Provider

Side = Literal["request", "response"]


@dataclass(frozen=True, slots=True)
class Violation:
    side: Side
    operation: str
    """The operationId; `METHOD path` when no operation of the spec matches."""
    rule: str
    """`route`, `security`, `parameters`, `media-type`, `body`, `status`, `answer-media-type`,
    `answer-body`, or a client warning's code (what the provider's stack would forgive)."""
    where: str | None
    """A JSON pointer or XML path into the body, `query:name`, `header:Name`, or None."""
    message: str


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
        try:
            operation, path_params = self.routes.resolve(method, path)
        except HttpProblem as exc:
            return None, [self._violation("request", f"{method} {path}", exc)]
        plan, op_id = self.plans[operation.operation_id], operation.operation_id
        found: list[Violation] = []
        checks = [("parameters", lambda: plan.parameters(path_params, query, headers))]
        if plan.security:
            checks.insert(0, ("security", lambda: plan.authenticate(headers, query, method, path)))
        if plan.bodies:
            checks.append(("body", lambda: self._body(plan, method, path, headers, body, op_id, found)))
        for rule, check in checks:
            try:
                check()
            except HttpProblem as exc:
                found.append(self._violation("request", op_id, exc, rule))
        return op_id, found

    def _body(
        self,
        plan: Plan,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        op_id: str,
        found: list[Violation],
    ) -> None:
        exchange = Exchange(path, method, body=body)
        exchange.content_type, exchange.charset = content_type_of(headers.get("content-type"))
        if not body and not plan.body_required:
            return
        try:
            parsed_body(plan, exchange)
        finally:
            found += [
                Violation("request", op_id, w.code, w.where, w.message) for w in exchange.warnings or ()
            ]

    def response(self, operation_id: str, status: int, content_type: str, body: bytes) -> list[Violation]:
        """What is wrong with an answer to `operation_id`: its status or media type not in the
        spec, or its body not as the schema says."""
        operation = self.routes.operations[operation_id]
        media_type = content_type.partition(";")[0].strip().lower()
        rules = {"status": "status", "media-type": "answer-media-type"}
        return [
            Violation(
                "response",
                operation_id,
                rules.get(problem.field or "", "answer-body"),
                None if problem.field in rules else problem.field,
                problem.message,
            )
            for problem in response_problems(operation, status, media_type, body, self._answers)
        ]

    @staticmethod
    def _violation(side: Side, operation: str, exc: HttpProblem, rule: str | None = None) -> Violation:
        """One violation for a refusal (InvalidInput lists each problem in its message)."""
        problems = exc.problems
        message = "; ".join(p.message if p.field is None else f"{p.field}: {p.message}" for p in problems)
        rule = _REQUEST_RULES.get(exc.status, rule) if exc.status != 400 else rule
        return Violation(side, operation, rule or "request", problems[0].field if problems else None, message)
