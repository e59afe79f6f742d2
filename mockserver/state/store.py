"""In-memory, transactional state shared by every provider.

Tables are plain dicts of immutable records (frozen dataclasses), so a snapshot is a shallow copy
of each table and costs microseconds even with many thousands of rows. Writes go through a
transaction that keeps an undo log: if anything inside it raises, every write is rolled back,
so a request that fails changes nothing. One re-entrant lock serialises transactions, which makes
the store safe under concurrent requests from the event loop and from other threads alike.
"""

from __future__ import annotations

import dataclasses
import gc
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

MISSING: Any = object()
"""In a change set: the key is gone."""

Changes = dict[tuple[str, Any], Any]
"""(table, key) -> the record now there, or MISSING: what a transaction or a restore changed."""
CommitHook = Callable[["Transaction"], None]
R = TypeVar("R")

_INIT_FIELDS: dict[type, tuple[str, ...]] = {}


def evolve(record: R, **changes: Any) -> R:
    """A copy of a record with `changes`: `dataclasses.replace` for the store's records (no
    init-only fields), a third cheaper, as requests copy a record or two each."""
    cls = type(record)
    names = _INIT_FIELDS.get(cls)
    if names is None:
        names = _INIT_FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.init)  # type: ignore[arg-type]
    for name in names:
        if name not in changes:
            changes[name] = getattr(record, name)
    return cls(**changes)


@contextmanager
def bulk() -> Iterator[None]:
    """Around building or writing many records at once (fixtures, a state file): the cyclic
    collector paused, as it would otherwise rescan every new record again and again (a fifth of
    the start-up with 100,000 stored messages, measured)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Participant(Protocol):
    """State outside the tables that a transaction must also roll back (id sequences) or hold back
    until it commits (deliveries to the outbox).

    `begin` marks a transaction's start (cheap: nothing is copied until the participant changes),
    `rollback` undoes what changed since, `commit` makes it final (after the commit hook).
    """

    def begin(self) -> None: ...

    def rollback(self) -> None: ...

    def commit(self) -> None: ...


Snapshot = dict[str, dict[Any, Any]]


class Transaction:
    """Reads and writes against the store, undone as a whole if the transaction fails."""

    def __init__(self, tables: dict[str, dict[Any, Any]]) -> None:
        self._tables = tables
        self._undo: list[tuple[str, Any, Any]] = []
        self._created: list[str] = []

    def _table(self, name: str) -> dict[Any, Any]:
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = {}
            self._created.append(name)
        return table

    def get(self, table: str, key: Any, default: Any = None) -> Any:
        return self._tables.get(table, {}).get(key, default)

    def rows(self, table: str) -> list[Any]:
        """Every record of `table`, in insertion order."""
        return list(self._tables.get(table, {}).values())

    def oldest(self, table: str) -> Any:
        """The record put first (and still there) in `table`, or None: tables keep insertion order."""
        rows = self._tables.get(table)
        return next(iter(rows.values())) if rows else None

    def count(self, table: str) -> int:
        return len(self._tables.get(table, {}))

    def put(self, table: str, key: Any, record: Any) -> None:
        rows = self._table(table)
        self._undo.append((table, key, rows.get(key, MISSING)))
        rows[key] = record

    def delete(self, table: str, key: Any) -> None:
        rows = self._table(table)
        if key in rows:
            self._undo.append((table, key, rows.pop(key)))

    def changes(self) -> tuple[Changes, list[tuple[str, Any]]]:
        """Each (table, key) this transaction changed, with its record now (MISSING if deleted), and
        the keys it (re)inserted, in the order they now sit at the end of their tables. A key put
        back as it was (the same record, or an equal string in an index) is no change."""
        tables = self._tables
        changes: Changes = {}
        before: dict[tuple[str, Any], Any] = {}
        appended: dict[tuple[str, Any], None] = {}
        for table, key, previous in self._undo:
            at = (table, key)
            before.setdefault(at, previous)
            changes[at] = tables[table].get(key, MISSING)
            if previous is MISSING:  # absent then: this put appended the key
                appended.pop(at, None)
                appended[at] = None
        for at, record in list(changes.items()):
            was = before[at]
            if at not in appended and (record is was or (type(record) is str and record == was)):
                del changes[at]
        return changes, [at for at in appended if changes[at] is not MISSING]

    def _rollback(self) -> None:
        for table, key, previous in reversed(self._undo):
            rows = self._tables[table]
            if previous is MISSING:
                rows.pop(key, None)
            else:
                rows[key] = previous
        self._undo.clear()
        for name in self._created:  # a table this transaction created is gone with it
            if not self._tables.get(name, True):
                del self._tables[name]
        self._created.clear()


class _Scope:
    """The `with` block of a transaction: a class, not a generator, as requests open several."""

    __slots__ = ("_joined", "_store", "_tx")

    def __init__(self, store: Store) -> None:
        self._store = store

    def __enter__(self) -> Transaction:
        store = self._store
        store._lock.acquire()
        active = store._active
        self._joined = active is not None
        if active is not None:
            return active
        tx = self._tx = store._active = Transaction(store._tables)
        for participant in store._participants:
            participant.begin()
        return tx

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        store = self._store
        try:
            if not self._joined:
                if kind is not None:
                    self._rollback(store)
                    return
                if store.on_commit is not None:
                    try:
                        store.on_commit(self._tx)
                    except BaseException:
                        self._rollback(store)  # not durable, so not done
                        raise
                store._active = None
                for participant in store._participants:
                    participant.commit()
        finally:
            store._lock.release()

    def _rollback(self, store: Store) -> None:
        self._tx._rollback()
        for participant in store._participants:
            participant.rollback()
        store._active = None


class Store:
    """Named tables of immutable records with transactions, snapshots and restore."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[Any, Any]] = {}
        self._lock = threading.RLock()
        self._active: Transaction | None = None
        self._participants: list[Participant] = []
        self.on_commit: CommitHook | None = None
        """Called with each transaction as it ends (under the lock, before the participants
        commit; `Transaction.changes()` says what it wrote); if it raises, the transaction is
        rolled back. A state file makes each commit durable here."""

    @property
    def lock(self) -> threading.RLock:
        """The lock transactions hold: whatever must stay in step with the tables takes it too."""
        return self._lock

    def attach(self, participant: Participant) -> None:
        self._participants.append(participant)

    def transaction(self) -> _Scope:
        """A unit of work (`with store.transaction() as tx:`); a nested one joins the enclosing one."""
        return _Scope(self)

    def count(self, table: str) -> int:
        """Rows in `table` now; a read outside any transaction (cheap: no participant is told)."""
        with self._lock:
            return len(self._tables.get(table, ()))

    def get(self, table: str, key: Any, default: Any = None) -> Any:
        """One row now, as `Transaction.get` reads it; a read outside any transaction, as `count`
        (no participant is told)."""
        with self._lock:
            return self._tables.get(table, {}).get(key, default)

    def snapshot(self) -> Snapshot:
        with self._lock:
            return {name: dict(rows) for name, rows in self._tables.items()}

    def restore(self, snapshot: Snapshot) -> None:
        with self._lock:
            self._tables.clear()
            self._tables.update({name: dict(rows) for name, rows in snapshot.items()})

    def apply(self, changes: Changes) -> None:
        """Write a change set as it is: no transaction, no hook (a state file replays its own)."""
        with self._lock:
            for (table, key), record in changes.items():
                if record is MISSING:
                    self._tables.get(table, {}).pop(key, None)
                else:
                    self._tables.setdefault(table, {})[key] = record

    def reorder(self, table: str, keys: Iterable[Any]) -> None:
        """Put `table`'s records in the order of `keys` (each of its keys, once)."""
        with self._lock:
            rows = self._tables.get(table, {})
            self._tables[table] = {key: rows[key] for key in keys}

    def load(self, rows: Iterable[tuple[str, Any, Any]]) -> None:
        """Replace every table with `rows` of (table, key, record), in order."""
        with self._lock:
            self._tables.clear()
            for table, key, record in rows:
                self._tables.setdefault(table, {})[key] = record
