"""Everything stateful behind the providers, snapshotted and restored as one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.state.clock import Clock
from mockserver.state.ids import IdGenerator
from mockserver.state.outbox import Outbox
from mockserver.state.store import Store


@dataclass(frozen=True, slots=True)
class BackendSnapshot:
    tables: dict[str, dict[Any, Any]]
    ids: dict[str, object]
    outbox: list[Any]


@dataclass
class Backend:
    """Store, clock, ids and outbox of one running fake."""

    seed: int = 0
    deterministic_secrets: bool = False
    """Credentials from the seeded streams too (reproducible, predictable: for tests only)."""
    clock: Clock = field(default_factory=Clock)
    store: Store = field(default_factory=Store)
    outbox: Outbox = field(default_factory=Outbox)
    max_messages: int = 200_000
    """How many sent messages a provider keeps (the oldest go first): memory stays bounded."""
    public_url: str = "http://127.0.0.1:8080"
    """Where clients reach this fake; links in delivered SMS point here. Set once serving."""
    ids: IdGenerator = field(init=False)

    def __post_init__(self) -> None:
        self.ids = IdGenerator(self.seed, deterministic_secrets=self.deterministic_secrets)
        self.store.attach(self.ids)  # a failed request must not advance the id sequence either
        self.store.attach(self.outbox)  # nor deliver an SMS

    def snapshot(self) -> BackendSnapshot:
        return BackendSnapshot(self.store.snapshot(), self.ids.state(), self.outbox.snapshot())

    def restore(self, snapshot: BackendSnapshot) -> None:
        self.store.restore(snapshot.tables)
        self.ids.restore(snapshot.ids)
        self.outbox.restore(snapshot.outbox)
