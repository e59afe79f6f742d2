"""One typed Settings for a running fake: built once (by the CLI, `MockServer` or the pytest plugin)
and handed down whole; nothing below changes it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_MAX_BODY = 1024 * 1024
DEFAULT_JOURNAL_BYTES = 8 * 1024 * 1024
ENGINES = ("auto", "compiled", "connexion")
"""Who serves a provider's spec: `compiled` (the engine compiled from the spec, refusing a spec
that leaves its allow-list), `connexion` (Connexion 3's own pipeline), `auto` (compiled when the
spec stays on the allow-list, else Connexion). See engine/allowlist.py."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How much the fake accepts and keeps: memory and time stay bounded whatever clients send."""

    max_body: int = DEFAULT_MAX_BODY
    """Request bodies past this many bytes are a 413."""
    max_header_bytes: int = 64 * 1024
    """A request whose request line and headers pass this is answered 431 and closed."""
    header_timeout: float = 10.0
    """Seconds a client has, from connecting or finishing a response, to send a request's headers."""
    body_timeout: float = 30.0
    """Seconds a client has, from the end of a request's headers, to send its body (a 1 MiB body
    needs 35 KB/s); past it, a 408. At most half of `max_connections` may be sending one slowly."""
    max_connections: int = 1000
    """Open connections and requests in flight beyond this are answered 503 (uvicorn's limit)."""
    journal_limit: int = 10_000
    """Requests kept in the journal."""
    journal_bytes: int = DEFAULT_JOURNAL_BYTES
    """Memory the journal may use; the oldest entries go first."""
    max_messages: int = 200_000
    """Sent messages a provider keeps; the oldest go first."""
    outbox_limit: int = 10_000
    """SMS the outbox keeps."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a fake is started with."""

    host: str = "127.0.0.1"
    port: int = 0
    """0: the OS picks a free port when the server binds."""
    public_url: str = "http://127.0.0.1:8080"
    """Where clients reach this fake; links in delivered SMS point here (see `with_address`)."""
    fixtures: tuple[str | Path, ...] | None = None
    """Fixture files the world starts from (None: the bundled demo world; `default` names it)."""
    seed: int = 0
    """Seed of generated ids."""
    deterministic_secrets: bool = False
    """Credentials from the seeded streams too: reproducible, predictable by anyone (tests only)."""
    strict: bool = False
    """Forgive nothing a provider's real stack would forgive (see engine/binding.py)."""
    validate_responses: bool = True
    """Check every answer against its declared status, media type and schema (a 500 if not)."""
    log_warnings: bool = False
    """Log each request's client warnings (with the access log)."""
    admin_token: str | None = None
    """Required by the control plane and the web pages when set (see guard.py)."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names the control plane and web pages answer to besides IP addresses and localhost."""
    state: Path | None = None
    """The SQLite file the state is kept in (None: memory only)."""
    reset_state: bool = False
    """Empty the state file and start it afresh from the fixtures."""
    engine: str = "auto"
    """One of ENGINES."""
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}: one of {', '.join(ENGINES)}")

    @classmethod
    def of(cls, fixtures: Sequence[str | Path] | None = None, **options: Any) -> Settings:
        """Settings from keyword options, as `create_app` and `MockServer` take them: the fields
        above, and the limits' fields by their own names."""
        limit_names = {f.name for f in dataclasses.fields(Limits)}
        limits = {k: options.pop(k) for k in list(options) if k in limit_names}
        unknown = set(options) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        if "state" in options and options["state"] is not None:
            options["state"] = Path(options["state"])
        if "allowed_hosts" in options:
            options["allowed_hosts"] = tuple(options["allowed_hosts"])
        base = options.pop("limits", Limits())
        return cls(
            fixtures=None if fixtures is None else tuple(fixtures),
            limits=dataclasses.replace(base, **limits),
            **options,
        )

    def with_address(self, host: str, port: int, scheme: str = "http") -> Settings:
        """These settings for a server bound to `host:port`: the public URL names that address."""
        shown = f"[{host}]" if ":" in host else host
        return dataclasses.replace(self, host=host, port=port, public_url=f"{scheme}://{shown}:{port}")
