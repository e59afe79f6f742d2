"""What happens to each SMS after it goes out: its delivery status, moving on the fake clock.

Nothing runs in the background: a status is worked out when asked, from when the SMS went out, its
outcome and the fake time now. The outcome is planned from the number (the magic numbers below, in
the spirit of Twilio's test numbers) unless the control plane set one; a set outcome is a store row,
so it is transactional, snapshotted and kept in a state file like every other state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from mockserver.state.store import Store, Transaction

OUTCOMES = "deliveries.outcomes"
"""Outcomes set by the control plane, by `key(provider, message_id, number)`."""


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    """Not sent yet: its message waits for its DateToSend."""
    SENT = "sent"
    """Handed to the carrier; no receipt yet."""
    DELIVERED = "delivered"
    FAILED = "failed"
    """The carrier or the handset did not take it (charged: it was sent)."""
    UNDELIVERABLE = "undeliverable"
    """Refused before it was sent, for its number (never charged)."""

    @property
    def final(self) -> bool:
        return self in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERABLE)


FINAL_STATUSES = tuple(s for s in DeliveryStatus if s.final)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where an SMS ends, and how long after it went out."""

    status: DeliveryStatus
    reason: str = ""
    after: timedelta = timedelta(seconds=5)

    @property
    def refused_at_once(self) -> bool:
        """Refused at submission: never charged, never on its way."""
        return self.status is DeliveryStatus.UNDELIVERABLE


DELIVERED = Outcome(DeliveryStatus.DELIVERED, "Delivered to the handset.")
MAGIC_NUMBERS: dict[str, Outcome] = {
    "+15005550001": Outcome(DeliveryStatus.UNDELIVERABLE, "Invalid destination number.", timedelta(0)),
    "+15005550002": Outcome(
        DeliveryStatus.FAILED, "Handset unreachable (switched off or out of coverage).", timedelta(minutes=1)
    ),
    "+15005550003": Outcome(DeliveryStatus.FAILED, "Refused by the carrier.", timedelta(seconds=5)),
    "+15005550004": Outcome(DeliveryStatus.DELIVERED, "Delivered to the handset, late.", timedelta(hours=1)),
}
"""Numbers whose fate is known in advance; every other number is delivered 5 s after it is sent.
docs/admin-api.md lists them (a test holds the table and the page together)."""


def planned(number: str) -> Outcome:
    """The outcome an SMS to `number` has unless the control plane says otherwise."""
    return MAGIC_NUMBERS.get(number, DELIVERED)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One SMS's status at one instant, and since when (None while queued)."""

    status: DeliveryStatus
    reason: str
    since: datetime | None

    def as_json(self, isoformat: Callable[[datetime], str]) -> dict[str, str | None]:
        since = isoformat(self.since) if self.since is not None else None
        return {"status": self.status.value, "reason": self.reason or None, "since": since}


def status_at(outcome: Outcome, sent_at: datetime | None, now: datetime) -> Delivery:
    """The status of an SMS sent at `sent_at` (None: not yet) with `outcome`, at `now`."""
    if sent_at is None or sent_at > now:
        return Delivery(DeliveryStatus.QUEUED, "Waiting for its send time.", None)
    settles = sent_at + outcome.after
    if now >= settles or outcome.refused_at_once:
        return Delivery(outcome.status, outcome.reason, settles)
    return Delivery(DeliveryStatus.SENT, "Handed to the carrier.", sent_at)


def settles_at(outcome: Outcome, sent_at: datetime | None) -> datetime | None:
    """When the status of an SMS sent at `sent_at` becomes final (None: not sent yet)."""
    return None if sent_at is None else sent_at + outcome.after


def key(provider: str, message_id: str, number: str) -> str:
    return f"{provider}:{message_id}:{number}"


def outcome_of(rows: Transaction | Store, provider: str, message_id: str | None, number: str) -> Outcome:
    """The outcome set for this SMS by the control plane, else the number's plan; read in a
    transaction, or from the store alone (one row: the outbox's views ask it per SMS)."""
    if message_id is not None:
        chosen: Outcome | None = rows.get(OUTCOMES, key(provider, message_id, number))
        if chosen is not None:
            return chosen
    return planned(number)


class DeliveryChanges:
    """Tells listeners (live pages) that statuses may have moved: an outcome was set, or the clock
    was moved. Listeners ask again; nothing is pushed but the nudge."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[int, Callable[[], None]] = {}
        self._next = 0

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        with self._lock:
            token, self._next = self._next, self._next + 1
            self._listeners[token] = listener

        def unsubscribe() -> None:
            with self._lock:
                self._listeners.pop(token, None)

        return unsubscribe

    def changed(self) -> None:
        with self._lock:
            listeners = list(self._listeners.values())
        for listener in listeners:
            listener()
