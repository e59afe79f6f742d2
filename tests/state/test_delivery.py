"""Delivery statuses worked out from when an SMS went out, its outcome and the fake time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mockserver.state.delivery import (
    DELIVERED,
    MAGIC_NUMBERS,
    OUTCOMES,
    DeliveryChanges,
    DeliveryStatus,
    Outcome,
    key,
    outcome_of,
    planned,
    settles_at,
    status_at,
)
from mockserver.state.store import Store

SENT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ADMIN_DOCS = Path(__file__).resolve().parents[2] / "docs" / "admin-api.md"


def test_an_ordinary_number_is_sent_then_delivered_five_seconds_later():
    assert planned("+15550100077") is DELIVERED
    assert status_at(DELIVERED, SENT, SENT).status is DeliveryStatus.SENT
    assert status_at(DELIVERED, SENT, SENT + timedelta(seconds=4.9)).status is DeliveryStatus.SENT
    settled = status_at(DELIVERED, SENT, SENT + timedelta(seconds=5))
    assert (settled.status, settled.since) == (DeliveryStatus.DELIVERED, SENT + timedelta(seconds=5))
    assert settles_at(DELIVERED, SENT) == SENT + timedelta(seconds=5)


def test_an_sms_not_sent_yet_is_queued_whatever_its_outcome():
    for outcome in (DELIVERED, *MAGIC_NUMBERS.values()):
        assert status_at(outcome, None, SENT).status is DeliveryStatus.QUEUED
        assert status_at(outcome, SENT + timedelta(hours=1), SENT).status is DeliveryStatus.QUEUED
    assert settles_at(DELIVERED, None) is None


def test_each_magic_number_ends_as_documented():
    ends = {n: status_at(o, SENT, SENT + timedelta(days=1)).status for n, o in MAGIC_NUMBERS.items()}
    assert ends == {
        "+15005550001": DeliveryStatus.UNDELIVERABLE,
        "+15005550002": DeliveryStatus.FAILED,
        "+15005550003": DeliveryStatus.FAILED,
        "+15005550004": DeliveryStatus.DELIVERED,
    }
    # The invalid number is refused at once; the late one is still on its way after 59 minutes.
    assert status_at(planned("+15005550001"), SENT, SENT).status is DeliveryStatus.UNDELIVERABLE
    late = status_at(planned("+15005550004"), SENT, SENT + timedelta(minutes=59))
    assert late.status is DeliveryStatus.SENT


def test_the_admin_docs_list_every_magic_number_with_its_outcome():
    rows = dict(re.findall(r"^\| `(\+\d+)` \| (\w+) \|", ADMIN_DOCS.read_text(), re.MULTILINE))
    assert rows == {number: outcome.status.value for number, outcome in MAGIC_NUMBERS.items()}


def test_an_outcome_set_for_one_sms_wins_over_the_plan_of_its_number():
    store = Store()
    chosen = Outcome(DeliveryStatus.FAILED, "Switched off.", timedelta(seconds=30))
    with store.transaction() as tx:
        tx.put(OUTCOMES, key("twosms", "m1", "+15550100077"), chosen)
    with store.transaction() as tx:
        assert outcome_of(tx, "twosms", "m1", "+15550100077") == chosen
        assert outcome_of(tx, "twosms", "m2", "+15550100077") is DELIVERED  # another message's SMS
        assert outcome_of(tx, "twosms", None, "+15550100077") is DELIVERED  # no id: the plan alone


def test_listeners_are_nudged_until_they_unsubscribe():
    changes, heard = DeliveryChanges(), []
    stop = changes.subscribe(lambda: heard.append(1))
    changes.changed()
    stop()
    changes.changed()
    assert heard == [1]
