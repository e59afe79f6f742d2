from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from mockserver.state.store import Store


@dataclass(frozen=True)
class Row:
    id: str
    value: int


def test_a_failed_transaction_changes_nothing():
    store = Store()
    with store.transaction() as tx:
        tx.put("t", "a", Row("a", 1))
    before = store.snapshot()
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.put("t", "a", Row("a", 2))
        tx.put("t", "b", Row("b", 3))
        tx.delete("t", "a")
        raise RuntimeError("rule broken")
    assert store.snapshot() == before


def test_nested_transactions_join_the_outer_one():
    store = Store()
    with pytest.raises(ValueError), store.transaction() as outer:
        outer.put("t", "a", Row("a", 1))
        with store.transaction() as inner:
            assert inner is outer
            inner.put("t", "b", Row("b", 2))
        raise ValueError
    assert store.snapshot() == {}  # both writes undone, and the table they created gone with them


def test_snapshot_is_isolated_from_later_writes_and_restore_is_repeatable():
    store = Store()
    with store.transaction() as tx:
        tx.put("t", "a", Row("a", 1))
    snap = store.snapshot()
    with store.transaction() as tx:
        tx.put("t", "a", Row("a", 9))
        tx.put("t", "b", Row("b", 2))
    store.restore(snap)
    assert store.snapshot() == {"t": {"a": Row("a", 1)}}
    with store.transaction() as tx:
        tx.delete("t", "a")
    store.restore(snap)
    assert store.snapshot() == {"t": {"a": Row("a", 1)}}


def test_rows_keep_insertion_order():
    store = Store()
    with store.transaction() as tx:
        for key in "cab":
            tx.put("t", key, Row(key, 0))
        assert [r.id for r in tx.rows("t")] == ["c", "a", "b"]
        assert tx.count("t") == 3


def test_concurrent_read_modify_write_loses_no_update():
    store = Store()
    with store.transaction() as tx:
        tx.put("t", "n", Row("n", 0))

    def bump() -> None:
        for _ in range(500):
            with store.transaction() as tx:
                current = tx.get("t", "n")
                tx.put("t", "n", Row("n", current.value + 1))

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.transaction() as tx:
        assert tx.get("t", "n").value == 4000
