"""Which engine serves a spec, and where it is mounted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mockserver.engine.allowlist import unlisted
from mockserver.errors import SpecRefused

SHOWN_CONSTRUCTS = 3
"""How many of the constructs that keep a spec off the compiled engine the banner names."""


@dataclass(frozen=True, slots=True)
class EngineChoice:
    engine: str
    """`compiled` or `connexion`."""
    why: str

    def __str__(self) -> str:
        return f"{self.engine} ({self.why})"


def choose_engine(setting: str, spec: dict[str, Any], source: str | None = None) -> EngineChoice:
    """The engine for `spec` (as written) under `--engine setting`; SpecRefused under `compiled`
    for a spec that leaves the allow-list, naming every construct that does."""
    if setting == "connexion":
        return EngineChoice("connexion", "--engine connexion")
    constructs = [str(c) for c in unlisted(spec)]
    if not constructs:
        return EngineChoice("compiled", "every construct of its spec is on the allow-list")
    if setting == "compiled":
        raise SpecRefused(constructs, source)
    shown = "; ".join(constructs[:SHOWN_CONSTRUCTS])
    more = f" and {len(constructs) - SHOWN_CONSTRUCTS} more" if len(constructs) > SHOWN_CONSTRUCTS else ""
    return EngineChoice("connexion", f"off the compiled engine's allow-list: {shown}{more}")


def mount_path(spec: dict[str, Any], name: str) -> str:
    """Where a provider's API is served: its first server's path when that starts with `/<name>`
    (the bundled specs name the fake's mount there), else `/<name>` followed by that path (a spec
    whose server is `https://api.example.com/v1` is served at `/<name>/v1`). Server variables take
    their defaults."""
    server = (spec.get("servers") or [{}])[0]
    url = str(server.get("url", ""))
    for variable, defined in (server.get("variables") or {}).items():  # as Connexion reads them
        url = url.replace(f"{{{variable}}}", str(defined.get("default", "")))
    path = urlsplit(url).path.rstrip("/")
    mount = f"/{name}"
    if path == mount or path.startswith(f"{mount}/"):
        return path
    return mount + path
