"""Reports (T28): the account's sent advanced messages, who responded, and one conversation, worked
out from the model's state as it stands on the fake clock (reads, responses, delivery statuses)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any, TypeVar

from mockserver.providers.twosms.errors import ContactNotFound, MessageNotFound, PageNotFound
from mockserver.providers.twosms.records import (
    MESSAGES,
    PROVIDER,
    Caller,
    Message,
    MessageType,
    Recipient,
    Reply,
    account_messages,
)
from mockserver.providers.twosms.schedules import PlannedKind, PlannedSend, matching, planned_sends
from mockserver.state.clock import Clock
from mockserver.state.delivery import Delivery, outcome_of, status_at
from mockserver.state.store import Store, Transaction, evolve

T = TypeVar("T")


class SortField(IntEnum):
    """The docs name the enum, not its members (T28)."""

    DATE = 0
    REFERENCE = 1
    CONTACTS = 2
    READS = 3
    RESPONSES = 4


class Seen(IntEnum):
    """ReadStatus and StatusResponse: both, read, unread."""

    ALL = 0
    READ = 1
    UNREAD = 2


@dataclass(frozen=True, slots=True)
class ReportFilter:
    user: str | None = None
    status: int = 0
    """StatusSecure: 0 all, 1 active, 2 expired."""
    read: Seen = Seen.ALL
    responses: Seen = Seen.ALL
    start: datetime | None = None
    end: datetime | None = None
    custom_range: bool = False
    """DateRange 1 CUSTOM: the dates apply; 0 ALL ignores them."""
    destination: str | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class Paging:
    page: int
    per_page: int
    field: SortField = SortField.DATE
    ascending: bool = False


@dataclass(frozen=True, slots=True)
class RecipientReport:
    recipient: Recipient
    delivery: Delivery
    responses: tuple[Reply, ...]

    @property
    def unread(self) -> int:
        return sum(1 for r in self.responses if r.read_at is None)


@dataclass(frozen=True, slots=True)
class MessageReport:
    message: Message
    recipients: tuple[RecipientReport, ...]
    expired: bool

    @property
    def reads(self) -> int:
        return sum(r.recipient.reads for r in self.recipients)

    @property
    def responses(self) -> int:
        return sum(len(r.responses) for r in self.recipients)

    @property
    def unread(self) -> int:
        return sum(r.unread for r in self.recipients)


def one_page(items: Sequence[T], page: int, per_page: int) -> list[T]:
    """The `page`-th (from 1) slice; past the last page is a 404 naming `paging.Page` (page 1 of
    nothing is an empty list, as for contacts: T21)."""
    start = (page - 1) * per_page
    if page > 1 and start >= len(items):
        last = max(1, -(-len(items) // per_page))
        raise PageNotFound(f"Page {page} is past the last page ({last}).", field="paging.Page")
    return list(items[start : start + per_page])


def responses_to(message: Message, recipient: Recipient) -> tuple[Reply, ...]:
    """What the recipient sent back (the account's own answers, `SenderSent`, are not responses)."""
    return tuple(r for r in message.replies if r.sender == recipient.mobile and not r.sender_sent)


def recipient_report(
    tx: Transaction, message: Message, recipient: Recipient, now: datetime
) -> RecipientReport:
    outcome = outcome_of(tx, PROVIDER, message.id, recipient.mobile)
    delivery = status_at(outcome, recipient.sent_at(message), now)
    return RecipientReport(recipient, delivery, responses_to(message, recipient))


def message_report(tx: Transaction, message: Message, now: datetime) -> MessageReport:
    recipients = tuple(recipient_report(tx, message, r, now) for r in message.recipients)
    return MessageReport(message, recipients, message.expired(now))


_MESSAGE_ORDER: dict[SortField, Callable[[MessageReport], Any]] = {
    SortField.DATE: lambda r: (r.message.sent_at, r.message.id),
    SortField.REFERENCE: lambda r: (r.message.reference.casefold(), r.message.id),
    SortField.CONTACTS: lambda r: (len(r.recipients), r.message.id),
    SortField.READS: lambda r: (r.reads, r.message.id),
    SortField.RESPONSES: lambda r: (r.responses, r.message.id),
}


def _wanted(report: MessageReport, given: ReportFilter, account_id: str) -> bool:
    message = report.message
    sent = message.sent_at
    checks = (
        given.user is None or given.user.lower() == account_id.lower(),
        given.status == 0 or (given.status == 2) == report.expired,
        given.read is Seen.ALL or (given.read is Seen.READ) == (report.reads > 0),
        given.responses is Seen.ALL or (given.responses is Seen.UNREAD) == (report.unread > 0),
        not given.custom_range or given.start is None or (sent is not None and sent >= given.start),
        not given.custom_range or given.end is None or (sent is not None and sent <= given.end),
        given.destination is None or any(r.mobile == given.destination for r in message.recipients),
        given.reference is None or message.reference == given.reference,
    )
    return all(checks)


class Reports:
    """The reports of every account, over the shared store."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock

    def messages(self, caller: Caller, given: ReportFilter, paging: Paging) -> list[MessageReport]:
        """Sent advanced (SMS+) messages: the report the help page describes."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            own = [tx.get(MESSAGES, i) for i in tx.rows(account_messages(caller.account_id))]
            reports = [
                message_report(tx, m, now)
                for m in own
                if m.type is MessageType.ADVANCED and m.sent_at is not None
            ]
        chosen = [r for r in reports if _wanted(r, given, caller.account_id)]
        chosen.sort(key=_MESSAGE_ORDER[paging.field], reverse=not paging.ascending)
        return one_page(chosen, paging.page, paging.per_page)

    def planned(
        self, caller: Caller, kind: PlannedKind | None, criteria: dict[str, Any], paging: Paging
    ) -> list[PlannedSend]:
        """Scheduled and recurring sends still to go out, soonest first (T29); `criteria` as the
        cancel body names its filters (`Reference`, `Destination`, `Range`, `StartDate`, `EndDate`)."""
        with self.store.transaction() as tx:
            planned = planned_sends(tx, caller.account_id)
        chosen = matching([p for p in planned if kind is None or p.kind is kind], criteria)
        return one_page(chosen, paging.page, paging.per_page)

    def responders(
        self, caller: Caller, message_id: str, given: ReportFilter, paging: Paging
    ) -> list[RecipientReport]:
        """The message's recipients who responded, with their unread responses."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            message = message_of(tx, caller, message_id, "messageId")
            if given.reference is not None and message.reference != given.reference:
                return one_page([], paging.page, paging.per_page)
            found = [recipient_report(tx, message, r, now) for r in message.recipients]
        found = [r for r in found if r.responses and _responder_wanted(r, given, caller.account_id)]
        found.sort(key=_RESPONDER_ORDER[paging.field], reverse=not paging.ascending)
        return one_page(found, paging.page, paging.per_page)

    def conversation(self, caller: Caller, message_id: str, recipient: str) -> tuple[Message, list[Reply]]:
        """Everything said with one recipient, oldest first; their responses count as read now."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            message = message_of(tx, caller, message_id, "messageId")
            who = _recipient_named(message, recipient)
            replies = tuple(
                evolve(r, read_at=now)
                if r.sender == who.mobile and r.read_at is None and not r.sender_sent
                else r
                for r in message.replies
            )
            if replies != message.replies:
                message = evolve(message, replies=replies)
                tx.put(MESSAGES, message.id, message)
        said = sorted((r for r in message.replies if r.sender == who.mobile), key=lambda r: r.inserted)
        return message, said


def _responder_wanted(report: RecipientReport, given: ReportFilter, account_id: str) -> bool:
    last = max(r.inserted for r in report.responses)
    checks = (
        given.user is None or given.user.lower() == account_id.lower(),
        given.responses is Seen.ALL or (given.responses is Seen.UNREAD) == (report.unread > 0),
        not given.custom_range or given.start is None or last >= given.start,
        not given.custom_range or given.end is None or last <= given.end,
        given.destination is None or report.recipient.mobile == given.destination,
    )
    return all(checks)


_RESPONDER_ORDER: dict[SortField, Callable[[RecipientReport], Any]] = {
    SortField.DATE: lambda r: (max(x.inserted for x in r.responses), r.recipient.mobile),
    SortField.REFERENCE: lambda r: 0,  # one message, one reference: the order stays as sent
    SortField.CONTACTS: lambda r: r.recipient.mobile,
    SortField.READS: lambda r: (r.recipient.reads, r.recipient.mobile),
    SortField.RESPONSES: lambda r: (len(r.responses), r.recipient.mobile),
}


def message_of(tx: Transaction, caller: Caller, message_id: str, field: str) -> Message:
    """The caller's message by id; another account's is as unknown as a missing one (T3)."""
    message: Message | None = tx.get(MESSAGES, message_id.lower())
    if message is None or message.account_id != caller.account_id:
        raise MessageNotFound(f"No message {message_id} in this account.", field=field)
    return message


def _recipient_named(message: Message, recipient: str) -> Recipient:
    """By number (a `+` a client forgot to encode arrives as a space, so a bare number matches too)
    or by PersonNumber."""
    wanted = recipient.strip()
    for r in message.recipients:
        if r.mobile in (wanted, f"+{wanted}"):
            return r
    if wanted.isascii() and wanted.isdigit() and len(wanted) <= 10:
        for r in message.recipients:
            if r.person_number == int(wanted):
                return r
    raise ContactNotFound(f"{recipient} is not a recipient of this message.", field="recipient")
