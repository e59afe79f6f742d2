"""`--state FILE`: the world kept in SQLite. Same semantics as in memory, across restarts; a file that
cannot be read as it is is refused and left untouched."""

from __future__ import annotations

import hashlib
import json
import pickle
import random
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mockserver import registry
from mockserver.errors import FixtureError
from mockserver.fixtures import FixtureDocument
from mockserver.providers.jframework.model import SETTINGS as SMS
from mockserver.providers.twosms.records import ACCOUNTS, MESSAGES
from mockserver.settings import Settings
from mockserver.state.statefile import StateFileError
from mockserver.world import World

FROZEN = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
EXTRA = FixtureDocument(
    "extra.yaml",
    {
        "jframework": {
            "brands": [{"url": "extra.example.com", "authKeys": [{"key": "extra-key", "role": "admin"}]}]
        }
    },
)
BROKEN = FixtureDocument(
    "broken.yaml",
    {
        "jframework": {
            "brands": [{"url": "x.example.com", "authKeys": [{"key": "demo-admin-key", "role": "admin"}]}]
        }
    },
)


def world(state: Path | None = None, **options: Any) -> World:
    fixtures = options.pop("fixtures", None)
    settings = Settings.of(fixtures, seed=7, deterministic_secrets=True, state=state, **options)
    return World(registry.discover(), settings)


def contents(w: World) -> dict[str, list[tuple[Any, Any]]]:
    """Every non-empty table, in order, with the outbox and the fake clock."""
    tables = {name: list(rows.items()) for name, rows in w.store.snapshot().items() if rows}
    return {"tables": tables, "outbox": w.outbox.messages(), "clock": w.clock.state()}


def rename_default(w: World, name: str) -> None:
    with w.store.transaction() as tx:
        setting = tx.get(SMS, "demoSmsSetting0001")
        tx.put(SMS, setting.id, type(setting)(**{**_fields(setting), "name": name}))


def _fields(record: Any) -> dict[str, Any]:
    return {f: getattr(record, f) for f in record.__dataclass_fields__}


def caller_of(w: World) -> Any:
    model = w.handlers["twosms"].model
    return model.authenticate(model.issue_token("client_credentials", "demo-client", "demo-secret").token)


def send(w: World, content: str, caller: Any = None) -> None:
    """A 2SMS send through the model, as a request does it (one transaction, SMS delivered with it)."""
    model = w.handlers["twosms"].model
    caller = caller or caller_of(w)
    request = {"Type": 1, "Content": content, "Contacts": {"QuickRecipients": {"+15550100099": 2}}}
    model.send(caller, request)


# Each step is applied to a World in memory and to one with a state file; after every step both must
# hold the same, and the file reopened must hold it too.
STEPS = [
    ("change a row", lambda w: rename_default(w, "changed")),
    ("send an SMS", lambda w: send(w, "hello 1")),
    ("take a snapshot", lambda w: w.snapshot("one")),
    ("delete a message", lambda w: _delete_first_message(w)),
    ("freeze the clock", lambda w: w.clock.freeze(FROZEN)),
    ("advance the clock", lambda w: w.clock.advance(timedelta(hours=3))),
    ("create a tenant", lambda w: w.create_tenant()),
    ("restore the snapshot", lambda w: w.restore("one")),
    ("load fixtures", lambda w: w.load([EXTRA])),
    ("load fixtures into the baseline", lambda w: w.load([EXTRA], into_baseline=True)),
    ("reset", lambda w: w.reset()),
    ("send after the reset", lambda w: send(w, "hello 2")),
    ("mark the baseline", lambda w: w.mark_baseline()),
    ("change again and reset", lambda w: (rename_default(w, "again"), w.reset())),
    ("delete the snapshot", lambda w: w.delete_snapshot("one")),
    ("clear the outbox", lambda w: w.outbox.clear()),
]


def _delete_first_message(w: World) -> None:
    with w.store.transaction() as tx:
        first = tx.oldest(MESSAGES)
        tx.delete(MESSAGES, first.id)


class _StillTime:
    """The "real" time both worlds read: the same instant, so their records can be compared."""

    fromisoformat = staticmethod(datetime.fromisoformat)

    @staticmethod
    def now(tz: Any = None) -> datetime:
        return datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


@pytest.fixture
def still_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mockserver.state.clock.datetime", _StillTime)


@pytest.mark.usefixtures("still_time")
def test_every_control_action_gives_the_same_state_as_in_memory_and_survives_a_restart(tmp_path):
    path = tmp_path / "world.db"
    memory, durable = world(), world(path)
    try:
        for number, (label, step) in enumerate(STEPS):
            step(memory)
            step(durable)
            assert contents(durable) == contents(memory), label
            assert durable.snapshots == memory.snapshots, label
            stop(durable, clean=number % 2 == 0)
            durable = world(path)
            assert durable.resumed
            assert contents(durable) == contents(memory), f"{label}, after a restart"
    finally:
        durable.close()


@pytest.mark.usefixtures("still_time")
def stop(w: World, *, clean: bool) -> None:
    """A clean stop leaves a checkpoint of the tables; a killed server leaves only the rows."""
    if clean:
        w.close()
    else:
        assert w.state_file is not None
        w.state_file.close()


def test_a_reset_after_a_restart_goes_back_to_the_baseline_in_its_order(tmp_path):
    path = tmp_path / "world.db"
    first = world(path)
    baseline = contents(first)
    _delete_first_message(first)  # the oldest message: a reset must put it back first, not last
    send(first, "after")
    first.close()
    again = world(path)
    try:
        again.reset()
        assert contents(again) == {**baseline, "clock": (None, timedelta(0))}
    finally:
        again.close()


def test_fixtures_apply_to_a_new_file_only_unless_the_state_is_reset(tmp_path, fixture_file):
    path = tmp_path / "world.db"
    first = world(path)
    rename_default(first, "kept")
    first.close()
    again = world(path, fixtures=[fixture_file])  # a file with a world is opened as it is
    assert again.resumed
    assert again.store.snapshot()[SMS]["demoSmsSetting0001"].name == "kept"
    again.close()
    fresh = world(path, fixtures=[fixture_file], reset_state=True)
    try:
        assert not fresh.resumed
        assert "demoSmsSetting0001" not in fresh.store.snapshot().get(SMS, {})
        assert fresh.snapshots == []
    finally:
        fresh.close()


@pytest.fixture
def fixture_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.json"
    path.write_text(
        json.dumps(
            {
                "twosms": {
                    "accounts": [
                        {"id": "a1a1a1a1-0000-4000-8000-000000000001", "name": "Small", "credits": 5}
                    ]
                }
            }
        )
    )
    return path


def test_a_refused_fixture_load_writes_nothing(tmp_path):
    path = tmp_path / "world.db"
    durable = world(path)
    before = contents(durable)
    with pytest.raises(FixtureError):
        durable.load([BROKEN], into_baseline=True)
    assert contents(durable) == before
    durable.close()
    again = world(path)
    try:
        assert contents(again) == before
        again.reset()  # the baseline did not take the broken document either
        assert "x.example.com" not in str(again.store.snapshot())
    finally:
        again.close()


def assert_reopens_as(path: Path, expected: dict[str, Any]) -> None:
    """The file, opened again, holds `expected`."""
    again = world(path)
    try:
        assert contents(again) == expected
    finally:
        again.close()


# Writes the file refuses (the disk is full): each is undone in memory too, and the file keeps what it had.
REFUSED_WRITES = {
    "a row changed": lambda w, caller: rename_default(w, "lost"),
    "a send, with its credits and SMS": lambda w, caller: send(w, "lost", caller),
}


@pytest.mark.parametrize("write", REFUSED_WRITES.values(), ids=REFUSED_WRITES.keys())
def test_a_write_the_file_refuses_is_undone_in_memory_too(tmp_path, monkeypatch, write):
    path = tmp_path / "world.db"
    durable = world(path)
    caller = caller_of(durable)
    send(durable, "kept", caller)
    before = contents(durable)

    def disk_full(*args: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(durable.state_file, "commit", disk_full)
    with pytest.raises(sqlite3.OperationalError):
        write(durable, caller)
    assert contents(durable) == before  # no row, message, credit or SMS changed
    monkeypatch.undo()
    durable.close()
    assert_reopens_as(path, before)


def test_credits_and_scheduled_state_survive_as_records(tmp_path):
    path = tmp_path / "world.db"
    first = world(path)
    send(first, "one credit")
    credits = first.store.snapshot()[ACCOUNTS]
    first.close()
    again = world(path)
    try:
        assert again.store.snapshot()[ACCOUNTS] == credits
        assert [m.text for m in again.outbox.messages()] == ["one credit"]
    finally:
        again.close()


# -- files that are refused, and left as they were ---------------------------------------------------
def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_another_programs_database_is_refused_even_with_reset_state(tmp_path):
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users(name TEXT)")
        db.execute("INSERT INTO users VALUES ('ada')")
    db.close()
    before = digest(path)
    for reset in (False, True):
        with pytest.raises(StateFileError, match="not a mockserver state file"):
            world(path, reset_state=reset)
    assert digest(path) == before


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_file_is_refused_and_left_untouched(tmp_path, damage):
    path = tmp_path / "world.db"
    world(path).close()
    data = path.read_bytes()
    path.write_bytes(
        b"this is not a database at all" * 200 if damage == "garbage" else data[: len(data) // 2]
    )
    before = digest(path)
    with pytest.raises(StateFileError, match=r"damaged|not a mockserver state file"):
        world(path)
    assert digest(path) == before


def damaged_in_its_middle(tmp_path: Path) -> Path:
    """A world closed cleanly, then 8 KiB of (seeded) random bytes written over its middle pages,
    as the red-team run did at offset 221184: a file that opens, whose damage shows only when read."""
    path = tmp_path / "world.db"
    first = world(path)
    for n in range(300):  # 3 credits each, of the demo account's 1,000
        send(first, f"message {n} " + "x" * 300)
    first.close()
    data = bytearray(path.read_bytes())
    offset = len(data) // 2 // 4096 * 4096
    data[offset : offset + 8192] = random.Random(26).randbytes(8192)
    path.write_bytes(bytes(data))
    return path


def test_a_file_damaged_in_its_middle_is_refused_before_anything_is_written_to_it(tmp_path):
    path = damaged_in_its_middle(tmp_path)
    before = digest(path)
    with pytest.raises(StateFileError, match=r"damaged.*left untouched"):
        world(path)
    assert digest(path) == before
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0


def test_serve_refuses_a_file_damaged_in_its_middle_with_exit_2_and_no_traceback(tmp_path):
    path = damaged_in_its_middle(tmp_path)
    before = digest(path)
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--state", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "damaged" in done.stderr
    assert digest(path) == before


def test_a_file_of_another_format_is_refused_until_reset(tmp_path):
    path = tmp_path / "world.db"
    world(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'format'")
    db.close()
    with pytest.raises(StateFileError, match=r"format 99.*--reset-state"):
        world(path)
    fresh = world(path, reset_state=True)
    try:
        assert not fresh.resumed
    finally:
        fresh.close()


def test_records_written_by_other_classes_are_refused_naming_the_class(tmp_path):
    path = tmp_path / "world.db"
    world(path).close()
    with sqlite3.connect(path) as db:
        (layouts,) = db.execute("SELECT value FROM meta WHERE key = 'layouts'").fetchone()
        changed = json.loads(layouts)
        changed["mockserver.providers.twosms.records:Account"][1].append("colour")
        db.execute("UPDATE meta SET value = ? WHERE key = 'layouts'", (json.dumps(changed),))
    db.close()
    with pytest.raises(StateFileError, match=r"twosms\.records:Account was dataclass \(.*colour\)"):
        world(path)


@pytest.mark.parametrize("where", ["rows", "checkpoint"])
def test_a_pickle_naming_anything_but_a_record_class_is_refused_not_run(tmp_path, where):
    path = tmp_path / "world.db"
    world(path).close()
    marker = tmp_path / "ran"
    hostile = pickle.dumps(_Exploit(str(marker)))
    with sqlite3.connect(path) as db:
        if where == "rows":
            db.execute("DELETE FROM checkpoint")
            db.execute("UPDATE rows SET value = ? WHERE seq = (SELECT min(seq) FROM rows)", (hostile,))
        else:
            db.execute("UPDATE checkpoint SET tables = ?", (hostile,))
    db.close()
    with pytest.raises(StateFileError, match="may not hold"):
        world(path)
    assert not marker.exists()


class _Exploit:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (subprocess.call, ([sys.executable, "-c", f"open({self.marker!r}, 'w')"],))


def test_a_file_in_use_by_another_server_is_refused(tmp_path):
    path = tmp_path / "world.db"
    holder = world(path)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--state", str(path)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2
        assert "in use by another process" in done.stderr
    finally:
        holder.close()


def test_a_failed_control_action_after_a_clean_restart_reads_back_the_rows_not_the_old_checkpoint(tmp_path):
    path = tmp_path / "world.db"
    world(path).close()  # a clean stop: a checkpoint of the fixture world
    again = world(path)
    try:
        rename_default(again, "after the restart")
        before = contents(again)
        with pytest.raises(RuntimeError), again._kept.atomic():
            again.clock.advance(timedelta(hours=1))
            raise RuntimeError("a control action that fails half-way")
        assert contents(again) == before  # memory read back from the file: the rename is still there
    finally:
        again.close()
        again.close()  # closing twice is harmless
