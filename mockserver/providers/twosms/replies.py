"""What a recipient does through their link, and replies (T9, T11): reading a secure message (each
read counts), and answering it within the message's response limit. A mixin of the 2SMS model: the
methods use its store and clock, and `_owned` for replies posted by the sending account.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mockserver.providers.twosms.errors import (
    ContactNotFound,
    MessageDissolved,
    MessageExpired,
    MessageNotFound,
    ResponseLimitReached,
)
from mockserver.providers.twosms.records import MESSAGES, Caller, Message, MessageView, Recipient, Reply
from mockserver.providers.twosms.values import parse_instant
from mockserver.state.clock import Clock
from mockserver.state.store import Store, Transaction, evolve


class RecipientSide:
    store: Store
    clock: Clock

    if TYPE_CHECKING:

        def _owned(self, tx: Transaction, caller: Caller, message_id: str) -> Message: ...

    # -- recipient view (T9) -------------------------------------------------------------------
    def view(self, message_id: str, token: str) -> MessageView:
        """A recipient reads the message through the link; each view uses up one read."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            message, recipient = self._by_token(tx, message_id, token)
            if message.expired(now):
                raise MessageExpired("The message has expired.")
            if message.reads_allowed is not None and recipient.reads >= message.reads_allowed:
                raise MessageDissolved("The message dissolved after its last allowed read.")
            read = evolve(recipient, reads=recipient.reads + 1)
            updated = evolve(
                message, recipients=tuple(read if r is recipient else r for r in message.recipients)
            )
            tx.put(MESSAGES, updated.id, updated)
        remaining = None if message.reads_allowed is None else message.reads_allowed - read.reads
        return MessageView(updated, read, remaining)

    # -- replies (T11) ---------------------------------------------------------------------------
    def reply(self, caller: Caller, response: Mapping[str, Any]) -> Message:
        now = self.clock.now()
        with self.store.transaction() as tx:
            message = self._owned(tx, caller, response["MessageID"])
            sender = response["From"]
            if not any(r.mobile == sender for r in message.recipients):
                raise ContactNotFound(f"{sender} is not a recipient of this message.", field="/From")
            inserted = (
                parse_instant(response["DateInsert"], "/DateInsert") if response.get("DateInsert") else now
            )
            reply = Reply(
                sender, response["Response"], inserted, sender_sent=bool(response.get("SenderSent"))
            )
            return self._add_reply(tx, message, reply, now)

    def reply_as_recipient(self, message_id: str, token: str, text: str) -> Message:
        """A recipient answers through their link (the recipient page): the same rules as a reply
        posted through the API, the sender being the recipient the token names."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            message, recipient = self._by_token(tx, message_id, token)
            return self._add_reply(tx, message, Reply(recipient.mobile, text, now), now)

    def _add_reply(self, tx: Transaction, message: Message, reply: Reply, now: datetime) -> Message:
        if message.expired(now):
            raise MessageExpired("The message has expired.")
        replies = [r for r in message.replies if r.sender == reply.sender]
        if message.response_limit is not None and len(replies) >= message.response_limit:
            raise ResponseLimitReached("This recipient has used up the message's response limit.")
        updated = evolve(message, replies=(*message.replies, reply))
        tx.put(MESSAGES, updated.id, updated)
        return updated

    def peek(self, message_id: str, token: str) -> MessageView:
        """What the recipient's link shows, without spending a read (after a reply, say)."""
        with self.store.transaction() as tx:
            message, recipient = self._by_token(tx, message_id, token)
        remaining = None if message.reads_allowed is None else max(0, message.reads_allowed - recipient.reads)
        return MessageView(message, recipient, remaining)

    @staticmethod
    def _by_token(tx: Transaction, message_id: str, token: str) -> tuple[Message, Recipient]:
        message: Message | None = tx.get(MESSAGES, message_id.lower())
        recipient = message.recipient_by_token(token) if message is not None else None
        if message is None or recipient is None or message.sent_at is None:
            raise MessageNotFound("No such message for this contactId.", field="Id")
        return message, recipient
