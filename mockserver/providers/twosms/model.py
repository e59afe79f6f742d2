"""2SMS Customer Portal: tokens, accounts and credits, contacts and groups, secure messages.

Pure state and rules (decisions T2-T14 in docs/decisions.md); nothing here reads or writes HTTP, with one
exception: an advanced SMS carries the recipient's link, so the model is given the fake's public
URL and builds that link (as the real service's SMS do). Every
operation runs in one store transaction; SMS are put in the outbox only once it has committed.
Domain errors are in `errors.py`, records and results in `records.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from mockserver.providers.twosms.accounts import TokenDesk
from mockserver.providers.twosms.addressbook import contact_of, everyone_in, group_of, is_e164, no_id
from mockserver.providers.twosms.criteria import select
from mockserver.providers.twosms.due import next_due, queue, unqueue
from mockserver.providers.twosms.errors import (
    ContactNotFound,
    ExpiryNotInFuture,
    InsufficientCredits,
    InvalidRequest,
    MessageAlreadyRead,
    MessageExpired,
)
from mockserver.providers.twosms.records import (
    ACCOUNTS,
    MESSAGES,
    PROVIDER,
    QUEUE,
    Account,
    Caller,
    Channel,
    Contact,
    Message,
    MessageType,
    Recipient,
    SmsTransaction,
    account_messages,
)
from mockserver.providers.twosms.replies import RecipientSide
from mockserver.providers.twosms.reports import message_of
from mockserver.providers.twosms.schedules import (
    Scheduling,
    recurrence_of_recurring_message,
    recurrence_of_send,
)
from mockserver.providers.twosms.segments import segments
from mockserver.providers.twosms.templates import filled_content
from mockserver.providers.twosms.values import enum_value, parse_instant
from mockserver.state.clock import Clock
from mockserver.state.delivery import OUTCOMES, DeliveryStatus, Outcome, key, planned
from mockserver.state.ids import IdGenerator
from mockserver.state.outbox import Outbox, OutboxMessage
from mockserver.state.store import Store, Transaction, evolve

READ_PAGE = "/_/twosms/read/{id}"
"""Where an advanced SMS's link leads: the recipient page (see pages.py), as the real service's
link leads to a page; the API's recipient view stays at api/v1/sms/messages/{Id}?contactId=."""


class TwoSms(TokenDesk, RecipientSide, Scheduling):
    """The 2SMS backend over the shared store, clock, ids and outbox."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        ids: IdGenerator,
        outbox: Outbox,
        public_url: str,
        max_messages: int = 200_000,
    ) -> None:
        self.store, self.clock, self.ids, self.outbox = store, clock, ids, outbox
        self.public_url = public_url
        """Where the links in an SMS point (the fake's own recipient page)."""
        self.max_messages = max_messages

    # -- delivery ------------------------------------------------------------------------------
    def deliver_due(self) -> int:
        """Send what the fake clock has reached: queued messages and recurring occurrences; how many."""
        now = self.clock.now()
        next_at = next_due(self.store)
        if next_at is None or next_at > now:
            return 0  # asked before every 2SMS request: nothing due costs one read, no transaction
        sent = self.run_schedules()
        with self.store.transaction() as tx:
            due = [m for m in (tx.get(MESSAGES, i) for i in tx.rows(QUEUE)) if m.date_to_send <= now]
            for message in due:
                unqueue(tx, message)
                self._send_now(tx, evolve(message, sent_at=now))  # dated when it goes out (T16)
        return sent + len(due)

    def _send_now(self, tx: Transaction, message: Message) -> None:
        """A message falling due: charged now (T29), and sent as the transaction commits; if the
        account cannot pay by then, every SMS is refused before sending (undeliverable, free)."""
        try:
            self._charge(tx, message.account_id, message, message.recipients)
        except InsufficientCredits:
            refused = Outcome(
                DeliveryStatus.UNDELIVERABLE, "Not enough credits when it fell due.", timedelta(0)
            )
            for recipient in message.recipients:
                tx.put(OUTCOMES, key(PROVIDER, message.id, recipient.mobile), refused)
        tx.put(MESSAGES, message.id, message)
        self._deliver(message, message.recipients)

    def _deliver(self, message: Message, recipients: Iterable[Recipient]) -> None:
        """The SMS go out now (a recipient added by an update gets theirs when added, not at the
        message's first send, so `/__admin/outbox?since=` finds it)."""
        for recipient in recipients:
            self._text(message, recipient, self.sms_text(message, recipient))

    def _text(self, message: Message, recipient: Recipient, text: str) -> None:
        """Record one SMS about `message` to `recipient`, now, if the recipient takes SMS."""
        if recipient.channel.sms:
            self.outbox.record(
                OutboxMessage(
                    provider=PROVIDER,
                    sender=message.sender,
                    to=recipient.mobile,
                    text=text,
                    sent_at=self.clock.now(),
                    message_id=message.id,
                    extra={"contactId": recipient.token, "owner": f"account:{message.account_id}"},
                )
            )

    def sms_text(self, message: Message, recipient: Recipient) -> str:
        """A standard SMS carries the text; an advanced one, the recipient's link to read it (T8)."""
        if message.type is MessageType.ADVANCED:
            link = f"{self.public_url}{READ_PAGE.format(id=message.id)}?contactId={recipient.token}"
            return f"{message.sender or '2SMS'} sent you a secure message: {link}"
        return message.content

    # -- send (T8) ------------------------------------------------------------------------------
    def send(self, caller: Caller, request: Mapping[str, Any]) -> SmsTransaction:
        options: Mapping[str, Any] = request.get("Options") or {}
        now = self.clock.now()
        message_type = enum_value(MessageType, request["Type"], "/Type")
        if message_type is MessageType.RECURRING:
            return self._send_recurring(caller, request, options)
        date_to_send = (
            parse_instant(options["DateToSend"], "/Options/DateToSend") if "DateToSend" in options else now
        )
        expiry = (
            parse_instant(options["ExpiryDate"], "/Options/ExpiryDate") if "ExpiryDate" in options else None
        )
        if expiry is not None and expiry <= max(now, date_to_send):
            raise ExpiryNotInFuture("ExpiryDate must be after the send time.", field="/Options/ExpiryDate")
        with self.store.transaction() as tx:
            message_id = self.ids.uuid("twosms.message")
            recipients = self._recipients(tx, caller, request.get("Contacts") or {}, message_id)
            if not recipients:
                raise InvalidRequest("The message has no recipients.", field="/Contacts")
            queued = date_to_send > now
            content = _content(tx, caller, request)
            message = Message(
                id=message_id,
                account_id=caller.account_id,
                type=message_type,
                sender=options.get("Sender", ""),
                content=content,
                reference=options.get("Reference", ""),
                created=now,
                date_to_send=date_to_send,
                sent_at=None if queued else now,
                expiry=expiry,
                reads_allowed=options.get("Reads"),
                response_limit=options.get("ResponseLimit"),
                recipients=tuple(recipients),
            )
            # A queued send is checked now and charged when it goes out (T29).
            result = self._charge(tx, caller.account_id, message, message.recipients, pay=not queued)
            store_new_message(tx, message)
            if queued:
                queue(tx, message)
            while tx.count(MESSAGES) > self.max_messages:
                self._evict(tx, tx.oldest(MESSAGES))
            if not queued:
                self._deliver(message, message.recipients)  # delivered as the transaction commits
        return result

    def _send_recurring(
        self, caller: Caller, request: Mapping[str, Any], options: Mapping[str, Any]
    ) -> SmsTransaction:
        """`Type` 2: a recurring send by `Options.RecurringOptions` (T29)."""
        recurrence = recurrence_of_send(options, self.clock.now())
        with self.store.transaction() as tx:
            content = _content(tx, caller, request)
        what = {**options, "Contacts": request.get("Contacts"), "content": content}
        return self.set_up_recurring(caller, what, recurrence, MessageType.RECURRING)

    def send_standard(self, caller: Caller, body: Mapping[str, Any]) -> SmsTransaction:
        """`POST api/v1/sms/standardmessages` (`StandardMessage`): a standard send (T30)."""
        options = {k: body[k] for k in ("DateToSend", "Reference", "Sender") if body.get(k) is not None}
        request = {"Type": MessageType.STANDARD, "Content": body["Content"], "Contacts": body["Contacts"]}
        return self.send(caller, {**request, "Options": options})

    def add_recurring(self, caller: Caller, body: Mapping[str, Any]) -> SmsTransaction:
        """`POST api/v1/sms/standardmessages/recurringmessages` (`RecurringMessage`, T29): `Header`
        is the sender shown."""
        recurrence = recurrence_of_recurring_message(body, self.clock.now())
        what = {
            "Contacts": body.get("Contacts"),
            "content": body["Content"],
            "Reference": body["Reference"],
            "Sender": body.get("Header", ""),
        }
        return self.set_up_recurring(caller, what, recurrence, MessageType.STANDARD)

    def send_to_groups(self, caller: Caller, groups: list[str], text: str) -> SmsTransaction:
        """`POST api/v1/sms/messages/fof`: a standard SMS to every contact of `groups` (T25); an
        unknown group is named by its place in the list."""
        with self.store.transaction() as tx:
            for index, group_id in enumerate(groups):
                group_of(tx, caller.account_id, group_id, f"/Groups/{index}")
        targets = {group_id: Channel.SMS.value for group_id in groups}
        request = {"Type": MessageType.STANDARD, "Content": text, "Contacts": {"GroupID": targets}}
        return self.send(caller, request)

    def _recipients(
        self, tx: Transaction, caller: Caller, contacts: Mapping[str, Mapping[str, int]], message_id: str
    ) -> list[Recipient]:
        found: dict[str, Recipient] = {}
        for person, channel in (contacts.get("ContactID") or {}).items():
            contact = contact_of(tx, caller.account_id, person, f"/Contacts/ContactID/{person}")
            found.setdefault(
                contact.mobile, self._recipient(contact.mobile, Channel(channel), contact.person_number)
            )
        for group_id, channel in (contacts.get("GroupID") or {}).items():
            where = f"/Contacts/GroupID/{group_id}"
            for contact in everyone_in(tx, caller.account_id, group_id, where):
                if contact.mobile not in found:
                    _within_cap(len(found), where)
                    found[contact.mobile] = self._recipient(
                        contact.mobile, Channel(channel), contact.person_number
                    )
        for number, channel in (contacts.get("QuickRecipients") or {}).items():
            if not is_e164(number):  # the spec cannot constrain map keys: nobody to reach (404)
                raise ContactNotFound(
                    f"{number!r} is not an E.164 number", field=f"/Contacts/QuickRecipients/{number}"
                )
            if number not in found:
                _within_cap(len(found), "/Contacts/QuickRecipients")
                found[number] = self._recipient(number, Channel(channel), None)
        return list(found.values())

    def _recipient(self, mobile: str, channel: Channel, person_number: int | None) -> Recipient:
        return Recipient(mobile, self.ids.secret("twosms.contact-token", 24), channel, person_number)

    def _charge(
        self, tx: Transaction, account_id: str, message: Message, new: Iterable[Recipient], pay: bool = True
    ) -> SmsTransaction:
        """One credit per segment per new SMS recipient whose number is not refused outright (T8,
        T26); refuse the whole request if short. `pay=False` checks the balance and charges
        nothing (a queued message pays when it goes out)."""
        new = list(new)
        sms = sum(1 for r in new if r.channel.sms and not planned(r.mobile).refused_at_once)
        cost = sms * segments(message.content) if sms else 0  # an update adding nobody costs nothing
        account: Account = tx.get(ACCOUNTS, account_id)
        if cost > account.credits:
            raise InsufficientCredits(
                f"Sending needs {cost} credits and the account has {account.credits}; nothing was sent."
            )
        after = account.credits - cost if pay else account.credits
        tx.put(ACCOUNTS, account.id, evolve(account, credits=after))
        return SmsTransaction(
            message=message,
            contacts=sum(1 for r in new if r.person_number is not None),
            quick_recipients=sum(1 for r in new if r.person_number is None),
            sms=sms,
            emails=sum(1 for r in new if r.channel.email),
            credits_before=account.credits,
            credits_after=after,
        )

    @staticmethod
    def _evict(tx: Transaction, message: Message) -> None:
        """Past the cap the oldest message goes, as if it had never been stored (its link too)."""
        unqueue(tx, message)
        tx.delete(MESSAGES, message.id)
        tx.delete(account_messages(message.account_id), message.id)

    # -- update (T10) ---------------------------------------------------------------------------
    def _owned(self, tx: Transaction, caller: Caller, message_id: str) -> Message:
        return message_of(tx, caller, message_id, "messageID")

    def update(self, caller: Caller, message_id: str, details: Mapping[str, Any]) -> SmsTransaction:
        """Apply every change of `details` together, or none (T10)."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            message = self._owned(tx, caller, message_id)
            if message.expired(now):
                raise MessageExpired("The message has expired and can no longer be changed.")
            content = details.get("Content")
            if (
                content is not None
                and content != message.content
                and any(r.reads for r in message.recipients)
            ):
                raise MessageAlreadyRead("The message was already read, so its content can no longer change.")
            changes: dict[str, Any] = {}
            if content is not None:
                changes["content"] = content
            if details.get("ExpiryDate") is not None:
                expiry = parse_instant(details["ExpiryDate"], "/ExpiryDate")
                if expiry <= now:
                    raise ExpiryNotInFuture("ExpiryDate must be in the future.", field="/ExpiryDate")
                changes["expiry"] = expiry
            if details.get("NoOfReads") is not None:
                changes["reads_allowed"] = details["NoOfReads"]
            recipients = self._changed_recipients(tx, caller, message, details)
            updated = evolve(message, recipients=tuple(recipients), **changes)
            added = [r for r in recipients if r not in message.recipients]
            result = self._charge(tx, caller.account_id, updated, added, pay=updated.sent_at is not None)
            tx.put(MESSAGES, updated.id, updated)
            if updated.sent_at is not None:
                self._deliver(updated, added)  # delivered as the transaction commits
        return result

    def _changed_recipients(
        self, tx: Transaction, caller: Caller, message: Message, details: Mapping[str, Any]
    ) -> list[Recipient]:
        current = {r.mobile: r for r in message.recipients}
        account = caller.account_id
        adding: list[Contact] = []
        if not no_id(details.get("AdditionalGroupID")):
            adding += everyone_in(tx, account, details["AdditionalGroupID"], "/AdditionalGroupID")
        if not no_id(details.get("AdditionalContactID")):
            adding.append(contact_of(tx, account, details["AdditionalContactID"], "/AdditionalContactID"))
        for contact in adding:
            if contact.mobile not in current:
                _within_cap(len(current), "/AdditionalGroupID")
                added = self._recipient(contact.mobile, Channel.SMS, contact.person_number)
                current[contact.mobile] = evolve(added, added=self.clock.now())
        removing: set[str] = set()
        if not no_id(details.get("RemoveGroupID")):
            removing |= {
                c.mobile for c in everyone_in(tx, account, details["RemoveGroupID"], "/RemoveGroupID")
            }
        if not no_id(details.get("RemoveContactID")):
            removing.add(contact_of(tx, account, details["RemoveContactID"], "/RemoveContactID").mobile)
        return [r for mobile, r in current.items() if mobile not in removing]

    # -- bulk expire (T12) ---------------------------------------------------------------------
    def expire(self, caller: Caller, criteria: Mapping[str, Any]) -> int:
        now = self.clock.now()
        with self.store.transaction() as tx:
            own = [tx.get(MESSAGES, i) for i in tx.rows(account_messages(caller.account_id))]
            matched = select(own, criteria, now)
            for message in matched:
                expired_at = message.expired_at or (message.expiry if message.expired(now) else now)
                wiped = bool(criteria.get("Delete"))
                tx.put(
                    MESSAGES,
                    message.id,
                    evolve(
                        message,
                        expired_at=expired_at,
                        wiped=message.wiped or wiped,
                        content="" if wiped else message.content,
                    ),
                )
                unqueue(tx, message)
            if criteria.get("NotifyRecipients"):  # delivered as the transaction commits
                for message in matched:
                    if message.type is MessageType.ADVANCED and message.sent_at is not None:
                        self._notify_gone(message)
        return len(matched)

    def _notify_gone(self, message: Message) -> None:
        notice = f"The secure message from {message.sender or '2SMS'} is no longer available."
        for recipient in message.recipients:
            self._text(message, recipient, notice)


MAX_RECIPIENTS = 5_000
"""Recipients one message may have (a send, or an update adding a group): the docs give no limit,
so this is the fake's own cap (T31). A send to 5,000 takes about 80 ms; past the cap, a 400 before
any recipient is built further, so no request can hold the server for long."""


def _within_cap(count: int, where: str) -> None:
    """InvalidRequest when one more recipient than `count` would pass MAX_RECIPIENTS."""
    if count >= MAX_RECIPIENTS:
        raise InvalidRequest(
            f"A message reaches at most {MAX_RECIPIENTS:,} recipients (the fake's cap).", field=where
        )


def _content(tx: Transaction, caller: Caller, request: Mapping[str, Any]) -> str:
    """What a send delivers: its `Template` filled, when it names one (T27), else its `Content`."""
    template = request.get("Template") or {}
    if no_id(template.get("ID")):
        return request.get("Content", "")
    return filled_content(tx, caller, template)


def store_new_message(tx: Transaction, message: Message) -> None:
    """A message, and its place in its account's index (a reused id leaves its old account's)."""
    previous: Message | None = tx.get(MESSAGES, message.id)
    if previous is not None and previous.account_id != message.account_id:
        tx.delete(account_messages(previous.account_id), message.id)
    tx.put(MESSAGES, message.id, message)
    tx.put(account_messages(message.account_id), message.id, message.id)
