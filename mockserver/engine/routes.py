"""What the spec says about each route, read once at start-up: matching (404, 405 with Allow),
methods, the media types an operation produces (negotiating them is `negotiation.py`'s job)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mockserver.engine.profile import PLAIN_OPENAPI, StackProfile
from mockserver.engine.xmlcodec import XmlCodec
from mockserver.errors import HttpProblem

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_TEMPLATE = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str
    path: str
    produces: tuple[str, ...]
    responses: dict[str, dict[str, dict]] = field(default_factory=dict)
    """status -> media type -> schema (refs resolved)."""
    definition: dict[str, Any] = field(default_factory=dict)
    """The operation object of the spec, refs resolved; path-level parameters merged in."""
    parameter_pointers: tuple[str, ...] = ()
    """Where each of `definition["parameters"]` is in the spec (a JSON pointer)."""
    xml: XmlCodec = field(default_factory=XmlCodec, compare=False, repr=False)
    """The XML codec of the spec it is in (its compiled schemas are shared by the spec's operations)."""

    @property
    def pointer(self) -> str:
        """This operation's JSON pointer in the spec."""
        return f"/paths/{escape_pointer(self.path)}/{self.method.lower()}"

    def response_schema(self, status: int, media_type: str) -> dict:
        """The schema for `status`; for a status the spec does not declare (an injected fault),
        the operation's first schema in that media type, since a provider has one envelope."""
        by_media_type = self.responses.get(str(status)) or self.responses.get("default")
        if by_media_type and media_type in by_media_type:
            return by_media_type[media_type]
        return next((r[media_type] for r in self.responses.values() if media_type in r), {})


@dataclass(frozen=True, slots=True)
class _Route:
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    """Path parameter names, in the order of the pattern's groups."""
    operations: dict[str, Operation]
    """method -> operation."""


class RouteTable:
    """The operations of one mounted spec (refs resolved): matching, `Allow`, and what the provider's
    stack profile adds to the spec (negotiation, body reading, XML conventions)."""

    def __init__(
        self,
        spec: dict,
        base_path: str,
        source: str | None = None,
        profile: StackProfile = PLAIN_OPENAPI,
    ) -> None:
        self.base_path = base_path.rstrip("/")
        self.spec = spec
        self.source = source
        """Where the spec came from (a file name), for messages."""
        self.profile = profile
        self.xml = XmlCodec(profile.xml)
        """XML for this spec's schemas, each compiled once for as long as the table lives."""
        self.operations: dict[str, Operation] = {}
        literal, templated = [], []
        for path, item in spec.get("paths", {}).items():
            by_method = {}
            for method in HTTP_METHODS:
                op = item.get(method)
                if op is not None:
                    operation = _operation(method, path, op, item.get("parameters", []), self.xml)
                    self.operations[operation.operation_id] = by_method[method.upper()] = operation
            names = tuple(_TEMPLATE.findall(path))
            kinds = _path_kinds(by_method.values())
            pattern = _TEMPLATE.sub(
                lambda m, kinds=kinds: f"({_SEGMENTS.get(kinds.get(m.group(1)), '[^/]+')})",
                re.escape(self.base_path + path).replace(r"\{", "{").replace(r"\}", "}"),
            )
            (templated if names else literal).append(_Route(re.compile(f"^{pattern}$"), names, by_method))
        # A literal path wins over a template that also matches it (`/messages/replies`).
        self._routes = literal + templated

    def resolve(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """The operation for a request and its path parameters; HttpProblem 404 or 405 if none."""
        matched = False
        for route in self._routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            matched = True
            operation = route.operations.get(method)
            if operation is None and method == "HEAD":  # RFC 9110: HEAD is GET without the body
                operation = route.operations.get("GET")
            if operation is not None:
                return operation, dict(zip(route.names, found.groups(), strict=True))
        if matched:
            allowed = ", ".join(self.allowed_methods(path))
            raise HttpProblem(
                405, "The method is not allowed for the requested URL.", headers={"Allow": allowed}
            )
        raise HttpProblem(404, "The requested URL was not found on this server.")

    def allowed_methods(self, path: str) -> list[str]:
        """Methods the spec declares for `path`: a literal path wins over templates matching it
        (`/messages/replies` is not `/messages/{messageID}`), else the union of the templates."""
        matching = [route for route in self._routes if route.pattern.match(path)]
        literal = [route for route in matching if not route.names]
        allowed: list[str] = []
        for route in literal or matching:
            allowed.extend(m for m in route.operations if m not in allowed)
        if "GET" in allowed and "HEAD" not in allowed:  # served as GET without the body
            allowed.insert(allowed.index("GET") + 1, "HEAD")
        return allowed


_SEGMENTS = {"integer": r"[+-]?[0-9]+", "number": r"[+-]?[0-9]*(?:\.[0-9]*)?"}
"""What a path segment must look like for a parameter of that type to match, as Connexion routes
it (its signed `int` and `float` convertors): `/items/abc` or `/items/1.5` is no route, a 404."""


def _path_kinds(operations: Any) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for operation in operations:
        for parameter in operation.definition.get("parameters", []):
            if parameter.get("in") == "path":
                kinds.setdefault(parameter["name"], parameter.get("schema", {}).get("type"))
    return kinds


def escape_pointer(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _operation(method: str, path: str, op: dict, path_parameters: list[dict], xml: XmlCodec) -> Operation:
    produces: list[str] = []
    responses: dict[str, dict[str, dict]] = {}
    for status, response in op.get("responses", {}).items():
        content = response.get("content", {})
        responses[str(status)] = {media_type: body.get("schema", {}) for media_type, body in content.items()}
        for media_type in content:
            if media_type not in produces:
                produces.append(media_type)
    own = {(p["name"], p["in"]) for p in op.get("parameters", [])}
    inherited = [(i, p) for i, p in enumerate(path_parameters) if (p["name"], p["in"]) not in own]
    definition = {**op, "parameters": [p for _, p in inherited] + op.get("parameters", [])}
    base = f"/paths/{escape_pointer(path)}"
    pointers = [f"{base}/parameters/{i}" for i, _ in inherited]
    pointers += [f"{base}/{method}/parameters/{i}" for i in range(len(op.get("parameters", [])))]
    return Operation(
        op["operationId"],
        method.upper(),
        path,
        tuple(produces),
        responses,
        definition,
        tuple(pointers),
        xml,
    )
