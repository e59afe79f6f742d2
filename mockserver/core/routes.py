"""What the spec says about each route, read once at start-up: methods per path, media types."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str
    path: str
    consumes: tuple[str, ...]
    produces: tuple[str, ...]
    responses: dict[str, dict[str, dict]] = field(default_factory=dict)
    """status -> media type -> schema (refs resolved)."""

    def response_schema(self, status: int, media_type: str) -> dict:
        """The schema for `status`; for a status the spec does not declare (an injected fault),
        the operation's first schema in that media type, since a provider has one envelope."""
        by_media_type = self.responses.get(str(status)) or self.responses.get("default")
        if by_media_type and media_type in by_media_type:
            return by_media_type[media_type]
        return next((r[media_type] for r in self.responses.values() if media_type in r), {})


class RouteTable:
    """The operations of one mounted spec (refs resolved): 405 `Allow`, negotiation, rendering."""

    def __init__(self, spec: dict, base_path: str) -> None:
        self.base_path = base_path.rstrip("/")
        self.operations: dict[str, Operation] = {}
        self._paths: list[tuple[re.Pattern[str], list[str], bool]] = []
        for path, item in spec.get("paths", {}).items():
            methods = []
            for method in HTTP_METHODS:
                op = item.get(method)
                if op is None:
                    continue
                methods.append(method.upper())
                self.operations[op["operationId"]] = _operation(method, path, op)
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(self.base_path + path))
            self._paths.append((re.compile(f"^{pattern}$"), methods, "{" in path))

    def owns(self, path: str) -> bool:
        return path == self.base_path or path.startswith(self.base_path + "/")

    def allowed_methods(self, path: str) -> list[str]:
        """Methods the spec declares for `path`: a literal path wins over templates matching it
        (`/messages/replies` is not `/messages/{messageID}`), else the union of the templates."""
        matching = [
            (methods, templated) for pattern, methods, templated in self._paths if pattern.match(path)
        ]
        literal = [methods for methods, templated in matching if not templated]
        allowed: list[str] = []
        for methods in literal or [methods for methods, _ in matching]:
            allowed.extend(m for m in methods if m not in allowed)
        return allowed


def _operation(method: str, path: str, op: dict) -> Operation:
    consumes = tuple(op.get("requestBody", {}).get("content", {}))
    produces: list[str] = []
    responses: dict[str, dict[str, dict]] = {}
    for status, response in op.get("responses", {}).items():
        content = response.get("content", {})
        responses[str(status)] = {media_type: body.get("schema", {}) for media_type, body in content.items()}
        for media_type in content:
            if media_type not in produces:
                produces.append(media_type)
    return Operation(op["operationId"], method.upper(), path, consumes, tuple(produces), responses)
