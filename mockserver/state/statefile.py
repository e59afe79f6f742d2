"""A state file: the fake's state kept in SQLite, so a restart or a kill -9 loses no acknowledged write.

Memory stays the working copy (reads cost what they cost without a file) and the file mirrors it:
each committed transaction, delivered SMS, clock change and control action is written and committed
to the file before it returns, so before the answer that acknowledges it goes out. WAL mode with
`synchronous=NORMAL`: a commit survives the process being killed at any instant; an operating-system
crash or a power cut may lose the last commits (SQLite's documented trade for not syncing the disk
on every commit).

Records are pickled. Only classes of mockserver and of the providers' own packages (dataclasses and
enums), and datetime's, may be unpickled, and the file keeps each stored class's layout, so a file
written by code whose records differ is refused rather than misread.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from mockserver.state.recordcodec import RecordCodec, StateFileError, decode_key, encode_key
from mockserver.state.store import MISSING, Changes, Transaction

__all__ = ["StateFile", "StateFileError"]

FORMAT = 1
"""The layout of the SQLite tables below; a file of another format is refused."""
APPLICATION_ID = 0x534D5331
"""`PRAGMA application_id` of a state file ("SMS1"): another program's database is never touched."""

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rows(seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, key TEXT NOT NULL, value NOT NULL,
                  UNIQUE(tbl, key));
CREATE TABLE ids(kind TEXT PRIMARY KEY, state BLOB NOT NULL);
CREATE TABLE outbox(seq INTEGER PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE checkpoint(id INTEGER PRIMARY KEY CHECK (id = 0), tables BLOB NOT NULL);
CREATE TABLE snapshots(name TEXT PRIMARY KEY);
CREATE TABLE snap_rows(snap TEXT, tbl TEXT, key TEXT, seq INTEGER, value BLOB, PRIMARY KEY(snap, tbl, key));
CREATE TABLE snap_ids(snap TEXT, kind TEXT, state BLOB, PRIMARY KEY(snap, kind));
CREATE TABLE snap_outbox(snap TEXT, seq INTEGER, value BLOB, PRIMARY KEY(snap, seq));
"""
_UPSERT = (
    "INSERT INTO rows (tbl, key, value) VALUES (?, ?, ?)"
    " ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value"  # keeps the row's place (seq)
)


# -- the file -----------------------------------------------------------------------------------
class StateFile:
    """One SQLite file, owned by this process while it is open (other processes are locked out)."""

    def __init__(self, path: Path, connection: sqlite3.Connection, codec: RecordCodec, lock: Any) -> None:
        self.path = path
        self._db = connection
        self.codec = codec
        self._lock = lock
        self._depth = 0
        self._outbox_seq = self._last_outbox_seq()
        self.outbox_limit: int | None = None
        self.closed_cleanly = False
        """The last server stopped cleanly, so the checkpoint it left is current."""
        self._closed = False
        self._version = ""

    @classmethod
    def open(
        cls, path: str | Path, *, roots: Iterable[str], version: str, reset: bool = False, lock: Any = None
    ) -> tuple[StateFile, bool]:
        """Open (or create) the file; returns it and whether it holds a world already. `reset`
        empties a state file first, whatever its format. StateFileError when it is another program's
        database, damaged, of another format or layout (unless `reset`), or in use.

        An existing file is only read here: nothing is written to it until `claim`, which the
        World calls once it has read the state whole, so a file refused at any point before that
        (damage SQLite meets only when reading a page) is left exactly as it was."""
        path = Path(path)
        existing = path.exists() and path.stat().st_size > 0
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0)
        except sqlite3.Error as exc:
            raise StateFileError(f"{path}: cannot be opened: {exc}") from exc
        codec = RecordCodec(roots)
        try:
            db.execute("PRAGMA locking_mode = EXCLUSIVE")
            if existing:
                _check_ours(db, path)  # before anything is written to it
            _configure(db, path)
            clean = existing and not reset and closed_cleanly(db)
            if existing and not reset:
                has_world = _check_compatible(db, path, codec)
            else:
                _create(db)
                has_world = False
            state = cls(path, db, codec, lock if lock is not None else threading.RLock())
        except sqlite3.DatabaseError as exc:
            db.close()
            raise _refusal(path, exc) from exc
        except BaseException:
            db.close()
            raise
        state.closed_cleanly, state._version = clean, version
        return state, has_world

    def claim(self) -> None:
        """Mark the file as open by this server (a crash from now on is seen at the next start):
        the first write to a file that existed, made once its state was read whole."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('closed', '0')")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('written_by', ?)", (self._version,))

    def refusal(self, exc: BaseException) -> StateFileError:
        """What to say of a file whose state could not be read (SQLite met a damaged page, or a
        record this version cannot decode): it is left untouched."""
        if isinstance(exc, StateFileError):
            return exc
        if isinstance(exc, sqlite3.DatabaseError):
            return _refusal(self.path, exc)
        return StateFileError(f"{self.path} is damaged (a record cannot be read: {exc}): left untouched")

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._closed = True

    def batch(self) -> _Batch:
        """One SQLite transaction around everything written inside (nested batches join it)."""
        return _Batch(self)

    def _write_layouts(self) -> None:
        """The layouts of classes first written in this transaction go with it (so a rolled-back
        transaction leaves them to be written with the next one)."""
        if self.codec.new_layouts:
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('layouts', ?)", (json.dumps(self.codec.layouts),)
            )

    # -- what the running fake changes --------------------------------------------------------
    def commit(self, tx: Transaction, ids: dict[str, object], deliveries: list[Any]) -> None:
        """A transaction's writes (each table's order kept: `seq` is the order of insertion), the id
        streams it drew from and the SMS it delivers, in one SQLite transaction. The hot path of
        every write request: kept lean on purpose (and free for a transaction that wrote nothing)."""
        changes, appended = tx.changes()
        if not changes and not ids and not deliveries:
            return
        dumps, db = self.codec.dumps, self._db
        gone, kept = [], []
        moved = set(appended) if appended else ()
        for (table, key), record in changes.items():
            if record is MISSING or (table, key) in moved:
                gone.append((table, encode_key(key)))
            else:
                kept.append((table, encode_key(key), dumps(record)))
        with self.batch():
            if gone:
                db.executemany("DELETE FROM rows WHERE tbl = ? AND key = ?", gone)
            if kept:
                db.executemany(_UPSERT, kept)
            if appended:
                db.executemany(
                    "INSERT INTO rows (tbl, key, value) VALUES (?, ?, ?)",
                    [(t, encode_key(k), dumps(changes[(t, k)])) for t, k in appended],
                )
            if ids:
                self.save_ids(ids)
            for message in deliveries:
                self.outbox_recorded(message)

    def save_ids(self, ids: dict[str, object]) -> None:
        if ids:
            with self.batch():
                rows = [(kind, pickle.dumps(state, protocol=5)) for kind, state in ids.items()]
                self._db.executemany("INSERT OR REPLACE INTO ids VALUES (?, ?)", rows)

    def outbox_recorded(self, message: Any) -> None:
        with self.batch():
            self._outbox_seq += 1
            self._db.execute(
                "INSERT INTO outbox VALUES (?, ?)", (self._outbox_seq, self.codec.dumps(message))
            )
            if self.outbox_limit is not None and self._outbox_seq > self.outbox_limit:
                self._db.execute("DELETE FROM outbox WHERE seq <= ?", (self._outbox_seq - self.outbox_limit,))

    def outbox_replaced(self, messages: list[Any]) -> None:
        with self.batch():
            self._db.execute("DELETE FROM outbox")
            rows = [(seq, self.codec.dumps(m)) for seq, m in enumerate(messages, 1)]
            self._db.executemany("INSERT INTO outbox VALUES (?, ?)", rows)
            self._outbox_seq = len(rows)

    def clock_changed(self, frozen_at: dt.datetime | None, offset: dt.timedelta) -> None:
        value = {"frozenAt": frozen_at.isoformat() if frozen_at else None, "offsetUs": offset // _US}
        with self.batch():
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('clock', ?)", (json.dumps(value),))

    # -- the whole world ----------------------------------------------------------------------
    def mark_world(self) -> None:
        """The file now holds a complete world (a start that died while building one left none)."""
        with self.batch():
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('world', '1')")

    def write_world(
        self, rows: Iterable[tuple[str, Any, Any]], ids: dict[str, object], outbox: list[Any]
    ) -> None:
        """Replace the state (not the snapshots) with this one."""
        dumps = self.codec.dumps
        with self.batch():
            self._db.execute("DELETE FROM rows")
            self._db.execute("DELETE FROM ids")
            self._db.executemany(
                "INSERT INTO rows (tbl, key, value) VALUES (?, ?, ?)",
                ((t, encode_key(k), dumps(r)) for t, k, r in rows),
            )
            self.save_ids(ids)
            self.outbox_replaced(outbox)

    def write_checkpoint(self, tables: dict[str, dict[Any, Any]]) -> None:
        """Every table in one pickle, written on a clean stop: the next start reads it in a third of
        the time the rows take (a pickle's memo shares what rows repeat). It counts only while the
        file is marked closed, so a server that dies leaves a stale one that is never read."""
        with self.batch():
            self._db.execute("INSERT OR REPLACE INTO checkpoint VALUES (0, ?)", (self.codec.dumps(tables),))
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('closed', '1')")

    def read_checkpoint(self) -> dict[str, dict[Any, Any]] | None:
        """The tables the last clean stop left; None after a crash, or if it does not match the rows.
        Read once: once the fake runs, the rows move on and the checkpoint is stale."""
        if not self.closed_cleanly:
            return None
        self.closed_cleanly = False
        try:
            found = self._db.execute("SELECT tables FROM checkpoint").fetchone()
            (rows,) = self._db.execute("SELECT count(*) FROM rows").fetchone()
        except sqlite3.DatabaseError as exc:
            raise _refusal(self.path, exc) from exc
        if found is None:
            return None
        tables = self.codec.loads(found[0])
        return tables if rows == sum(len(t) for t in tables.values()) else None

    def read_rows(self) -> Iterator[tuple[str, Any, Any]]:
        loads = self.codec.loads
        for table, key, value in self._db.execute("SELECT tbl, key, value FROM rows ORDER BY seq"):
            yield table, decode_key(key), loads(value)

    def read_ids(self) -> dict[str, object]:
        loads = self.codec.loads
        return {kind: loads(state) for kind, state in self._db.execute("SELECT kind, state FROM ids")}

    def read_outbox(self) -> list[Any]:
        loads = self.codec.loads
        return [loads(v) for (v,) in self._db.execute("SELECT value FROM outbox ORDER BY seq")]

    def read_clock(self) -> tuple[dt.datetime | None, dt.timedelta] | None:
        found = self._db.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
        if found is None:
            return None
        value = json.loads(found[0])
        frozen = dt.datetime.fromisoformat(value["frozenAt"]) if value["frozenAt"] else None
        return frozen, dt.timedelta(microseconds=value["offsetUs"])

    # -- snapshots ----------------------------------------------------------------------------
    def snapshot_names(self) -> list[str]:
        return [name for (name,) in self._db.execute("SELECT name FROM snapshots ORDER BY name")]

    def save_snapshot(self, name: str) -> None:
        """The state as it is in the file now, kept under `name` (copied inside SQLite)."""
        with self.batch():
            self._drop_snapshot(name)
            self._db.execute("INSERT INTO snapshots VALUES (?)", (name,))
            self._db.execute("INSERT INTO snap_rows SELECT ?, tbl, key, seq, value FROM rows", (name,))
            self._db.execute("INSERT INTO snap_ids SELECT ?, kind, state FROM ids", (name,))
            self._db.execute("INSERT INTO snap_outbox SELECT ?, seq, value FROM outbox", (name,))

    def delete_snapshot(self, name: str) -> None:
        """KeyError if there is none by that name."""
        with self.batch():
            self._require_snapshot(name)
            self._drop_snapshot(name)

    def _require_snapshot(self, name: str) -> None:
        """KeyError if there is no snapshot by that name."""
        if self._db.execute("SELECT 1 FROM snapshots WHERE name = ?", (name,)).fetchone() is None:
            raise KeyError(name)

    def _last_outbox_seq(self) -> int:
        return self._db.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]

    def _drop_snapshot(self, name: str) -> None:
        for table in ("snapshots", "snap_rows", "snap_ids", "snap_outbox"):
            column = "name" if table == "snapshots" else "snap"
            self._db.execute(f"DELETE FROM {table} WHERE {column} = ?", (name,))

    def restore_snapshot(
        self, name: str
    ) -> tuple[Changes, dict[str, list[Any]], dict[str, object], list[Any]]:
        """Make the file's state the snapshot's; returns what memory must do to follow: (changed
        rows, tables to put back in order with their keys in order, id streams, outbox).
        KeyError if there is none by that name."""
        db, loads = self._db, self.codec.loads
        with self.batch():
            self._require_snapshot(name)
            gone = db.execute(
                "SELECT tbl, key FROM rows r WHERE NOT EXISTS (SELECT 1 FROM snap_rows s"
                " WHERE s.snap = ? AND s.tbl = r.tbl AND s.key = r.key)",
                (name,),
            ).fetchall()
            differ = db.execute(
                "SELECT s.tbl, s.key, s.seq, s.value, r.seq IS s.seq FROM snap_rows s LEFT JOIN rows r"
                " ON r.tbl = s.tbl AND r.key = s.key WHERE s.snap = ? AND"
                " (r.seq IS NOT s.seq OR r.value IS NOT s.value)",
                (name,),
            ).fetchall()
            changes: Changes = {(table, decode_key(key)): MISSING for table, key in gone}
            for table, key, _, value, _ in differ:
                changes[(table, decode_key(key))] = loads(value)
            db.executemany("DELETE FROM rows WHERE tbl = ? AND key = ?", gone)
            db.executemany("DELETE FROM rows WHERE tbl = ? AND key = ?", [(t, k) for t, k, *_ in differ])
            db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?)", [(q, t, k, v) for t, k, q, v, _ in differ])
            moved = {table for table, _, _, _, same_place in differ if not same_place}
            order = {table: self._keys_in_order(table) for table in moved}
            db.execute("DELETE FROM ids")
            db.execute("INSERT INTO ids SELECT kind, state FROM snap_ids WHERE snap = ?", (name,))
            db.execute("DELETE FROM outbox")
            db.execute("INSERT INTO outbox SELECT seq, value FROM snap_outbox WHERE snap = ?", (name,))
            self._outbox_seq = self._last_outbox_seq()
            ids = self.read_ids()
            outbox = self.read_outbox()
        return changes, order, ids, outbox

    def _keys_in_order(self, table: str) -> list[Any]:
        query = "SELECT key FROM rows WHERE tbl = ? ORDER BY seq"
        return [decode_key(key) for (key,) in self._db.execute(query, (table,))]


class _Batch:
    """The `with` block of `StateFile.batch` (a class: cheaper than a generator on every write)."""

    __slots__ = ("_outer", "_state")

    def __init__(self, state: StateFile) -> None:
        self._state = state

    def __enter__(self) -> None:
        state = self._state
        state._lock.acquire()
        self._outer = state._depth == 0
        if self._outer:
            try:
                state._db.execute("BEGIN IMMEDIATE")
            except BaseException:
                state._lock.release()
                raise
        state._depth += 1

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        state = self._state
        try:
            state._depth -= 1
            if not self._outer:
                return
            if kind is None:
                try:
                    state._write_layouts()
                    state._db.execute("COMMIT")
                    state.codec.new_layouts = False
                    return
                except BaseException:
                    state._db.execute("ROLLBACK")
                    raise
            state._db.execute("ROLLBACK")
        finally:
            state._lock.release()


_US = dt.timedelta(microseconds=1)


def _configure(db: sqlite3.Connection, path: Path) -> None:
    """Exclusive WAL: no other process can open the file while this one has it."""
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("BEGIN IMMEDIATE")  # takes the lock now, and keeps it (exclusive mode)
        db.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        raise _refusal(path, exc) from exc


def _refusal(path: Path, exc: sqlite3.DatabaseError) -> StateFileError:
    if "locked" in str(exc):
        return StateFileError(f"{path} is in use by another process (another mockserver?)")
    return StateFileError(f"{path} is not a mockserver state file or is damaged ({exc}): left untouched")


def _create(db: sqlite3.Connection) -> None:
    """An empty state file (what was in it, if anything, is dropped)."""
    db.execute("BEGIN IMMEDIATE")
    for (table,) in db.execute("SELECT name FROM sqlite_schema WHERE type = 'table'").fetchall():
        db.execute(f'DROP TABLE "{table}"')
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for statement in _SCHEMA.strip().split(";\n"):
        db.execute(statement)
    db.execute("INSERT INTO meta VALUES ('format', ?)", (str(FORMAT),))
    db.execute("COMMIT")


def _check_ours(db: sqlite3.Connection, path: Path) -> None:
    """An existing file must be a sound mockserver state file."""
    try:
        (application_id,) = db.execute("PRAGMA application_id").fetchone()
        if application_id != APPLICATION_ID:
            raise StateFileError(
                f"{path} is not a mockserver state file (another program's database?): left untouched"
            )
        # SQLite's own check of every page, even after a clean stop: a page damaged since would
        # otherwise be met half-way through reading the state (measured: 0.06 s for an 80 MB file).
        (verdict,) = db.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise StateFileError(f"{path} is damaged ({verdict}): left untouched")
    except sqlite3.DatabaseError as exc:
        raise _refusal(path, exc) from exc


def closed_cleanly(db: sqlite3.Connection) -> bool:
    """Whether the last server to have the file stopped cleanly (and left a current checkpoint).
    Such a file is trusted as SQLite left it; its pages are still checked as they are read."""
    try:
        found = db.execute("SELECT value FROM meta WHERE key = 'closed'").fetchone()
    except sqlite3.OperationalError:  # no meta table: not a file of ours, or an empty one
        return False
    return found is not None and found[0] == "1"


def _check_compatible(db: sqlite3.Connection, path: Path, codec: RecordCodec) -> bool:
    """A file this version reads as it is; True if it holds a world."""
    meta = dict(db.execute("SELECT key, value FROM meta"))
    if meta.get("format") != str(FORMAT):
        raise StateFileError(
            f"{path} has state file format {meta.get('format')} (written by mockserver "
            f"{meta.get('written_by', '?')}); this version reads format {FORMAT}. "
            "Start with --reset-state to rebuild it from the fixtures (its contents are lost)"
        )
    try:
        codec.check_layouts(json.loads(meta.get("layouts", "{}")))
    except StateFileError as exc:
        raise StateFileError(
            f"{path} (written by mockserver {meta.get('written_by', '?')}): {exc}. Start with "
            "--reset-state to rebuild it from the fixtures (its contents are lost)"
        ) from exc
    return "world" in meta
