"""Fault rules: make matching provider requests fail, slow down or drop, on purpose."""

from __future__ import annotations

import fnmatch
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class FaultRule:
    """What to match (all given conditions) and what to do (status, delay, drop)."""

    id: str
    provider: str | None = None
    operation_id: str | None = None
    method: str | None = None
    path: str | None = None
    header: Mapping[str, str] = field(default_factory=dict)
    body_field: Mapping[str, Any] = field(default_factory=dict)
    status: int | None = None
    message: str | None = None
    delay_ms: int = 0
    drop: bool = False
    drop_after: bool = False
    """Drop the connection after the operation ran (it took effect; the client never hears)."""
    times: int | None = None
    probability: float = 1.0
    seed: int | None = None
    applied: int = 0

    def matches(
        self,
        provider: str,
        operation_id: str,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: Any,
    ) -> bool:
        if self.provider is not None and self.provider != provider:
            return False
        if self.operation_id is not None and self.operation_id != operation_id:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        if self.path is not None and not fnmatch.fnmatchcase(path, self.path):
            return False
        if any(headers.get(name.lower()) != value for name, value in self.header.items()):
            return False
        if self.body_field:
            if not isinstance(body, dict):
                return False
            return all(body.get(name) == value for name, value in self.body_field.items())
        return True


class Faults:
    """The active rules, in the order added; the first that matches (and fires) applies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._random: dict[str, random.Random] = {}

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
            self._random[rule.id] = random.Random(rule.seed)
        return rule

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def remove(self, rule_id: str) -> bool:
        """Drop one rule; False if there is none with that id."""
        with self._lock:
            kept = [r for r in self._rules if r.id != rule_id]
            removed = len(kept) != len(self._rules)
            self._rules[:] = kept
            self._random.pop(rule_id, None)
            return removed

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._random.clear()

    def __bool__(self) -> bool:
        return bool(self._rules)

    def pick(self, **request: Any) -> FaultRule | None:
        """The rule to apply to this request, counted as applied; None to serve it normally."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if not rule.matches(**request):
                    continue
                if rule.probability < 1.0 and self._random[rule.id].random() >= rule.probability:
                    continue
                used = replace(rule, applied=rule.applied + 1)
                if rule.times is not None and used.applied >= rule.times:
                    del self._rules[index]  # spent
                else:
                    self._rules[index] = used
                return used
        return None
