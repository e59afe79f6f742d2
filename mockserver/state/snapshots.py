"""Where the World keeps its named states (the baseline, users' snapshots): in memory, or in the state file.

Both keepers give the same semantics; the World does not know which it has.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

from mockserver.errors import FixtureError
from mockserver.state.clock import Clock
from mockserver.state.ids import IdGenerator
from mockserver.state.outbox import Outbox
from mockserver.state.statefile import StateFile
from mockserver.state.store import Store, bulk


class Parts(Protocol):
    """What is snapshotted and restored as one: the World's store, id streams, outbox and clock."""

    store: Store
    ids: IdGenerator
    outbox: Outbox
    clock: Clock


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One named state in memory: tables, id streams and outbox (the clock is not part of it)."""

    tables: dict[str, dict[Any, Any]]
    ids: dict[str, object]
    outbox: list[Any]


@contextmanager
def _outbox_not_written(parts: Parts) -> Iterator[None]:
    """Outbox changes inside are not written to the state file (they come from it)."""
    sink, parts.outbox.sink = parts.outbox.sink, None
    try:
        yield
    finally:
        parts.outbox.sink = sink


class Snapshots(Protocol):
    def save(self, name: str) -> None:
        """Keep the current state under `name` (replacing one of that name)."""

    def restore(self, name: str) -> None:
        """Back to the state kept under `name`; KeyError if there is none."""

    def delete(self, name: str) -> None:
        """KeyError if there is none by that name."""

    def names(self) -> list[str]: ...

    def atomic(self) -> Any:
        """A context in which every change lands, or none does."""

    def close(self) -> None:
        """Release what the keeper holds (a state file)."""


class MemorySnapshots:
    """Copies of the tables (shallow: records are immutable, so a copy costs microseconds)."""

    def __init__(self, parts: Parts) -> None:
        self._parts = parts
        self._kept: dict[str, Snapshot] = {}

    def save(self, name: str) -> None:
        parts = self._parts
        self._kept[name] = Snapshot(parts.store.snapshot(), parts.ids.state(), parts.outbox.snapshot())

    def restore(self, name: str) -> None:
        parts, kept = self._parts, self._kept[name]
        parts.store.restore(kept.tables)
        parts.ids.restore(kept.ids)
        parts.outbox.restore(kept.outbox)

    def delete(self, name: str) -> None:
        del self._kept[name]

    def names(self) -> list[str]:
        return sorted(self._kept)

    def atomic(self) -> Any:
        return nullcontext()

    def close(self) -> None:
        """Nothing to release: memory goes with the World."""


class FileSnapshots:
    """Snapshots kept in the state file, and the hooks that keep the file in step with memory."""

    def __init__(self, parts: Parts, state: StateFile) -> None:
        self._parts = parts
        self._state = state
        self._names = set(state.snapshot_names())

    @classmethod
    def load(cls, parts: Parts, state: StateFile) -> FileSnapshots:
        """Memory becomes what the file holds: tables, id streams, outbox and the fake clock."""
        with bulk():  # building 100,000s of records: the collector would rescan them all
            tables = state.read_checkpoint()
            if tables is None:
                parts.store.load(state.read_rows())
            else:
                parts.store.restore(tables)
        parts.ids.restore(state.read_ids())
        parts.outbox.restore(state.read_outbox())
        clock = state.read_clock()
        if clock is not None:
            parts.clock.set_state(*clock)
        return cls(parts, state)

    @classmethod
    def write(cls, parts: Parts, state: StateFile, baseline: str) -> FileSnapshots:
        """The file becomes what memory holds (a new file, or --reset-state), kept as `baseline`
        too: one transaction, so a start killed half-way leaves a file that is built again."""
        tables = parts.store.snapshot()
        rows = ((table, key, record) for table, records in tables.items() for key, record in records.items())
        with state.batch():
            state.write_world(rows, parts.ids.state(), parts.outbox.messages())
            state.clock_changed(*parts.clock.state())
            state.save_snapshot(baseline)
            state.mark_world()
        parts.ids.take_drawn()
        return cls(parts, state)

    def close(self) -> None:
        """Leave a checkpoint for a fast next start, and release the file (once)."""
        if self._state.closed:
            return
        with self._parts.store.lock, bulk():
            self._state.write_checkpoint(self._parts.store.snapshot())
            self._state.close()

    def bind(self) -> None:
        """From now on, every change to memory is written to the file before it counts."""
        parts, state = self._parts, self._state
        state.outbox_limit = parts.outbox.limit
        outbox = parts.outbox
        parts.store.on_commit = lambda tx: state.commit(tx, parts.ids.take_drawn(), outbox.pending())
        parts.outbox.sink = state
        parts.clock.on_change = state.clock_changed

    def save(self, name: str) -> None:
        with self._state.batch():
            self._state.save_ids(self._parts.ids.take_drawn())  # draws made outside a transaction
            self._state.save_snapshot(name)
        self._names.add(name)

    def restore(self, name: str) -> None:
        parts = self._parts
        with parts.store.lock, self._state.batch():
            changes, order, ids, outbox = self._state.restore_snapshot(name)
            parts.store.apply(changes)
            for table, keys in order.items():  # as in memory, a table is back in its old order
                parts.store.reorder(table, keys)
            parts.ids.restore(ids)
            with _outbox_not_written(parts):  # the file has it already
                parts.outbox.restore(outbox)

    def delete(self, name: str) -> None:
        self._state.delete_snapshot(name)
        self._names.discard(name)

    def names(self) -> list[str]:
        return sorted(self._names)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One file transaction; if it fails, memory is read back from the file, so the two agree
        (a FixtureError is the World's to handle: it puts memory back as it was before raising)."""
        parts = self._parts
        with parts.store.lock:
            try:
                with self._state.batch():
                    yield
            except FixtureError:
                raise
            except BaseException:
                self._names = set(self._state.snapshot_names())
                with _outbox_not_written(parts):
                    FileSnapshots.load(parts, self._state)
                raise
