"""What the web state view shows of 2SMS: accounts with credits, the address book, messages with
recipients, reads and delivery statuses, scheduled and recurring sends, templates."""

from __future__ import annotations

from datetime import datetime

from mockserver.providers.base import InboundSms, StateTable
from mockserver.providers.twosms.records import (
    ACCOUNTS,
    CONTACTS,
    GROUPS,
    MESSAGES,
    TEMPLATES,
    Contact,
    Message,
)
from mockserver.providers.twosms.reports import recipient_report
from mockserver.providers.twosms.schedules import PlannedSend, planned_sends
from mockserver.state.clock import isoformat
from mockserver.state.store import Transaction

SHOWN_MESSAGES = 200


def tables(tx: Transaction, now: datetime) -> list[StateTable]:
    accounts = StateTable(
        "Accounts",
        ("account", "id", "credits", "off-peak credits"),
        [(a.name, a.id, str(a.credits), str(a.off_peak_credits)) for a in tx.rows(ACCOUNTS)],
    )
    names = {a.id: a.name for a in tx.rows(ACCOUNTS)}
    contacts = StateTable(
        "Address book",
        ("account", "person number", "mobile", "name", "email"),
        [_contact_row(c, names) for c in tx.rows(CONTACTS)],
    )
    group_names = {g.id: g.name for g in tx.rows(GROUPS)}
    groups = StateTable(
        "Groups",
        ("account", "group", "id", "inside", "contacts (PersonNumbers)"),
        [
            (
                names.get(g.account_id, g.account_id),
                g.name,
                g.id,
                group_names.get(g.parent_id, g.parent_id) if g.parent_id else "-",
                ", ".join(map(str, g.members)) or "-",
            )
            for g in tx.rows(GROUPS)
        ],
    )
    messages: list[Message] = tx.rows(MESSAGES)[-SHOWN_MESSAGES:]
    return [
        accounts,
        contacts,
        groups,
        StateTable(
            f"Messages (the newest {SHOWN_MESSAGES})" if len(messages) == SHOWN_MESSAGES else "Messages",
            ("id", "from", "content", "recipients (reads, delivery)", "reads allowed", "expiry", "state"),
            [_message_row(tx, m, now) for m in reversed(messages)],
        ),
        StateTable(
            "Scheduled and recurring sends",
            ("account", "id", "kind", "next send", "content", "recipients", "sent so far"),
            [_planned_row(p, name) for a, name in names.items() for p in planned_sends(tx, a)],
        ),
        StateTable(
            "Templates",
            ("account", "id", "name", "text"),
            [(names.get(t.account_id, t.account_id), t.id, t.name, t.text) for t in tx.rows(TEMPLATES)],
        ),
    ]


def replies_from(tx: Transaction, number: str) -> list[InboundSms]:
    """Every reply `number` sent to a 2SMS message (through the API or the recipient page)."""
    return [
        InboundSms("twosms", reply.sender, reply.text, reply.inserted)
        for message in tx.rows(MESSAGES)
        for reply in message.replies
        if reply.sender == number
    ]


def _planned_row(planned: PlannedSend, account: str) -> tuple[str, ...]:
    schedule = planned.schedule
    return (
        account,
        planned.id,
        planned.kind.name.lower(),
        isoformat(planned.next_at),
        planned.content,
        ", ".join(r.mobile for r in planned.recipients),
        str(schedule.sent) if schedule is not None else "-",
    )


def _contact_row(contact: Contact, account_names: dict[str, str]) -> tuple[str, ...]:
    name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    return (
        account_names.get(contact.account_id, contact.account_id),
        str(contact.person_number),
        contact.mobile,
        name or "-",
        contact.email or "-",
    )


def _message_row(tx: Transaction, message: Message, now: datetime) -> tuple[str, ...]:
    recipients = ", ".join(
        f"{r.mobile} ({r.reads}, {recipient_report(tx, message, r, now).delivery.status.value})"
        for r in message.recipients
    )
    content = message.content if len(message.content) <= 80 else message.content[:77] + "..."
    state = "expired" if message.expired(now) else ("queued" if message.sent_at is None else "sent")
    return (
        message.id,
        message.sender,
        "(deleted)" if message.wiped else content,
        recipients or "-",
        "unlimited" if message.reads_allowed is None else str(message.reads_allowed),
        isoformat(message.expiry) if message.expiry else "-",
        state,
    )
