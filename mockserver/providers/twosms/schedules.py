"""Scheduled and recurring sends (T29): what is planned, occurrences falling due on the fake clock,
and cancelling pending and recurring sends (`DELETE api/v2/sms/messages/pendings|recurrings`).

A mixin of the 2SMS model: the methods use its store, clock and ids, and its recipients, charging
and sending. A queued message is a message waiting in the queue; a recurring send is a `Schedule`
whose occurrences become messages of their own as they fall due.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from mockserver.providers.twosms.addressbook import no_id
from mockserver.providers.twosms.due import drop_schedule, keep_schedule, unqueue
from mockserver.providers.twosms.errors import InvalidRecurrence, InvalidRequest, MessageNotFound
from mockserver.providers.twosms.records import (
    ACCOUNTS,
    MESSAGES,
    QUEUE,
    SCHEDULES,
    Caller,
    Message,
    MessageType,
    Recipient,
    RecurrenceEnd,
    Schedule,
    SmsTransaction,
    account_messages,
)
from mockserver.providers.twosms.values import enum_value, parse_instant
from mockserver.state.clock import Clock
from mockserver.state.ids import IdGenerator
from mockserver.state.store import Store, Transaction, evolve

MAX_CATCH_UP = 100
"""Occurrences of one schedule sent in one catch-up; a clock jump past more counts the older ones
as missed (a daily send advanced ten years would otherwise send 3,650 messages at once)."""
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""By `datetime.weekday()`."""


class PlannedKind(IntEnum):
    """PendingRecurringType: 0 PENDING is documented, 1 RECURRING inferred."""

    PENDING = 0
    RECURRING = 1


def days_from_mask(mask: int) -> tuple[int, ...]:
    """`PatternScheduleDays` as an int: bit n is .NET's DayOfWeek n (1 Sunday, 2 Monday ... 64
    Saturday); 0 means every day."""
    return tuple(w for w in range(7) if mask & (1 << ((w + 1) % 7)))


def days_from_names(names: Sequence[str], field: str) -> tuple[int, ...]:
    """`PatternScheduleDays` as day names (the spec lists them); none: every day."""
    for index, name in enumerate(names):
        if name not in DAY_NAMES:
            raise InvalidRequest(f"{name!r} is not a day of the week", field=f"{field}/{index}")
    return tuple(sorted({DAY_NAMES.index(name) for name in names}))


def occurrence_times(start: datetime, days: tuple[int, ...]) -> Iterator[datetime]:
    """`start`, then the same time of day on each following day it sends on (UTC days); ends
    before the calendar does (year 9999)."""
    at = start
    while True:
        if not days or at.weekday() in days:
            yield at
        try:
            at += timedelta(days=1)
        except OverflowError:
            return


def occurrences_between(start: datetime, end: datetime, days: tuple[int, ...]) -> int:
    """How many of `occurrence_times(start, days)` fall on or before `end`, counted, not listed."""
    if end < start:
        return 0
    span = (end - start).days + 1  # same time of day: day k is start + k days, k < span
    weeks, rest = divmod(span, 7)
    per_week = len(days) or 7
    tail = sum(1 for k in range(rest) if not days or (start.weekday() + k) % 7 in days)
    return weeks * per_week + tail


def skip_occurrences(start: datetime, count: int, days: tuple[int, ...]) -> datetime | None:
    """The occurrence `count` places after `start` (itself an occurrence), whole weeks at a time."""
    weeks, rest = divmod(count, len(days) or 7)
    try:
        at = start + timedelta(days=7 * weeks)
    except OverflowError:
        return None
    for index, when in enumerate(occurrence_times(at, days)):
        if index == rest:
            return when
    return None


def next_occurrence(schedule: Schedule, after: datetime | None) -> datetime | None:
    """The occurrence after `after` (None: the first), or None once the schedule has ended."""
    ended = schedule.end is RecurrenceEnd.END_AFTER and schedule.occurrences is not None
    if ended and schedule.sent + schedule.missed >= schedule.occurrences:
        return None
    try:
        start = schedule.first if after is None else after + timedelta(days=1)
    except OverflowError:
        return None
    at = next(occurrence_times(start, schedule.days), None)
    if at is None or (
        schedule.end is RecurrenceEnd.END_BY and schedule.last_date is not None and at > schedule.last_date
    ):
        return None
    return at


def due_count(schedule: Schedule, now: datetime) -> int:
    """How many occurrences have fallen due by `now`, within the schedule's end."""
    if schedule.next_at is None:
        return 0
    until = now if schedule.last_date is None else min(now, schedule.last_date)
    due = occurrences_between(schedule.next_at, until, schedule.days)
    if schedule.end is RecurrenceEnd.END_AFTER and schedule.occurrences is not None:
        due = min(due, schedule.occurrences - schedule.sent - schedule.missed)
    return due


@dataclass(frozen=True, slots=True)
class PlannedSend:
    """A queued message or a recurring send, as the pending report and cancelling see it."""

    id: str
    kind: PlannedKind
    next_at: datetime
    reference: str
    sender: str
    content: str
    recipients: tuple[Recipient, ...]
    schedule: Schedule | None = None


def planned_sends(tx: Transaction, account_id: str) -> list[PlannedSend]:
    """Everything of the account still to go out, soonest first."""
    found = []
    for message_id in tx.rows(QUEUE):
        m: Message = tx.get(MESSAGES, message_id)
        if m.account_id == account_id:
            found.append(
                PlannedSend(
                    m.id, PlannedKind.PENDING, m.date_to_send, m.reference, m.sender, m.content, m.recipients
                )
            )
    for s in tx.rows(SCHEDULES):
        if s.account_id == account_id and s.next_at is not None:
            found.append(
                PlannedSend(
                    s.id, PlannedKind.RECURRING, s.next_at, s.reference, s.sender, s.content, s.recipients, s
                )
            )
    return sorted(found, key=lambda p: (p.next_at, p.id))


def matching(planned: list[PlannedSend], criteria: Mapping[str, Any]) -> list[PlannedSend]:
    """The `Reference`, `Destination` and (with `Range` 1 CUSTOM) `StartDate`/`EndDate` filters,
    dates applying to the next send."""
    if criteria.get("Reference") is not None:
        planned = [p for p in planned if p.reference == criteria["Reference"]]
    if criteria.get("Destination") is not None:
        planned = [p for p in planned if any(r.mobile == criteria["Destination"] for r in p.recipients)]
    if criteria.get("Range") in (1, "CUSTOM"):
        start = parse_instant(criteria["StartDate"], "/StartDate") if criteria.get("StartDate") else None
        end = parse_instant(criteria["EndDate"], "/EndDate") if criteria.get("EndDate") else None
        planned = [
            p for p in planned if (start is None or p.next_at >= start) and (end is None or p.next_at <= end)
        ]
    return planned


@dataclass(frozen=True, slots=True)
class Recurrence:
    """When a recurring send sends, as a request gave it."""

    first: datetime
    days: tuple[int, ...]
    end: RecurrenceEnd
    occurrences: int | None
    last_date: datetime | None


def recurrence_of_send(options: Mapping[str, Any], now: datetime) -> Recurrence:
    """`Options` of a `Type` 2 RECURRING send: from `DateToSend` (default now), by `RecurringOptions`
    (none: a single occurrence)."""
    given: Mapping[str, Any] = options.get("RecurringOptions") or {}
    first = parse_instant(options["DateToSend"], "/Options/DateToSend") if options.get("DateToSend") else now
    end = enum_value(RecurrenceEnd, given.get("Range", 0), "/Options/RecurringOptions/Range")
    last = given.get("RecDateToSend")
    last_date = parse_instant(last, "/Options/RecurringOptions/RecDateToSend") if last else None
    return _checked(
        Recurrence(
            first,
            days_from_mask(given.get("PatternScheduleDays", 0)),
            end,
            given.get("OccurrencesEnd", 1),
            last_date,
        ),
        "/Options/RecurringOptions",
    )


def recurrence_of_recurring_message(body: Mapping[str, Any], now: datetime) -> Recurrence:
    """A `RecurringMessage` (`POST api/v1/sms/standardmessages/recurringmessages`): from `StartSend`
    (default now) on the days `PatternScheduleDays` names; it has no last date, so END_BY is a 400."""
    first = parse_instant(body["StartSend"], "/StartSend") if body.get("StartSend") else now
    end = enum_value(RecurrenceEnd, body.get("RecurrenceRange", 0), "/RecurrenceRange")
    if end is RecurrenceEnd.END_BY:
        raise InvalidRecurrence(
            "A RecurringMessage has no last date for END_BY: use END_AFTER (0) or NO_END (2).",
            field="/RecurrenceRange",
        )
    days = days_from_names(body.get("PatternScheduleDays") or [], "/PatternScheduleDays")
    return _checked(Recurrence(first, days, end, body.get("OccurrencesEnd", 1), None), "")


def _checked(recurrence: Recurrence, where: str) -> Recurrence:
    if recurrence.end is RecurrenceEnd.END_BY:
        if recurrence.last_date is None:
            raise InvalidRecurrence(
                "Range END_BY needs the last date, RecDateToSend.", field=f"{where}/RecDateToSend"
            )
        if next(occurrence_times(recurrence.first, recurrence.days)) > recurrence.last_date:
            raise InvalidRecurrence(
                "No occurrence falls on or before the last date.", field=f"{where}/RecDateToSend"
            )
    return recurrence


class Scheduling:
    store: Store
    clock: Clock
    ids: IdGenerator

    if TYPE_CHECKING:

        def _recipients(
            self, tx: Transaction, caller: Caller, contacts: Mapping[str, Mapping[str, int]], message_id: str
        ) -> list[Recipient]: ...

        def _recipient(self, mobile: str, channel: Any, person_number: int | None) -> Recipient: ...

        def _charge(
            self, tx: Transaction, account_id: str, message: Message, new: Any, pay: bool = True
        ) -> SmsTransaction: ...

        def _send_now(self, tx: Transaction, message: Message) -> None: ...

    # -- setting up ------------------------------------------------------------------------------
    def set_up_recurring(
        self, caller: Caller, what: Mapping[str, Any], recurrence: Recurrence, kind: MessageType
    ) -> SmsTransaction:
        """A recurring send of `what` (`Contacts`, `content`, `Sender`, `Reference`): checked as a
        send (recipients, credits for one occurrence), the first occurrence sent if due now; the
        answer's MessageID is the recurring send's, which cancels it."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            schedule_id = self.ids.uuid("twosms.message")
            recipients = tuple(self._recipients(tx, caller, what.get("Contacts") or {}, schedule_id))
            if not recipients:
                raise InvalidRequest("The message has no recipients.", field="/Contacts")
            schedule = Schedule(
                schedule_id, caller.account_id, kind, what.get("Sender", ""), what["content"],
                what.get("Reference", ""), recipients, recurrence.first, recurrence.days, recurrence.end,
                recurrence.occurrences, recurrence.last_date, None, created=now,
            )  # fmt: skip
            schedule = evolve(schedule, next_at=next_occurrence(schedule, None))
            stand_in = self._occurrence(schedule, now, schedule_id)
            quote = self._charge(tx, caller.account_id, stand_in, recipients, pay=False)
            schedule = self._catch_up(tx, schedule, now)
            keep_schedule(tx, schedule)
            balance = tx.get(ACCOUNTS, caller.account_id).credits
        return evolve(quote, credits_after=balance)

    def _occurrence(self, schedule: Schedule, at: datetime, message_id: str) -> Message:
        """One occurrence as a message of its own, with fresh link tokens for its recipients."""
        recipients = tuple(self._recipient(r.mobile, r.channel, r.person_number) for r in schedule.recipients)
        return Message(
            id=message_id, account_id=schedule.account_id, type=schedule.type, sender=schedule.sender,
            content=schedule.content, reference=schedule.reference, created=at, date_to_send=at,
            sent_at=at, expiry=None, recipients=recipients, schedule_id=schedule.id,
        )  # fmt: skip

    def _catch_up(self, tx: Transaction, schedule: Schedule, now: datetime) -> Schedule:
        """Send the occurrences that fell due by `now`: the latest MAX_CATCH_UP of them, the older
        ones counted as missed (worked out, not walked through: a jump of centuries is quick)."""
        due = due_count(schedule, now)
        missed = max(0, due - MAX_CATCH_UP)
        if missed and schedule.next_at is not None:
            schedule = evolve(
                schedule,
                missed=schedule.missed + missed,
                next_at=skip_occurrences(schedule.next_at, missed, schedule.days),
            )
        for _ in range(due - missed):
            if schedule.next_at is None:
                break
            occurrence = self._occurrence(schedule, schedule.next_at, self.ids.uuid("twosms.message"))
            self._send_now(tx, evolve(occurrence, sent_at=now))  # dated when it goes out (T16)
            schedule = evolve(schedule, sent=schedule.sent + 1)
            schedule = evolve(schedule, next_at=next_occurrence(schedule, schedule.next_at))
        return schedule

    def run_schedules(self) -> int:
        """Send every occurrence the fake clock has reached; how many schedules sent."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            due = [s for s in tx.rows(SCHEDULES) if s.next_at is not None and s.next_at <= now]
            for schedule in due:
                keep_schedule(tx, self._catch_up(tx, schedule, now))
        return len(due)

    # -- cancelling (DELETE api/v2/sms/messages/pendings and .../recurrings) ---------------------------
    def cancel(self, caller: Caller, criteria: Mapping[str, Any], kind: PlannedKind) -> list[str]:
        """Cancel the account's pending (or recurring) sends the criteria name, all or none; the ids
        cancelled. `All` takes every one but the listed `MessageIDs`; without it, the listed ones
        (each must be planned still) or those the filters match; naming nothing cancels nothing."""
        with self.store.transaction() as tx:
            planned = [p for p in planned_sends(tx, caller.account_id) if p.kind is kind]
            chosen = matching(_named(planned, criteria, kind), criteria)
            if (
                criteria.get("Type") is not None
                and enum_value(PlannedKind, criteria["Type"], "/Type") is not kind
            ):
                chosen = []  # a filter like the others: this URL's sends are not of that Type
            for planned_send in chosen:
                _forget(tx, planned_send, caller.account_id)
        return [p.id for p in chosen]


def _named(planned: list[PlannedSend], criteria: Mapping[str, Any], kind: PlannedKind) -> list[PlannedSend]:
    """What `All` and `MessageIDs` pick before the filters; a listed id must still be planned."""
    listed = [str(i).lower() for i in criteria.get("MessageIDs") or [] if not no_id(i)]
    if criteria.get("All"):
        return [p for p in planned if p.id not in listed]
    if listed:
        known = {p.id for p in planned}
        for index, message_id in enumerate(listed):
            if message_id not in known:
                raise MessageNotFound(
                    f"No {kind.name.lower()} send {message_id} in this account: "
                    "already sent, cancelled or never made.",
                    field=f"/MessageIDs/{index}",
                )
        return [p for p in planned if p.id in listed]
    if any(criteria.get(k) is not None for k in ("Reference", "Destination", "Range")):
        return planned
    return []


def _forget(tx: Transaction, planned: PlannedSend, account_id: str) -> None:
    """A cancelled send never went out: nothing of it stays (it was not charged, T29)."""
    if planned.kind is PlannedKind.PENDING:
        unqueue(tx, tx.get(MESSAGES, planned.id))
        tx.delete(MESSAGES, planned.id)
        tx.delete(account_messages(account_id), planned.id)
    else:
        drop_schedule(tx, planned.id)
