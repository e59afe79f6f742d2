"""A check for tests run against a state file: the file holds exactly what memory holds."""

from __future__ import annotations

from mockserver.world import World


def assert_file_mirrors_memory(world: World) -> None:
    """What the test did reached the state file exactly: the file holds what memory holds."""
    backend, state = world, world.state_file
    assert state is not None
    with backend.store.lock:
        in_file: dict[str, list[tuple[object, object]]] = {}
        for table, key, record in state.read_rows():
            in_file.setdefault(table, []).append((key, record))
        tables = backend.store.snapshot().items()
        assert in_file == {name: list(rows.items()) for name, rows in tables if rows}  # order too
        assert state.read_outbox() == backend.outbox.messages()
