"""Reading a spec: as written (for Swagger UI), and with its refs resolved (for the engine)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from mockserver import resources
from mockserver.engine.profile import PLAIN_OPENAPI, StackProfile
from mockserver.engine.routes import RouteTable

with warnings.catch_warnings():
    # Connexion 3.3 imports names jsonschema has deprecated (RefResolver): not ours to fix, and not
    # for our users to see in their own test runs.
    warnings.simplefilter("ignore", DeprecationWarning)
    from connexion.json_schema import resolve_refs


def load_spec(spec: str | Path) -> tuple[dict[str, Any], Path]:
    """A spec as written (refs not resolved), and its file. A bare file name is a bundled spec
    (`openapi/`)."""
    path = Path(spec) if Path(spec).is_absolute() else resources.data_path("openapi", str(spec))
    return resources.load_yaml(path.read_bytes()), path


def route_table(
    spec: str | Path,
    base_path: str,
    loaded: tuple[dict[str, Any], Path] | None = None,
    profile: StackProfile = PLAIN_OPENAPI,
) -> RouteTable:
    """What a spec (or the spec `load_spec` gave) says per route, refs resolved, as served by a
    stack with `profile`."""
    written, path = loaded or load_spec(spec)
    return RouteTable(resolve_refs(written), base_path, source=str(path), profile=profile)


def resolved(spec: dict[str, Any]) -> dict[str, Any]:
    """A spec with its refs resolved, as Connexion resolves them."""
    return resolve_refs(spec)
