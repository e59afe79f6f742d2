"""engine/faults.py: fault rules match requests, fire in order, run out, and fire at a seeded rate."""

from __future__ import annotations

from mockserver.engine.faults import FaultRule, Faults

REQUEST = {
    "provider": "twosms",
    "operation_id": "send_message",
    "method": "POST",
    "path": "/twosms/api/v2/sms/messages",
    "headers": {"x-test": "1"},
    "body": {"Type": 0},
}


def test_every_condition_given_must_hold():
    assert FaultRule("a", provider="twosms", method="post", path="/twosms/*").matches(**REQUEST)
    assert not FaultRule("b", provider="jframework").matches(**REQUEST)
    assert not FaultRule("c", operation_id="update_message").matches(**REQUEST)
    assert not FaultRule("d", path="/twosms/api/v1/*").matches(**REQUEST)
    assert FaultRule("e", header={"X-Test": "1"}, body_field={"Type": 0}).matches(**REQUEST)
    assert not FaultRule("f", body_field={"Type": 1}).matches(**REQUEST)
    assert not FaultRule("g", body_field={"Type": 0}).matches(**{**REQUEST, "body": None})


def test_the_first_matching_rule_applies_and_is_spent_after_its_times():
    faults = Faults()
    faults.add(FaultRule("once", status=503, times=1))
    faults.add(FaultRule("always", status=500))
    first, second = faults.pick(**REQUEST), faults.pick(**REQUEST)
    assert first is not None and first.id == "once" and first.applied == 1
    assert second is not None and second.id == "always"
    assert [r.id for r in faults.rules()] == ["always"]


def test_rules_are_removed_one_by_one_or_all_at_once():
    faults = Faults()
    faults.add(FaultRule("a", status=500))
    faults.add(FaultRule("b", status=500))
    assert faults.remove("a") and not faults.remove("a")
    assert bool(faults)
    faults.clear()
    assert not faults and faults.pick(**REQUEST) is None


def test_a_probability_fires_at_its_rate_and_a_seed_repeats_the_draws():
    def fired(seed: int) -> list[bool]:
        faults = Faults()
        faults.add(FaultRule("p", status=500, probability=0.3, seed=seed))
        return [faults.pick(**REQUEST) is not None for _ in range(2_000)]

    draws = fired(11)
    assert draws == fired(11) and draws != fired(12)
    assert 0.25 < sum(draws) / len(draws) < 0.35
