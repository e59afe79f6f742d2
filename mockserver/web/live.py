"""The live inbox: server-sent events for each new SMS the filters accept, and for each delivery
status that moves on an SMS the page shows.

Statuses are worked out when asked (`mockserver.state.delivery`), so the stream asks again when it
may have moved: an outcome was set, the fake clock was moved, or (with the clock running) the next
status change is due.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from jinja2 import Template

from mockserver.state.delivery import Delivery, outcome_of, settles_at
from mockserver.state.outbox import OutboxMessage, OutboxQuery
from mockserver.world import World

KEEPALIVE_SECONDS = 15.0
TRACKED_AT_MOST = 500
"""SMS whose status the stream follows (the newest first); older ones are left as drawn."""


def delivery_dom_id(message: OutboxMessage) -> str:
    """An HTML id for the status of one SMS, the same on the page and in the stream."""
    identity = (
        f"{message.provider}|{message.message_id}|{message.to}|{message.sent_at.isoformat()}|{message.text}"
    )
    return "delivery-" + hashlib.blake2s(identity.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


class InboxStream:
    """One open live inbox."""

    def __init__(
        self,
        world: World,
        accepts: OutboxQuery,
        render_sms: Callable[[OutboxMessage], str],
        render_delivery: Template,
        shown: list[OutboxMessage],
    ) -> None:
        self.world, self.accepts = world, accepts
        self.render_sms, self.render_delivery = render_sms, render_delivery
        self.tracked: dict[str, tuple[OutboxMessage, Delivery]] = {}
        for message in shown[:TRACKED_AT_MOST]:
            self._track(message)

    def _track(self, message: OutboxMessage) -> None:
        delivery = self.world.delivery_of(message)
        if not delivery.status.final:
            self.tracked[delivery_dom_id(message)] = (message, delivery)
            while len(self.tracked) > TRACKED_AT_MOST:
                del self.tracked[next(iter(self.tracked))]

    async def events(self) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        woken: asyncio.Queue[OutboxMessage | None] = asyncio.Queue()
        wake: Callable[[OutboxMessage | None], Any] = lambda m: loop.call_soon_threadsafe(woken.put_nowait, m)  # noqa: E731
        unsubscribe = [
            self.world.outbox.subscribe(wake, self.accepts),
            self.world.delivery_changes.subscribe(lambda: wake(None)),
        ]
        try:
            yield ": connected\n\n"
            while True:
                try:
                    arrived = await asyncio.wait_for(woken.get(), self._wait_seconds())
                except TimeoutError:
                    arrived = None
                    yield ": keep-alive\n\n"  # lets the server notice a client that left
                if arrived is not None:
                    yield _event("sms", self.render_sms(arrived))
                    self._track(arrived)
                for html in self._moved():
                    yield _event("delivery", html)
        finally:
            for stop in unsubscribe:
                stop()

    def _wait_seconds(self) -> float:
        """Until the keep-alive, or sooner when a followed status is due to change by itself."""
        if self.world.clock.frozen or not self.tracked:
            return KEEPALIVE_SECONDS
        now = self.world.clock.now()
        due = [_settles(m, self.world) for m, _ in self.tracked.values()]
        soonest = min((d for d in due if d is not None), default=None)
        if soonest is None:
            return KEEPALIVE_SECONDS
        return min(KEEPALIVE_SECONDS, max(0.05, (soonest - now).total_seconds()))

    def _moved(self) -> list[str]:
        """The status HTML of each followed SMS whose status changed; settled ones are let go."""
        changed = []
        for dom_id, (message, before) in list(self.tracked.items()):
            now = self.world.delivery_of(message)
            if now != before:
                changed.append(self.render_delivery.render(dom_id=dom_id, delivery=now, oob=True))
                self.tracked[dom_id] = (message, now)
            if now.status.final:
                del self.tracked[dom_id]
        return changed


def _settles(message: OutboxMessage, world: World) -> datetime | None:
    outcome = outcome_of(world.store, message.provider, message.message_id, message.to)
    return settles_at(outcome, message.sent_at)


def _event(name: str, html: str) -> str:
    return f"event: {name}\n" + "".join(f"data: {line}\n" for line in html.split("\n")) + "\n"
