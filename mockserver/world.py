"""The World: everything the fake knows, and the control actions over it.

It is the one owner of state: the store, clock, id streams and outbox (what providers are given, as
`Services`), the journal, the fault rules, the named snapshots, the tenants and the providers with
their handlers. The control plane (`mockserver.admin`) and the web pages are clients of the World;
`mockserver.app` only assembles the ASGI app around it.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver import resources
from mockserver.engine.dispatch import Exchange, request_headers
from mockserver.engine.faults import Faults
from mockserver.errors import DomainError, FixtureError
from mockserver.fixtures import FixtureDocument, FixtureSchema, read_document
from mockserver.providers.base import Provider, no_tick
from mockserver.registry import fixture_schema
from mockserver.settings import Settings
from mockserver.state.clock import Clock
from mockserver.state.delivery import OUTCOMES, Delivery, DeliveryChanges, Outcome, key, outcome_of, status_at
from mockserver.state.ids import IdGenerator
from mockserver.state.journal import MAX_BODY_BYTES, Journal, JournalEntry, bounded_headers
from mockserver.state.outbox import Outbox, OutboxMessage, OutboxQuery
from mockserver.state.snapshots import FileSnapshots, MemorySnapshots, Snapshots
from mockserver.state.statefile import StateFile
from mockserver.state.store import Store, bulk
from mockserver.version import __version__

logger = logging.getLogger("mockserver")

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

    def __init__(self, providers: Sequence[Provider], settings: Settings | None = None) -> None:
        """With `settings.state`, everything is kept in that SQLite file (see
        `mockserver.state.statefile`): a file holding a world is opened as it is, fixtures are
        applied only to a new file, or with `reset_state`. Raises FixtureError, or StateFileError
        when the file cannot be used."""
        self.settings = settings = settings or Settings()
        limits = settings.limits
        self.clock = Clock()
        self.store = Store()
        self.ids = IdGenerator(settings.seed, deterministic_secrets=settings.deterministic_secrets)
        self.outbox = Outbox(limits.outbox_limit)
        self.store.attach(self.ids)  # a failed request must not advance the id sequence either
        self.store.attach(self.outbox)  # nor deliver an SMS
        self.providers = {p.name: p for p in providers}
        self.handlers = {p.name: p.build_handlers(self) for p in providers}
        self.clock.on_move(self.catch_up)
        self.delivery_changes = DeliveryChanges()
        """Nudged when delivery statuses may have moved (the live inbox listens)."""
        self.clock.on_move(self.delivery_changes.changed)
        self.journal = Journal(limits.journal_limit, limits.journal_bytes)
        self.faults = Faults()
        self.fixture_schema = FixtureSchema(fixture_schema(providers))
        self.state_file: StateFile | None = None
        self.resumed = False
        """True when the state came from the state file, not from the fixtures."""
        if settings.state is not None:
            self.state_file, self.resumed = StateFile.open(
                settings.state,
                roots={"mockserver", *(_package_of(p) for p in providers)},
                version=__version__,
                reset=settings.reset_state,
                lock=self.store.lock,
            )
        try:
            self._kept = self._start(settings.fixtures)
        except BaseException:
            self.close()
            raise

    def _start(self, fixtures: Sequence[str | Path] | None) -> Snapshots:
        if self.state_file is not None and self.resumed:
            try:
                kept = FileSnapshots.load(self, self.state_file)
            except Exception as exc:  # a damaged page or record: refused, the file as it was
                raise self.state_file.refusal(exc) from exc
            self.state_file.claim()
            return self._bind(kept)
        paths = [resources.default_fixtures()] if fixtures is None else [fixture_path(f) for f in fixtures]
        documents = [read_document(p) for p in paths]
        self._refuse_if_invalid(documents)
        self._apply(documents)
        if self.state_file is not None:
            self.state_file.claim()
            return self._bind(FileSnapshots.write(self, self.state_file, BASELINE))
        kept = MemorySnapshots(self)
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
        self._refuse_if_invalid(documents)
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

    def _refuse_if_invalid(self, documents: Sequence[FixtureDocument]) -> None:
        """FixtureError when a document breaks the schema, listing in one pass the providers' own
        findings too (references, duplicates) in what they could still read; changes nothing."""
        lines = [line for document in documents for line in self.fixture_schema.lines(document)]
        if lines:
            self._apply(documents, lines)  # raises: the transaction is rolled back

    def _apply(self, documents: Sequence[FixtureDocument], schema_lines: Sequence[str] = ()) -> None:
        """Load the documents in one transaction; FixtureError (and nothing loaded) if any of them
        breaks a provider's rules. With `schema_lines` (the documents break the schema) a section
        the provider cannot read at all adds nothing: those lines say why."""
        lines = list(schema_lines)
        with bulk(), self.store.transaction() as tx:
            for document in documents:
                if not isinstance(document.data, dict):
                    continue  # not a fixture document at all: the schema's lines say so
                for name, section in document.data.items():
                    try:
                        self.providers[name].load_fixtures(tx, section, self)
                    except DomainError as exc:
                        lines.append(f"{document.source}: /{name}{exc.field or ''}: {exc.message}")
                    except Exception:
                        if not schema_lines:
                            raise  # data the schema accepts must never crash a provider
            if lines:
                raise FixtureError(lines)

    def mark_baseline(self) -> None:
        """The current state becomes what a reset goes back to."""
        self._kept.save(BASELINE)

    def reset(self) -> None:
        """Back to the baseline: state, outbox, journal, faults, clock."""
        with self._kept.atomic():
            self._kept.restore(BASELINE)
            self.clock.reset()
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

    def catch_up_with(self, provider: str) -> Callable[[], None] | None:
        """What `provider` does when time may have moved (what is now due, such as queued messages
        going out), as one call: made before each request to the provider or its pages, since real
        time passes too, and by `catch_up`; never by handlers themselves. None: the provider has
        nothing that falls due."""
        tick = self.providers[provider].tick
        return None if tick is no_tick else functools.partial(tick, self.handlers[provider])

    def catch_up(self) -> None:
        """The fake clock was moved: every provider does what is now due."""
        for name in self.providers:
            if (due := self.catch_up_with(name)) is not None:
                due()

    # -- deliveries -------------------------------------------------------------------------------
    def delivery_of(self, message: OutboxMessage) -> Delivery:
        """Where `message` stands now on the fake clock (see `mockserver.state.delivery`)."""
        outcome = outcome_of(self.store, message.provider, message.message_id, message.to)
        return status_at(outcome, message.sent_at, self.clock.now())

    def set_outcome(self, provider: str, message_id: str, to: str, outcome: Outcome) -> Delivery:
        """Decide how the SMS of `message_id` to `to` ends; LookupError when the outbox holds no
        such SMS (a provider whose SMS carry no message id cannot be steered)."""
        sent = OutboxQuery(provider=provider, to=to, message_id=message_id)
        found = [m for m in self.outbox.messages() if sent(m)]
        if not found:
            raise LookupError(f"The outbox holds no {provider} SMS of message {message_id} to {to}.")
        with self.store.transaction() as tx:
            tx.put(OUTCOMES, key(provider, message_id, to), outcome)
        self.delivery_changes.changed()
        return status_at(outcome, found[0].sent_at, self.clock.now())

    # -- tenants ----------------------------------------------------------------------------------
    def create_tenant(self) -> dict[str, Any]:
        """A tenant with fresh credentials in every provider, isolated from everyone else's."""
        with self.store.transaction() as tx:
            tenant_id = self.ids.alphanumeric("tenant", 10).lower()
            credentials: dict[str, Any] = {"id": tenant_id}
            owners = []
            for name, provider in self.providers.items():
                if provider.create_tenant is None:
                    continue  # no accounts to isolate: a tenant shares it with everyone
                credentials[name], owner = provider.create_tenant(tx, self, tenant_id)
                owners.append(owner)
            for owner in owners:
                tx.put(TENANTS, owner, TenantOwner(owner, tenant_id))
        return credentials

    def tenant_of(self, owner: str | None) -> str | None:
        """The tenant an owner key belongs to, if any."""
        if owner is None:
            return None
        with self.store.transaction() as tx:
            link: TenantOwner | None = tx.get(TENANTS, owner)
        return link.tenant if link is not None else None

    def has_tenants(self) -> bool:
        """Asked for every request journalled: a bare read, not a transaction."""
        return self.store.count(TENANTS) > 0

    def tenant_of_request(self, provider: str, headers: Mapping[str, str]) -> str | None:
        """The tenant whose credentials a request to `provider` carries (headers lower-cased)."""
        with self.store.transaction() as tx:
            return self.tenant_of(self.providers[provider].owner_of(tx, headers))

    # -- the journal ------------------------------------------------------------------------------
    def record(self, provider: str, scope: dict[str, Any], exchange: Exchange) -> None:
        """Journal a request `provider` answered (secrets are masked when the entry is read)."""
        tenant = None
        if self.has_tenants():
            tenant = self.tenant_of_request(provider, request_headers(scope))
        self.journal.record(
            JournalEntry(
                at=self.clock.now(),
                provider=provider,
                method=exchange.method,
                path=exchange.path,
                query=scope.get("query_string", b"").decode("latin-1"),
                status=exchange.status,
                duration_ms=round((time.perf_counter() - exchange.started) * 1000, 3),
                tenant=tenant,
                raw_headers=bounded_headers(tuple(scope["headers"])),
                raw_body=exchange.body[:MAX_BODY_BYTES],
                dropped=exchange.dropped,
                warnings=tuple(exchange.warnings or ()),
                **_answer(exchange),
            )
        )
        if exchange.warnings and self.settings.log_warnings:
            for warning in exchange.warnings:
                logger.warning(
                    "%s %s: client warning %s at %s: %s",
                    exchange.method,
                    exchange.path,
                    warning.code,
                    warning.where,
                    warning.message,
                )

    def describe(self) -> dict[str, list[str]]:
        with self.store.transaction() as tx:
            return {name: p.describe(tx) for name, p in self.providers.items()}


def _answer(exchange: Exchange) -> dict[str, Any]:
    """What was answered, bounded: the journal and the requests page show it, masked."""
    answer = exchange.answer
    if answer is None:
        return {}
    return {"answer_body": answer.body[:MAX_BODY_BYTES], "response_type": answer.media_type}


def _package_of(provider: Provider) -> str:
    """The top-level package of a provider's code: its records may be kept in a state file."""
    return provider.build_handlers.__module__.split(".")[0]


def fixture_path(value: str | Path) -> Path:
    """`default` names the bundled demo world; anything else is a file path."""
    return resources.default_fixtures() if str(value) == "default" else Path(value)
