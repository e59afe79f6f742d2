"""The World: everything the fake knows, and the control actions over it.

It owns the backend (store, clock, ids, outbox), the journal, the fault rules, the named snapshots,
the tenants and the providers with their handlers. The control plane (`mockserver.admin`) is a client
of the World; `mockserver.app` only assembles the ASGI app around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver import resources
from mockserver.engine.faults import Faults
from mockserver.errors import DomainError, FixtureError
from mockserver.fixtures import FixtureDocument, FixtureSchema, read_document
from mockserver.providers.base import Provider
from mockserver.registry import fixture_schema
from mockserver.state.backend import Backend
from mockserver.state.journal import DEFAULT_MAX_BYTES, Journal
from mockserver.state.outbox import Outbox
from mockserver.state.snapshots import FileSnapshots, MemorySnapshots, Snapshots
from mockserver.state.statefile import StateFile
from mockserver.state.store import bulk
from mockserver.version import __version__

MAX_SNAPSHOTS = 50
BASELINE = "baseline"
USER = "user:"
"""Users' snapshot names are kept under this prefix: they can never clash with the baseline."""
TENANTS = "admin.tenants"
"""owner key (as a provider's `owner_of` names it) -> tenant id."""


class SnapshotLimit(Exception):
    """No room for another named snapshot."""


@dataclass(frozen=True, slots=True)
class TenantOwner:
    """Credentials' owner created for a tenant."""

    owner: str
    tenant: str


class World:
    """The providers' state and everything around it, for one running fake."""

    def __init__(
        self,
        providers: Sequence[Provider],
        fixtures: Sequence[str | Path] | None = None,
        *,
        seed: int = 0,
        journal_limit: int = 10_000,
        deterministic_secrets: bool = False,
        journal_bytes: int = DEFAULT_MAX_BYTES,
        max_messages: int = 200_000,
        outbox_limit: int = 10_000,
        state: str | Path | None = None,
        reset_state: bool = False,
    ) -> None:
        """`state` keeps everything in that SQLite file (see `mockserver.state.statefile`): a file
        holding a world is opened as it is, fixtures are applied only to a new file, or with
        `reset_state`. Raises FixtureError, or StateFileError when the file cannot be used."""
        self.backend = Backend(
            seed=seed,
            deterministic_secrets=deterministic_secrets,
            outbox=Outbox(outbox_limit),
            max_messages=max_messages,
        )
        self.providers = {p.name: p for p in providers}
        self.handlers = {p.name: p.build_handlers(self.backend) for p in providers}
        self.journal = Journal(journal_limit, journal_bytes)
        self.faults = Faults()
        self.fixture_schema = FixtureSchema(fixture_schema(providers))
        self.state_file: StateFile | None = None
        self.resumed = False
        """True when the state came from the state file, not from the fixtures."""
        if state is not None:
            self.state_file, self.resumed = StateFile.open(
                state,
                roots={"mockserver", *(_package_of(p) for p in providers)},
                version=__version__,
                reset=reset_state,
                lock=self.backend.store.lock,
            )
        try:
            self._kept = self._start(fixtures)
        except BaseException:
            self.close()
            raise

    def _start(self, fixtures: Sequence[str | Path] | None) -> Snapshots:
        if self.state_file is not None and self.resumed:
            return self._bind(FileSnapshots.load(self.backend, self.state_file))
        paths = [resources.default_fixtures()] if fixtures is None else [fixture_path(f) for f in fixtures]
        documents = [read_document(p) for p in paths]
        self.fixture_schema.check(documents)
        self._apply(documents)
        if self.state_file is not None:
            return self._bind(FileSnapshots.write(self.backend, self.state_file, BASELINE))
        kept = MemorySnapshots(self.backend)
        kept.save(BASELINE)
        return kept

    @staticmethod
    def _bind(kept: FileSnapshots) -> FileSnapshots:
        kept.bind()
        return kept

    def close(self) -> None:
        """Release the state file (if any); the World must not be used afterwards."""
        kept: Snapshots | None = getattr(self, "_kept", None)
        if kept is not None:
            kept.close()
        elif self.state_file is not None:  # start-up failed before the state was kept
            self.state_file.close()

    @property
    def snapshots(self) -> list[str]:
        """Names of the snapshots users took."""
        return [name.removeprefix(USER) for name in self._kept.names() if name.startswith(USER)]

    # -- fixtures and the baseline ----------------------------------------------------------------
    def load(self, documents: Sequence[FixtureDocument], *, into_baseline: bool = False) -> None:
        """Add fixture documents to the current state, all or nothing (FixtureError loads none).

        With `into_baseline` they are added to the baseline as well, so a reset keeps them (and
        undoes everything else done since the last reset); otherwise a reset undoes them too."""
        self.fixture_schema.check(documents)
        if not into_baseline:
            with self._kept.atomic():
                self._apply(documents)
            return
        with self._kept.atomic():
            self._kept.save("load:before")
            try:
                self._apply(documents)
                self._kept.save("load:after")
                self._kept.restore(BASELINE)
                self._apply(documents)
                self._kept.save(BASELINE)
                self._kept.restore("load:after")
            except FixtureError:
                self._kept.restore("load:before")
                raise
            finally:
                for name in ("load:before", "load:after"):
                    if name in self._kept.names():
                        self._kept.delete(name)

    def _apply(self, documents: Sequence[FixtureDocument]) -> None:
        lines = []
        with bulk(), self.backend.store.transaction() as tx:
            for document in documents:
                for name, section in document.data.items():
                    try:
                        self.providers[name].load_fixtures(tx, section, self.backend)
                    except DomainError as exc:
                        lines.append(f"{document.source}: /{name}{exc.field or ''}: {exc.message}")
            if lines:
                raise FixtureError(lines)

    def mark_baseline(self) -> None:
        """The current state becomes what a reset goes back to."""
        self._kept.save(BASELINE)

    def reset(self) -> None:
        """Back to the baseline: state, outbox, journal, faults, clock."""
        with self._kept.atomic():
            self._kept.restore(BASELINE)
            self.backend.clock.reset()
        self.journal.clear()
        self.faults.clear()

    # -- snapshots and the clock ------------------------------------------------------------------
    def snapshot(self, name: str) -> None:
        """Keep the state under `name` (replacing one of that name); SnapshotLimit when
        MAX_SNAPSHOTS are kept already (each holds a copy of the world's tables)."""
        taken = self.snapshots
        if name not in taken and len(taken) >= MAX_SNAPSHOTS:
            raise SnapshotLimit(f"{MAX_SNAPSHOTS} snapshots are kept already: delete one first.")
        self._kept.save(USER + name)

    def delete_snapshot(self, name: str) -> None:
        """KeyError if there is none by that name."""
        self._kept.delete(USER + name)

    def restore(self, name: str) -> None:
        """Back to a named snapshot; KeyError if there is none by that name."""
        with self._kept.atomic():
            self._kept.restore(USER + name)

    def tick(self) -> None:
        """The fake clock moved: let every provider react (queued messages go out)."""
        for name, provider in self.providers.items():
            provider.tick(self.handlers[name])

    # -- tenants ----------------------------------------------------------------------------------
    def create_tenant(self) -> dict[str, Any]:
        """A tenant with fresh credentials in every provider, isolated from everyone else's."""
        with self.backend.store.transaction() as tx:
            tenant_id = self.backend.ids.alphanumeric("tenant", 10).lower()
            credentials: dict[str, Any] = {"id": tenant_id}
            owners = []
            for name, provider in self.providers.items():
                credentials[name], owner = provider.create_tenant(tx, self.backend, tenant_id)
                owners.append(owner)
            for owner in owners:
                tx.put(TENANTS, owner, TenantOwner(owner, tenant_id))
        return credentials

    def tenant_of(self, owner: str | None) -> str | None:
        """The tenant an owner key belongs to, if any."""
        if owner is None:
            return None
        with self.backend.store.transaction() as tx:
            link: TenantOwner | None = tx.get(TENANTS, owner)
        return link.tenant if link is not None else None

    def has_tenants(self) -> bool:
        """Asked for every request journalled: a bare read, not a transaction."""
        return self.backend.store.count(TENANTS) > 0

    def tenant_of_request(self, provider: str, headers: Mapping[str, str]) -> str | None:
        """The tenant whose credentials a request to `provider` carries (headers lower-cased)."""
        with self.backend.store.transaction() as tx:
            return self.tenant_of(self.providers[provider].owner_of(tx, headers))

    def describe(self) -> dict[str, list[str]]:
        with self.backend.store.transaction() as tx:
            return {name: p.describe(tx) for name, p in self.providers.items()}


def _package_of(provider: Provider) -> str:
    """The top-level package of a provider's code: its records may be kept in a state file."""
    return provider.build_handlers.__module__.split(".")[0]


def fixture_path(value: str | Path) -> Path:
    """`default` names the bundled demo world; anything else is a file path."""
    return resources.default_fixtures() if str(value) == "default" else Path(value)
