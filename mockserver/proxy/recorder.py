"""`--record FILE`: the provider's state the traffic revealed, as a fixture file `mockserver serve
--fixtures FILE` loads. What each answered operation reveals is data, kept beside the spec
(`openapi/<provider>.proxy.yaml`, `record:`), in the runtime expressions its links use
(`expressions.py`).

A rule names operations (and statuses, 2xx by default) and what to `put` or `remove`:

    - operation: [get_sms_setting, update_sms_setting]
      for_each: $response.body#/data          # each element (an object is one element)
      put:
        - into: "brands[url=$request.header.Brand-URL].smsSettings"
          key: id                             # an item with the same key is merged into
          value: {id: $each#/id, name: $each#/name}

`into` walks the fixture section: `name` is a list in the object at hand, `[field=EXPR]` its item
whose `field` (a path: `clients/clientId` looks into a list) equals the expression. A put whose
item is not recorded yet waits for it, so the order of calls does not matter; one still waiting at
the end is dropped and said. Merging overwrites members and unions lists. A value that is MISSING is
left out, and so is a null member (the fixture's default stands). Secrets are written as their
placeholders (`secrets.py`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mockserver.proxy.expressions import MISSING, Seen, evaluate, is_expression

_SEGMENT = re.compile(r"^(?P<name>[A-Za-z_][\w]*)(?:\[(?P<field>[\w/]+)=(?P<expr>[^\]]+)\])?$")


class RuleError(ValueError):
    """A rules file that cannot be read as rules (named by rule and key)."""


@dataclass(frozen=True)
class Rule:
    operations: frozenset[str]
    statuses: frozenset[int] | None
    """None: any 2xx."""
    for_each: str | None
    for_each_key: str | None
    puts: tuple[Mapping[str, Any], ...]
    removes: tuple[Mapping[str, Any], ...]

    def applies(self, seen: Seen) -> bool:
        ok = 200 <= seen.status < 300 if self.statuses is None else seen.status in self.statuses
        return ok and seen.operation in self.operations


def load_rules(document: Mapping[str, Any], operations: Sequence[str]) -> list[Rule]:
    """The `record:` rules of a provider's proxy file, checked against its spec's operations."""
    rules = []
    for index, raw in enumerate(document.get("record") or ()):
        where = f"record[{index}]"
        names = raw.get("operation")
        names = [names] if isinstance(names, str) else list(names or ())
        unknown = [n for n in names if n not in operations]
        if not names or unknown:
            raise RuleError(f"{where}: operation must name the spec's operations, not {unknown or names}")
        statuses = raw.get("status")
        statuses = [statuses] if isinstance(statuses, int) else statuses
        for put in raw.get("put") or ():
            for part in segments(str(put.get("into", ""))):
                if not _SEGMENT.match(part.strip()):
                    raise RuleError(f"{where}: into {put.get('into')!r}: {part!r} is not a name[field=expr]")
        rules.append(
            Rule(
                frozenset(names),
                frozenset(statuses) if statuses else None,
                raw.get("for_each"),
                raw.get("for_each_key"),
                tuple(raw.get("put") or ()),
                tuple(raw.get("remove") or ()),
            )
        )
    return rules


class Recorder:
    """The fixture section being built, one exchange at a time."""

    def __init__(self, section: str, rules: Sequence[Rule]) -> None:
        self.section, self.rules = section, list(rules)
        self.state: dict[str, Any] = {}
        self._waiting: list[tuple[Mapping[str, Any], Seen]] = []
        self.dropped: list[str] = []

    def see(self, seen: Seen) -> None:
        for rule in self.rules:
            if not rule.applies(seen):
                continue
            for remove in rule.removes:
                self._remove(remove, seen)
            for each in _elements(rule, seen):
                at = replace(seen, each=each)
                for put in rule.puts:
                    if not self._put(put, at):
                        self._waiting.append((put, at))
            self._retry()

    def document(self) -> dict[str, Any]:
        """The fixture document: `{section: state}`; puts still waiting for their item are dropped."""
        self._retry()
        self.dropped = [
            f"{seen.operation}: nothing recorded for {put['into']}" for put, seen in self._waiting
        ]
        return {self.section: self.state}

    def _retry(self) -> None:
        progress = True
        while progress and self._waiting:
            waiting, self._waiting = self._waiting, []
            for put, seen in waiting:
                if not self._put(put, seen):
                    self._waiting.append((put, seen))
            progress = len(self._waiting) < len(waiting)

    def _put(self, put: Mapping[str, Any], seen: Seen) -> bool:
        """False when the item `into` names is not recorded (yet)."""
        value = template(put.get("value"), seen)
        if value is MISSING:
            return True  # nothing to record, nothing to wait for
        target = _walk(self.state, str(put["into"]), seen)
        if target is None:
            return False
        key = put.get("key")
        if key is None:  # a list of scalars: a set
            if value not in target:
                target.append(value)
            return True
        if not isinstance(value, dict) or value.get(key) in (MISSING, None):
            return True
        found = next((item for item in target if item.get(key) == value[key]), None)
        if found is None:
            target.append(value)
        else:
            _merge(found, value)
        return True

    def _remove(self, remove: Mapping[str, Any], seen: Seen) -> None:
        target = _walk(self.state, str(remove["from"]), seen)
        wanted = template(remove.get("equals"), seen)
        if target is not None and wanted is not MISSING:
            target[:] = [item for item in target if item.get(remove["key"]) != wanted]


def _elements(rule: Rule, seen: Seen) -> list[Any]:
    if rule.for_each_key:
        keys = evaluate(rule.for_each_key, seen)
        return list(keys) if isinstance(keys, Mapping) else []
    if rule.for_each is None:
        return [MISSING]
    found = evaluate(rule.for_each, seen)
    return found if isinstance(found, list) else [] if found is MISSING or found is None else [found]


def template(shape: Any, seen: Seen) -> Any:
    """A value template filled in: expressions evaluated, MISSING members and items left out;
    `{for_each: EXPR, value: T}` is a list of T per element, `{from: EXPR, map: {...}}` a lookup."""
    if is_expression(shape):
        return evaluate(shape, seen)
    if isinstance(shape, Mapping):
        if "for_each" in shape:
            found = evaluate(shape["for_each"], seen)
            items = found if isinstance(found, list) else []
            filled = [template(shape["value"], replace(seen, each=i)) for i in items]
            return [v for v in filled if v is not MISSING]
        if "from" in shape and "map" in shape:
            return shape["map"].get(evaluate(shape["from"], seen), MISSING)
        filled = {k: template(v, seen) for k, v in shape.items()}
        return {k: v for k, v in filled.items() if v is not MISSING and v is not None}
    if isinstance(shape, list):
        return [v for v in (template(item, seen) for item in shape) if v is not MISSING]
    return shape


def _walk(state: dict[str, Any], path: str, seen: Seen) -> list[Any] | None:
    """The list `path` names, made when its parent exists; None when an item it selects is not there."""
    current: Any = state
    for segment in segments(path):
        parts = _SEGMENT.match(segment.strip())
        assert parts is not None  # checked by load_rules
        items = current.setdefault(parts["name"], [])
        if parts["field"] is None:
            current = items
            continue
        wanted = evaluate(parts["expr"].strip(), seen)
        current = next((item for item in items if _has(item, parts["field"], wanted)), None)
        if current is None or wanted is MISSING:
            return None
    return current if isinstance(current, list) else None


def segments(path: str) -> list[str]:
    """`a[x=$request.header.B].c` → `a[x=$request.header.B]`, `c`: dots inside brackets stay."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(path):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "." and depth == 0:
            parts.append(path[start:index])
            start = index + 1
    return [*parts, path[start:]]


def _has(item: Any, field: str, wanted: Any) -> bool:
    """`item`'s `field` (a/b: b of any element of list a) equals `wanted`."""
    head, _, rest = field.partition("/")
    value = item.get(head, MISSING) if isinstance(item, dict) else MISSING
    if not rest:
        return value == wanted
    return isinstance(value, list) and any(_has(element, rest, wanted) for element in value)


def _merge(into: dict[str, Any], value: Mapping[str, Any]) -> None:
    for key, item in value.items():
        if isinstance(item, list) and isinstance(into.get(key), list):
            into[key] += [element for element in item if element not in into[key]]
        else:
            into[key] = item


def rules_beside(spec: Path) -> Path:
    """`openapi/jframework.yaml` → `openapi/jframework.proxy.yaml`."""
    return spec.with_name(f"{spec.stem}.proxy.yaml")
