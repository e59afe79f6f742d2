"""Acme SMS as a pure model: accounts with credits, project keys, sent messages. No HTTP here."""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from mockserver.errors import DomainError
from mockserver.state.clock import Clock
from mockserver.state.ids import IdGenerator
from mockserver.state.outbox import Outbox, OutboxMessage
from mockserver.state.store import Store, Transaction

PROVIDER = "acme"
ACCOUNTS = "acme.accounts"
PROJECTS = "acme.projects"
MESSAGES = "acme.messages"
SEGMENT = 160


class Unauthorized(DomainError):
    pass


class WrongProject(DomainError):
    pass


class NotEnoughCredits(DomainError):
    pass


class MessageNotFound(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class Account:
    sid: str
    auth_token: str
    name: str
    credits: int


@dataclass(frozen=True, slots=True)
class Project:
    key: str
    account: str


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    account: str
    to: str
    sender: str
    text: str
    segments: int
    created_at: datetime


def segments(text: str) -> int:
    return max(1, math.ceil(len(text) / SEGMENT))


class Acme:
    def __init__(self, store: Store, clock: Clock, ids: IdGenerator, outbox: Outbox) -> None:
        self.store, self.clock, self.ids, self.outbox = store, clock, ids, outbox

    def authenticate(self, sid: str, token: str) -> Account:
        with self.store.transaction() as tx:
            account: Account | None = tx.get(ACCOUNTS, sid)
        if account is None or account.auth_token != token:
            raise Unauthorized("The account SID or auth token is wrong.")
        return account

    def project(self, key: str) -> Project:
        with self.store.transaction() as tx:
            project: Project | None = tx.get(PROJECTS, key)
        if project is None:
            raise Unauthorized("The project key is not known.")
        return project

    def caller(self, account: Account, project: Project) -> Account:
        """The account acting; its project key must be one of its own."""
        if project.account != account.sid:
            raise WrongProject("The project key belongs to another account.")
        return account

    def send(self, account: Account, to: str, sender: str, text: str) -> Message:
        cost = segments(text)
        with self.store.transaction() as tx:
            current: Account = tx.get(ACCOUNTS, account.sid)
            if current.credits < cost:
                raise NotEnoughCredits(f"Sending needs {cost} credits; {current.credits} left.")
            tx.put(ACCOUNTS, current.sid, replace(current, credits=current.credits - cost))
            message = Message(
                id=self.ids.alphanumeric("acme.message", 16),
                account=current.sid,
                to=to,
                sender=sender,
                text=text,
                segments=cost,
                created_at=self.clock.now(),
            )
            tx.put(MESSAGES, message.id, message)
        self.outbox.record(
            OutboxMessage(
                provider=PROVIDER,
                sender=sender,
                to=to,
                text=text,
                sent_at=message.created_at,
                message_id=message.id,
                extra={"owner": f"acme:{current.sid}"},
            )
        )
        return message

    def message(self, account: Account, message_id: str) -> Message:
        with self.store.transaction() as tx:
            message: Message | None = tx.get(MESSAGES, message_id)
        if message is None or message.account != account.sid:  # another account's: not yours to see
            raise MessageNotFound(f"No message {message_id!r} on this account.")
        return message

    def credits(self, account: Account) -> int:
        with self.store.transaction() as tx:
            return tx.get(ACCOUNTS, account.sid).credits


def add_account(tx: Transaction, account: Account, project_keys: list[str]) -> None:
    tx.put(ACCOUNTS, account.sid, account)
    for key in project_keys:
        tx.put(PROJECTS, key, Project(key, account.sid))


def owner_of(tx: Transaction, headers: Mapping[str, str]) -> str | None:
    """`acme:<sid>` for a request whose Basic credentials name a known account."""
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        sid = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return None
    return f"acme:{sid}" if tx.get(ACCOUNTS, sid) is not None else None
