"""state/ids.py: seeded id streams, rolled back with a failed transaction, and secrets."""

from __future__ import annotations

import pytest

from mockserver.state.ids import IdGenerator


def test_same_seed_same_ids_and_streams_are_independent():
    a, b = IdGenerator(seed=3), IdGenerator(seed=3)
    first = [a.alphanumeric("setting") for _ in range(3)]
    b.uuid("correlation")  # another stream must not shift this one
    assert [b.alphanumeric("setting") for _ in range(3)] == first
    assert all(len(i) == 18 and i.isalnum() for i in first)
    assert IdGenerator(seed=4).alphanumeric("setting") != first[0]


def test_ids_state_round_trips():
    ids = IdGenerator(seed=1)
    ids.alphanumeric("x")
    saved = ids.state()
    following = ids.alphanumeric("x")
    ids.restore(saved)
    assert ids.alphanumeric("x") == following


def test_a_rolled_back_transaction_gives_its_ids_back():
    from mockserver.state.store import Store

    store, ids = Store(), IdGenerator(seed=2)
    store.attach(ids)
    with pytest.raises(RuntimeError), store.transaction():
        taken = ids.alphanumeric("x")
        raise RuntimeError
    with store.transaction():
        assert ids.alphanumeric("x") == taken  # the failed request's id is handed out again
    with store.transaction():
        assert ids.alphanumeric("x") != taken  # a committed draw is kept


def test_secrets_are_the_length_asked_drawn_evenly_from_the_whole_alphabet():
    from collections import Counter

    from mockserver.state.ids import ALPHANUMERIC

    ids = IdGenerator(seed=1)
    tokens = [ids.secret("token", 24) for _ in range(2_000)]
    assert all(len(t) == 24 for t in tokens) and len(set(tokens)) == len(tokens)
    counts = Counter("".join(tokens))
    assert set(counts) == set(ALPHANUMERIC)
    expected = 24 * 2_000 / len(ALPHANUMERIC)  # about 774 each: none missing, none far off its share
    assert all(0.8 * expected < n < 1.2 * expected for n in counts.values())


def test_secrets_in_bulk_are_drawn_as_one_at_a_time_is():
    from collections import Counter
    from itertools import islice

    from mockserver.state.ids import ALPHANUMERIC

    tokens = list(islice(IdGenerator(seed=1).secrets("token", 24), 2_000))  # several OS draws
    assert all(len(t) == 24 for t in tokens) and len(set(tokens)) == len(tokens)
    counts = Counter("".join(tokens))
    assert set(counts) == set(ALPHANUMERIC)
    expected = 24 * 2_000 / len(ALPHANUMERIC)
    assert all(0.8 * expected < n < 1.2 * expected for n in counts.values())
    one_by_one = IdGenerator(seed=3, deterministic_secrets=True)
    bulk = IdGenerator(seed=3, deterministic_secrets=True).secrets("token", 24)
    assert [next(bulk) for _ in range(5)] == [one_by_one.secret("token", 24) for _ in range(5)]


def test_uuid_text_is_what_the_uuid_module_writes():
    import random
    import uuid

    from mockserver.state.ids import uuid4_text

    draws = random.Random(7)
    for bits in [0, 2**128 - 1, *(draws.getrandbits(128) for _ in range(5_000))]:
        assert uuid4_text(bits) == str(uuid.UUID(int=bits, version=4))
