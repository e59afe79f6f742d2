"""The provider registry: which providers a fake serves, found through entry points.

A provider is a `mockserver.providers.base.Provider` registered in the `mockserver.providers`
entry-point group (the two bundled ones register there too), or named on the command line as
`module:attr`. Everything provider-specific the rest of the fake needs (CLI choices, contract
credentials, URLs, tenants, the admin spec's enums, the fixture schema, banner lines, clock ticks,
owner keys) comes from here.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, distribution, entry_points
from typing import Any

from mockserver.providers.base import Provider

GROUP = "mockserver.providers"
BUNDLED = ("mockserver.providers.jframework:PROVIDER", "mockserver.providers.twosms:PROVIDER")
"""Used only when sms-mockserver runs from a source tree that was never installed (no entry points)."""
NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
RESERVED = frozenset({"__admin", "ui", "openapi.json"})


class ProviderError(Exception):
    """A provider cannot be registered; the message says which and why."""


def discover(extra: Iterable[str] = ()) -> tuple[Provider, ...]:
    """The registered providers (bundled first, then by name), plus `module:attr` ones in `extra`."""
    found: dict[str, Provider] = {}
    for reference in [*_registered(), *extra]:
        provider = load(reference)
        if provider.name in found:
            raise ProviderError(f"{reference}: a provider named {provider.name!r} is already registered")
        found[provider.name] = provider
    return tuple(found.values())


def _registered() -> list[str]:
    points = sorted(entry_points(group=GROUP), key=lambda p: (p.value not in BUNDLED, p.name))
    if not any(p.value in BUNDLED for p in points) and not _installed():
        return [*BUNDLED, *(p.value for p in points)]
    return [p.value for p in points]


def _installed() -> bool:
    try:
        distribution("sms-mockserver")
    except PackageNotFoundError:
        return False
    return True


def load(reference: str) -> Provider:
    """The Provider that `module:attr` names, checked (ProviderError when it is not one)."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ProviderError(f"{reference!r}: name a provider as module:attribute")
    try:
        value = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ProviderError(f"{reference}: cannot be loaded: {exc}") from None
    check(value, reference)
    return value


def check(value: Any, reference: str) -> None:
    """Every part a provider must have, present and usable; ProviderError naming what is missing."""
    if not isinstance(value, Provider):
        raise ProviderError(f"{reference}: is {type(value).__name__}, not a mockserver Provider")
    problems = []
    if not NAME.match(value.name) or value.name in RESERVED:
        problems.append(f"name {value.name!r} must be lower-case letters, digits and dashes")
    for part in ("spec", "fixture_schema"):
        path = getattr(value, part)
        if path is not None and not path.is_file():
            problems.append(f"{part} {path} is not a file")
    for part, field in Provider.__dataclass_fields__.items():
        optional = field.default is None
        given = getattr(value, part)
        if "Callable" in str(field.type) and not callable(given) and not (optional and given is None):
            problems.append(f"{part} is not callable")
    if problems:
        raise ProviderError(f"{reference} ({value.name}): " + "; ".join(problems))


def fixture_schema(providers: Sequence[Provider]) -> dict[str, Any]:
    """The fixture document's JSON Schema: one optional section per provider, each its own schema."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://github.com/sms-mockserver/sms-mockserver/fixtures/schema.json",
        "title": "sms-mockserver fixture document",
        "description": "One section per provider. Several documents may be loaded; later ones add to "
        "earlier ones, and an entry with an id seen before replaces it.",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            # Each section keeps its own `#/definitions/...`: an `$id` makes it a resource of its own.
            p.name: {"$id": f"urn:mockserver:fixtures:{p.name}", **_schema_of(p)}
            for p in providers
            if p.fixture_schema is not None  # it takes no fixtures: a section for it is refused
        },
    }


def _schema_of(provider: Provider) -> dict[str, Any]:
    assert provider.fixture_schema is not None
    schema = json.loads(provider.fixture_schema.read_text())
    schema.pop("$schema", None)
    return schema
