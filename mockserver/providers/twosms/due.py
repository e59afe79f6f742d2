"""When the next queued message or recurring occurrence falls due: one row kept beside the queue and
the schedules, so that the check made before every 2SMS request reads one value instead of opening
a transaction and scanning them. Every change to the queue or the schedules goes through here."""

from __future__ import annotations

from datetime import datetime

from mockserver.providers.twosms.records import MESSAGES, QUEUE, SCHEDULES, Message, Schedule
from mockserver.state.store import Store, Transaction

DUE = "index:twosms.due"
"""An index over the queue and the schedules (the state dump leaves it out), one row: `NEXT`."""
NEXT = "next"


def next_due(store: Store) -> datetime | None:
    """The earliest instant something falls due, None when nothing is planned."""
    return store.get(DUE, NEXT)


def queue(tx: Transaction, message: Message) -> None:
    tx.put(QUEUE, message.id, message.id)
    _lower(tx, message.date_to_send)


def unqueue(tx: Transaction, message: Message) -> None:
    if tx.get(QUEUE, message.id) is not None:
        tx.delete(QUEUE, message.id)
        _refresh_if(tx, message.date_to_send)


def keep_schedule(tx: Transaction, schedule: Schedule) -> None:
    """Kept while it has occurrences to come; an ended schedule leaves only its messages."""
    old: Schedule | None = tx.get(SCHEDULES, schedule.id)
    if schedule.next_at is None:
        tx.delete(SCHEDULES, schedule.id)
    else:
        tx.put(SCHEDULES, schedule.id, schedule)
        _lower(tx, schedule.next_at)
    if old is not None and old.next_at is not None:
        _refresh_if(tx, old.next_at)


def drop_schedule(tx: Transaction, schedule_id: str) -> None:
    old: Schedule | None = tx.get(SCHEDULES, schedule_id)
    if old is not None:
        tx.delete(SCHEDULES, schedule_id)
        if old.next_at is not None:
            _refresh_if(tx, old.next_at)


def _lower(tx: Transaction, at: datetime) -> None:
    current: datetime | None = tx.get(DUE, NEXT)
    if current is None or at < current:
        tx.put(DUE, NEXT, at)


def _refresh_if(tx: Transaction, gone: datetime) -> None:
    """`gone` left the plan: if it was the earliest, find the next earliest."""
    current: datetime | None = tx.get(DUE, NEXT)
    if current is None or gone > current:
        return
    queued = (tx.get(MESSAGES, i) for i in tx.rows(QUEUE))
    times = [m.date_to_send for m in queued if m is not None]
    times += [s.next_at for s in tx.rows(SCHEDULES) if s.next_at is not None]
    if times:
        tx.put(DUE, NEXT, min(times))
    else:
        tx.delete(DUE, NEXT)
