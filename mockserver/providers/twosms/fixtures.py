"""Turns the `twosms` section of a fixture document into store records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.errors import DomainError
from mockserver.providers.base import Services
from mockserver.providers.twosms.addressbook import check_no_cycle
from mockserver.providers.twosms.due import keep_schedule, queue
from mockserver.providers.twosms.model import store_new_message
from mockserver.providers.twosms.records import (
    ACCOUNTS,
    CLIENTS,
    CONTACTS,
    GROUPS,
    TEMPLATES,
    Account,
    ApiClient,
    Channel,
    Contact,
    Group,
    Message,
    MessageType,
    Recipient,
    RecurrenceEnd,
    Reply,
    Schedule,
    Template,
    contact_key,
)
from mockserver.providers.twosms.schedules import days_from_names, next_occurrence
from mockserver.providers.twosms.templates import TEMPLATE_TYPES
from mockserver.state.clock import parse_instant
from mockserver.state.store import Transaction, evolve


def load(tx: Transaction, section: dict[str, Any], services: Services) -> None:
    """Add accounts with their clients, contacts, groups and messages; a known id is replaced.

    Raises DomainError with `field` = the JSON pointer (inside the section) of the faulty entry.
    """
    build = _MessageBuilder(tx, services)
    for a, entry in enumerate(section.get("accounts", [])):
        where = f"/accounts/{a}"
        account_id = entry["id"].lower()
        tx.put(
            ACCOUNTS,
            account_id,
            Account(account_id, entry["name"], entry["credits"], entry.get("offPeakCredits", 0)),
        )
        for c, client in enumerate(entry.get("clients", [])):
            owner = tx.get(CLIENTS, client["clientId"])
            if owner is not None and owner.account_id != account_id:
                raise DomainError("already belongs to another account", field=f"{where}/clients/{c}/clientId")
            tx.put(CLIENTS, client["clientId"], ApiClient(client["clientId"], client["secret"], account_id))
        for contact in entry.get("contacts", []):
            record = Contact(
                account_id,
                contact["personNumber"],
                contact["mobile"],
                contact.get("firstName", ""),
                contact.get("lastName", ""),
                contact.get("email", ""),
                contact.get("loginType", 0),
                contact.get("validated", False),
            )
            tx.put(CONTACTS, record.key, record)
        for g, group in enumerate(entry.get("groups", [])):
            for m, member in enumerate(group["members"]):
                if tx.get(CONTACTS, contact_key(account_id, member)) is None:
                    raise DomainError(
                        "names no contact of this account", field=f"{where}/groups/{g}/members/{m}"
                    )
            parent = group.get("parent", "").lower() or None
            record = Group(group["id"].lower(), account_id, group["name"], tuple(group["members"]), parent)
            tx.put(GROUPS, record.id, record)
        _check_parents(tx, account_id, where, entry.get("groups", []))
        for template in entry.get("templates", []):
            record = _template(template, account_id, build)
            tx.put(TEMPLATES, record.id, record)
        for i, message in enumerate(entry.get("messages", [])):
            record = build.message(message, account_id, f"{where}/messages/{i}")
            store_new_message(tx, record)
            if record.sent_at is None:
                queue(tx, record)
        for i, recurring in enumerate(entry.get("recurring", [])):
            schedule = build.schedule(recurring, account_id, f"{where}/recurring/{i}")
            keep_schedule(tx, schedule)


def _template(entry: dict[str, Any], account_id: str, build: _MessageBuilder) -> Template:
    created = build.instant(entry.get("created")) or build.now()
    kind = TEMPLATE_TYPES.index(entry.get("type", "RECIPIENT_CODE"))
    return Template(entry["id"].lower(), account_id, entry["name"], kind, entry["text"], created, created)


def _check_parents(tx: Transaction, account_id: str, where: str, entries: list[dict[str, Any]]) -> None:
    """Each group's parent is a group of the same account, and no group is its own ancestor."""
    mine = [g for g in tx.rows(GROUPS) if g.account_id == account_id]
    ids = {g.id for g in mine}
    index = {e["id"].lower(): i for i, e in enumerate(entries)}
    for group in mine:
        if group.parent_id is not None and group.parent_id not in ids and group.id in index:
            raise DomainError(
                "names no group of this account", field=f"{where}/groups/{index[group.id]}/parent"
            )
    looping = check_no_cycle(mine)
    if looping is not None:
        at = f"{where}/groups/{index[looping]}/parent" if looping in index else f"{where}/groups"
        raise DomainError("makes the group its own ancestor (a cycle)", field=at)


class _MessageBuilder:
    """Messages from fixture entries, built in bulk (a world may hold 100,000): link tokens drawn
    a block at a time, and each distinct date text parsed once."""

    def __init__(self, tx: Transaction, services: Services) -> None:
        self._tx = tx
        self.now = services.clock.now
        self._tokens = services.ids.secrets("twosms.contact-token", 24)
        self._instants: dict[str, datetime] = {}

    def message(self, entry: dict[str, Any], account_id: str, where: str) -> Message:
        sent = self.instant(entry.get("dateSent")) or self.now()
        later = self.instant(entry.get("dateToSend"))
        if later is not None and later > self.now():
            return evolve(
                self._message(entry, account_id, where, self.now()), date_to_send=later, sent_at=None
            )
        return self._message(entry, account_id, where, sent)

    def schedule(self, entry: dict[str, Any], account_id: str, where: str) -> Schedule:
        end = RecurrenceEnd[entry.get("range", "END_AFTER")]
        last = self.instant(entry.get("lastDate"))
        if end is RecurrenceEnd.END_BY and last is None:
            raise DomainError("END_BY needs a lastDate", field=f"{where}/range")
        recipients = tuple(
            self._recipient(r, account_id, where, i) for i, r in enumerate(entry["recipients"])
        )
        kind = MessageType[entry.get("type", "RECURRING")]
        schedule = Schedule(
            entry["id"].lower(), account_id, kind, entry.get("sender", ""),
            entry["content"], entry.get("reference", ""), recipients, self.instant(entry["start"]),
            days_from_names(entry.get("days", []), f"{where}/days"), end, entry.get("occurrences", 1), last,
            None, created=self.now(),
        )  # fmt: skip
        first = next_occurrence(schedule, None)
        if first is None:
            raise DomainError("no occurrence falls on or before its lastDate", field=f"{where}/lastDate")
        return evolve(schedule, next_at=first)

    def _message(self, entry: dict[str, Any], account_id: str, where: str, sent: datetime) -> Message:
        expired = entry.get("expired", False)
        expiry = self.instant(entry.get("expiryDate"))
        return Message(
            id=entry["id"].lower(),
            account_id=account_id,
            type=MessageType[entry.get("type", "ADVANCED")],
            sender=entry.get("sender", ""),
            content=entry.get("content", ""),
            reference=entry.get("reference", ""),
            created=sent,
            date_to_send=sent,
            sent_at=sent,
            expiry=expiry,
            expired_at=(expiry or sent) if expired else None,
            reads_allowed=entry.get("readsAllowed"),
            response_limit=entry.get("responseLimit"),
            recipients=(
                recipients := tuple(
                    [self._recipient(r, account_id, where, i) for i, r in enumerate(entry["recipients"])]
                )
            ),
            replies=tuple(
                self._reply(r, sent, recipients, f"{where}/replies/{i}")
                for i, r in enumerate(entry.get("replies", []))
            ),
        )

    def _reply(
        self, entry: dict[str, Any], sent: datetime, recipients: tuple[Recipient, ...], where: str
    ) -> Reply:
        if not any(r.mobile == entry["from"] for r in recipients):
            raise DomainError("is not a recipient of this message", field=f"{where}/from")
        at = self.instant(entry.get("at")) or sent
        return Reply(
            entry["from"],
            entry["text"],
            at,
            entry.get("senderSent", False),
            at if entry.get("read") else None,
        )

    def _recipient(self, entry: dict[str, Any], account_id: str, where: str, index: int) -> Recipient:
        if "personNumber" in entry:
            contact = self._tx.get(CONTACTS, contact_key(account_id, entry["personNumber"]))
            if contact is None:
                field = f"{where}/recipients/{index}/personNumber"
                raise DomainError("names no contact of this account", field=field)
            mobile, person = contact.mobile, contact.person_number
        else:
            mobile, person = entry["mobile"], None
        token = entry.get("contactId") or next(self._tokens)
        channel = _CHANNELS[entry.get("channel", 2)]
        return Recipient(mobile, token, channel, person, entry.get("reads", 0))

    def instant(self, value: str | None) -> datetime | None:
        if value is None:
            return None
        instant = self._instants.get(value)
        if instant is None:
            instant = self._instants[value] = parse_instant(value)
        return instant


_CHANNELS = {channel.value: channel for channel in Channel}
