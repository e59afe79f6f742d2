"""state/snapshots.py: named states kept in memory or in the state file, with one meaning."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mockserver.settings import Settings
from mockserver.state.outbox import OutboxMessage
from mockserver.state.snapshots import FileSnapshots, MemorySnapshots, Snapshots
from mockserver.state.statefile import StateFile
from mockserver.version import __version__
from mockserver.world import World

AT = datetime(2026, 1, 1, tzinfo=UTC)


def parts() -> World:
    """An empty World: its store, ids, outbox and clock are what snapshots keep."""
    return World([], Settings(fixtures=()))


def change(world: World, key: str) -> None:
    with world.store.transaction() as tx:
        tx.put("t", key, key)
        world.ids.uuid("stream")
        world.outbox.record(OutboxMessage("p", "s", "+1", key, AT))


def contents(world: World) -> tuple:
    return (world.store.snapshot(), world.ids.state(), world.outbox.messages())


@pytest.fixture(params=["memory", "file"])
def kept(request, tmp_path):
    world = parts()
    if request.param == "memory":
        yield world, MemorySnapshots(world)
        return
    state, _ = StateFile.open(
        tmp_path / "s.db", roots={"mockserver"}, version=__version__, reset=False, lock=world.store.lock
    )
    keeper = FileSnapshots.write(world, state, "baseline")
    keeper.bind()
    yield world, keeper
    keeper.close()


def test_a_restore_brings_back_tables_ids_and_outbox_as_saved(kept):
    world, snapshots = kept
    change(world, "a")
    before = contents(world)
    snapshots.save("one")
    change(world, "b")
    assert contents(world) != before
    snapshots.restore("one")
    assert contents(world) == before
    assert "one" in snapshots.names()


def test_unknown_names_are_key_errors_and_a_deleted_snapshot_is_gone(kept):
    _, snapshots = kept
    with pytest.raises(KeyError):
        snapshots.restore("nothing")
    snapshots.save("two")
    snapshots.delete("two")
    assert "two" not in snapshots.names()
    with pytest.raises(KeyError):
        snapshots.restore("two")


def test_both_keepers_are_snapshots():
    keeper: Snapshots = MemorySnapshots(parts())
    with keeper.atomic():
        keeper.save("x")
    assert keeper.names() == ["x"]
