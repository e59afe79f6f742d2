"""What the fake "delivered": every SMS a provider would have sent to a phone."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    provider: str
    sender: str
    to: str
    text: str
    sent_at: datetime
    message_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Outbox:
    """A bounded, thread-safe record of delivered SMS, oldest first."""

    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._messages: deque[OutboxMessage] = deque(maxlen=limit)
        self._listeners: list[Callable[[], None]] = []

    def record(self, message: OutboxMessage) -> None:
        with self._lock:
            self._messages.append(message)
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after every delivery (from any thread); returns the unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

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
        """Messages matching every filter given, oldest first."""
        return [
            m
            for m in self.messages()
            if (provider is None or m.provider == provider)
            and (to is None or m.to == to)
            and (sender is None or m.sender == sender)
            and (contains is None or contains in m.text)
        ]

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def snapshot(self) -> list[OutboxMessage]:
        return self.messages()

    def restore(self, messages: list[OutboxMessage]) -> None:
        with self._lock:
            self._messages.clear()
            self._messages.extend(messages)
