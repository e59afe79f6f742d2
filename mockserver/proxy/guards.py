"""SMS guards: what a proxy in front of a real provider refuses to forward, so a test run sends no
SMS it should not.

`--read-only` forwards only safe methods, and what the proxy file's `read_only_allows` lists (the
token request, which changes no data). `--allow-recipient GLOB` forwards a send only when every
number it goes to matches one of the globs. Where each operation names its recipients is in the
provider's proxy file (`openapi/<provider>.proxy.yaml`, `recipients:`). A send naming contacts or
groups, whose numbers the proxy cannot see, or whose body it cannot read, is refused: the guard
fails closed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from mockserver.proxy.checker import Checked
from mockserver.proxy.expressions import MISSING, Seen, evaluate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
KINDS = ("number", "keys", "opaque")


@dataclass(frozen=True)
class Place:
    at: str
    kind: str
    """`number` (the value is a number), `keys` (an object keyed by numbers), `opaque` (names
    contacts or groups whose numbers the proxy cannot see)."""


def load_places(document: Mapping[str, Any], operations: Sequence[str]) -> dict[str, tuple[Place, ...]]:
    places = {}
    for operation, entries in (document.get("recipients") or {}).items():
        if operation not in operations:
            raise ValueError(f"recipients: {operation!r} is not an operation of the spec")
        for entry in entries:
            if entry.get("as") not in KINDS or not str(entry.get("at", "")).startswith("$request."):
                raise ValueError(f"recipients.{operation}: {entry} needs at: $request... and as: {KINDS}")
        places[operation] = tuple(Place(e["at"], e["as"]) for e in entries)
    return places


@dataclass(frozen=True)
class SmsGuard:
    allowed: tuple[str, ...] = ()
    read_only: bool = False
    places: Mapping[str, tuple[Place, ...]] | None = None
    also_safe: frozenset[str] = frozenset()
    """Operations that change no data though their method is not safe (a token request), forwarded
    under `--read-only` too: the proxy file's `read_only_allows`."""

    def refusal(self, method: str, path: str, checked: Checked) -> str | None:
        """Why the request must not be forwarded, or None."""
        if self.read_only and method not in SAFE_METHODS and checked.operation not in self.also_safe:
            return f"--read-only: the proxy forwards only {', '.join(sorted(SAFE_METHODS))} requests"
        if not self.allowed or checked.operation not in (self.places or {}):
            return None
        if checked.body is None:
            return "--allow-recipient: the proxy cannot read this send's recipients (its body is invalid)"
        seen = Seen(
            method, path, 0, checked.operation or "", {}, {}, checked.path_params, checked.body, {}, None
        )
        for place in (self.places or {})[checked.operation or ""]:
            value = evaluate(place.at, seen)
            if value in (MISSING, None, "", [], {}):
                continue
            if place.kind == "opaque":
                where = place.at.partition("#")[2] or "the body"
                return (
                    f"--allow-recipient: {where} names contacts or groups, whose numbers the proxy cannot see"
                )
            numbers = list(value) if place.kind == "keys" and isinstance(value, Mapping) else [value]
            for number in map(str, numbers):
                if not any(fnmatchcase(number, glob) for glob in self.allowed):
                    return f"--allow-recipient: {number} matches none of {', '.join(self.allowed)}"
        return None
