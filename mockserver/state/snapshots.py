"""Where the World keeps its named states (the baseline, users' snapshots): in memory, or in the state file.

Both keepers give the same semantics; the World does not know which it has.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, Protocol

from mockserver.errors import FixtureError
from mockserver.state.backend import Backend, BackendSnapshot
from mockserver.state.statefile import StateFile
from mockserver.state.store import bulk


@contextmanager
def _outbox_not_written(backend: Backend) -> Iterator[None]:
    """Outbox changes inside are not written to the state file (they come from it)."""
    sink, backend.outbox.sink = backend.outbox.sink, None
    try:
        yield
    finally:
        backend.outbox.sink = sink


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

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._kept: dict[str, BackendSnapshot] = {}

    def save(self, name: str) -> None:
        self._kept[name] = self._backend.snapshot()

    def restore(self, name: str) -> None:
        self._backend.restore(self._kept[name])

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

    def __init__(self, backend: Backend, state: StateFile) -> None:
        self._backend = backend
        self._state = state
        self._names = set(state.snapshot_names())

    @classmethod
    def load(cls, backend: Backend, state: StateFile) -> FileSnapshots:
        """Memory becomes what the file holds: tables, id streams, outbox and the fake clock."""
        with bulk():  # building 100,000s of records: the collector would rescan them all
            tables = state.read_checkpoint()
            if tables is None:
                backend.store.load(state.read_rows())
            else:
                backend.store.restore(tables)
        backend.ids.restore(state.read_ids())
        backend.outbox.restore(state.read_outbox())
        clock = state.read_clock()
        if clock is not None:
            backend.clock.set_state(*clock)
        return cls(backend, state)

    @classmethod
    def write(cls, backend: Backend, state: StateFile, baseline: str) -> FileSnapshots:
        """The file becomes what memory holds (a new file, or --reset-state), kept as `baseline`
        too: one transaction, so a start killed half-way leaves a file that is built again."""
        tables = backend.store.snapshot()
        rows = ((table, key, record) for table, records in tables.items() for key, record in records.items())
        with state.batch():
            state.write_world(rows, backend.ids.state(), backend.outbox.messages())
            state.clock_changed(*backend.clock.state())
            state.save_snapshot(baseline)
            state.mark_world()
        backend.ids.take_drawn()
        return cls(backend, state)

    def close(self) -> None:
        """Leave a checkpoint for a fast next start, and release the file (once)."""
        if self._state.closed:
            return
        with self._backend.store.lock, bulk():
            self._state.write_checkpoint(self._backend.store.snapshot())
            self._state.close()

    def bind(self) -> None:
        """From now on, every change to memory is written to the file before it counts."""
        backend, state = self._backend, self._state
        state.outbox_limit = backend.outbox.limit
        outbox = backend.outbox
        backend.store.on_commit = lambda tx: state.commit(tx, backend.ids.take_drawn(), outbox.pending())
        backend.outbox.sink = state
        backend.clock.on_change = state.clock_changed

    def save(self, name: str) -> None:
        with self._state.batch():
            self._state.save_ids(self._backend.ids.take_drawn())  # draws made outside a transaction
            self._state.save_snapshot(name)
        self._names.add(name)

    def restore(self, name: str) -> None:
        backend = self._backend
        with backend.store.lock, self._state.batch():
            changes, order, ids, outbox = self._state.restore_snapshot(name)
            backend.store.apply(changes)
            for table, keys in order.items():  # as in memory, a table is back in its old order
                backend.store.reorder(table, keys)
            backend.ids.restore(ids)
            with _outbox_not_written(backend):  # the file has it already
                backend.outbox.restore(outbox)

    def delete(self, name: str) -> None:
        self._state.delete_snapshot(name)
        self._names.discard(name)

    def names(self) -> list[str]:
        return sorted(self._names)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One file transaction; if it fails, memory is read back from the file, so the two agree
        (a FixtureError is the World's to handle: it puts memory back as it was before raising)."""
        backend = self._backend
        with backend.store.lock:
            try:
                with self._state.batch():
                    yield
            except FixtureError:
                raise
            except BaseException:
                self._names = set(self._state.snapshot_names())
                with _outbox_not_written(backend):
                    FileSnapshots.load(backend, self._state)
                raise
