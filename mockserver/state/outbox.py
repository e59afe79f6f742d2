"""What the fake "delivered": every SMS a provider would have sent to a phone."""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

OTP = re.compile(r"(?<!\d)(\d{4,8})(?!\d)")
"""A one-time code in an SMS: 4 to 8 digits standing alone."""
LINK = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    provider: str
    sender: str
    to: str
    text: str
    sent_at: datetime
    message_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


Listener = Callable[[OutboxMessage], None]
Accepts = Callable[[OutboxMessage], bool]


@dataclass(frozen=True, slots=True)
class OutboxQuery:
    """Which SMS to show: every filter given must hold (the admin API, the inbox page and tests
    all filter through this one).

    Numbers and ids match exactly; `contains` is a substring of the text ignoring case, as a
    person searching an inbox expects."""

    provider: str | None = None
    to: str | None = None
    sender: str | None = None
    number: str | None = None
    """Either end of the conversation: `to` or `sender`."""
    contains: str | None = None
    since: datetime | None = None
    """Sent at or after this instant."""
    message_id: str | None = None
    owner: Callable[[str | None], bool] | None = None
    """Told the SMS's owner key (`extra["owner"]`); the tenant filter."""

    def __call__(self, m: OutboxMessage) -> bool:
        return (
            (self.provider is None or m.provider == self.provider)
            and (self.to is None or m.to == self.to)
            and (self.sender is None or m.sender == self.sender)
            and (self.number is None or self.number in (m.to, m.sender))
            and (self.contains is None or self.contains.casefold() in m.text.casefold())
            and (self.since is None or m.sent_at >= self.since)
            and (self.message_id is None or m.message_id == self.message_id)
            and (self.owner is None or self.owner(m.extra.get("owner")))
        )


class OutboxSink(Protocol):
    """Where the outbox's contents are kept as well (a state file): told of every change."""

    def outbox_recorded(self, message: OutboxMessage) -> None: ...

    def outbox_replaced(self, messages: list[OutboxMessage]) -> None: ...


class Outbox:
    """A bounded, thread-safe record of delivered SMS, oldest first.

    A store participant: an SMS recorded inside a transaction is delivered when the transaction
    commits (with it, to a state file), and never if it fails; outside one, at once."""

    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._messages: deque[OutboxMessage] = deque(maxlen=limit)
        self._listeners: dict[int, tuple[Accepts | None, Listener]] = {}
        self._next_listener = 0
        self.sink: OutboxSink | None = None
        self._pending: list[OutboxMessage] | None = None
        self._pending_thread = 0

    def begin(self) -> None:
        with self._lock:
            self._pending, self._pending_thread = [], threading.get_ident()

    def rollback(self) -> None:
        with self._lock:
            self._pending = None

    def pending(self) -> list[OutboxMessage]:
        """What the open transaction of this thread will deliver when it commits."""
        with self._lock:
            mine = self._pending is not None and self._pending_thread == threading.get_ident()
            return list(self._pending) if mine and self._pending else []

    def commit(self) -> None:
        with self._lock:
            pending, self._pending = self._pending or [], None
        if pending:
            self._deliver(pending, written=True)

    @property
    def limit(self) -> int | None:
        return self._messages.maxlen

    def record(self, message: OutboxMessage) -> None:
        with self._lock:
            if self._pending is not None and self._pending_thread == threading.get_ident():
                self._pending.append(message)  # delivered when the transaction commits
                return
        self._deliver([message], written=False)

    def _deliver(self, messages: list[OutboxMessage], *, written: bool) -> None:
        """`written`: the state file has them already (they came with a transaction's commit)."""
        with self._lock:
            for message in messages:
                if self.sink is not None and not written:
                    self.sink.outbox_recorded(message)  # kept before it counts as delivered
                self._messages.append(message)
            listeners = list(self._listeners.values())
        # Each listener is told of a new message only if its filter accepts it: a delivery costs
        # one filter call per listener, never a rescan of the outbox.
        for message in messages:
            for accepts, listener in listeners:
                if accepts is None or accepts(message):
                    listener(message)

    def subscribe(self, listener: Listener, accepts: Accepts | None = None) -> Callable[[], None]:
        """Call `listener(message)` after each delivery `accepts` (from any thread); returns the
        unsubscribe."""
        with self._lock:
            key = self._next_listener
            self._next_listener += 1
            self._listeners[key] = (accepts, listener)

        def unsubscribe() -> None:
            with self._lock:
                self._listeners.pop(key, None)

        return unsubscribe

    def listening(self) -> int:
        """How many subscriptions are open (long polls, live pages)."""
        with self._lock:
            return len(self._listeners)

    def messages(self) -> list[OutboxMessage]:
        with self._lock:
            return list(self._messages)

    def find(
        self,
        *,
        provider: str | None = None,
        to: str | None = None,
        sender: str | None = None,
        contains: str | None = None,
    ) -> list[OutboxMessage]:
        """Messages matching every filter given (see `OutboxQuery`), oldest first."""
        query = OutboxQuery(provider=provider, to=to, sender=sender, contains=contains)
        return [m for m in self.messages() if query(m)]

    def clear(self) -> None:
        self.restore([])

    def snapshot(self) -> list[OutboxMessage]:
        return self.messages()

    def restore(self, messages: list[OutboxMessage]) -> None:
        with self._lock:
            if self.sink is not None:
                self.sink.outbox_replaced(messages)
            self._messages.clear()
            self._messages.extend(messages)
