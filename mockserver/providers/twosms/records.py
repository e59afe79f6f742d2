"""2SMS state: immutable records stored in the shared store, and the enums of the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

PROVIDER = "twosms"
CLIENTS, TOKENS, ACCOUNTS, CONTACTS, GROUPS, MESSAGES, TEMPLATES, SCHEDULES = (
    f"{PROVIDER}.{t}"
    for t in ("clients", "tokens", "accounts", "contacts", "groups", "messages", "templates", "schedules")
)
QUEUE = f"index:{PROVIDER}.queue"
"""The ids of queued messages (an index over MESSAGES: the state dump leaves it out)."""
TOKEN_LIFETIME_SECONDS = 8 * 3600


def account_messages(account_id: str) -> str:
    """The table of one account's message ids: an account's bulk expire never reads another's."""
    return f"index:{MESSAGES}@{account_id}"


class MessageType(IntEnum):
    ADVANCED = 0
    STANDARD = 1
    RECURRING = 2


class RecurrenceEnd(IntEnum):
    """RecurrenceRange: the docs show only 0; the members are the fake's (T29)."""

    END_AFTER = 0
    """After `OccurrencesEnd` occurrences."""
    END_BY = 1
    """On or before a last date."""
    NO_END = 2
    """Until cancelled."""


class Channel(IntEnum):
    EMAIL = 1
    SMS = 2
    BOTH = 3

    @property
    def sms(self) -> bool:
        return self in (Channel.SMS, Channel.BOTH)

    @property
    def email(self) -> bool:
        return self in (Channel.EMAIL, Channel.BOTH)


@dataclass(frozen=True, slots=True)
class ApiClient:
    client_id: str
    secret: str
    account_id: str


@dataclass(frozen=True, slots=True)
class Token:
    token: str
    client_id: str
    account_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    name: str
    credits: int
    off_peak_credits: int = 0


@dataclass(frozen=True, slots=True)
class Contact:
    account_id: str
    person_number: int
    mobile: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    login_type: int = 0
    validated: bool = False
    created: datetime | None = None
    """When it was added (None: seeded by a fixture without a date)."""

    @property
    def key(self) -> str:
        return contact_key(self.account_id, self.person_number)


def contact_key(account_id: str, person_number: int) -> str:
    return f"{account_id}:{person_number}"


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    account_id: str
    name: str
    members: tuple[int, ...]
    """PersonNumbers of its own contacts (not those of its subgroups), in the order they joined."""
    parent_id: str | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    """One addressee of a message: an address-book contact or a quick recipient (a bare number)."""

    mobile: str
    token: str
    """The opaque `contactId` of the recipient's link: the capability to view the message."""
    channel: Channel = Channel.SMS
    person_number: int | None = None
    reads: int = 0
    added: datetime | None = None
    """When an update added it (None: a recipient of the send itself)."""

    def sent_at(self, message: Message) -> datetime | None:
        """When its SMS went out (None: the message is still queued)."""
        if message.sent_at is None:
            return None
        return max(message.sent_at, self.added) if self.added is not None else message.sent_at


@dataclass(frozen=True, slots=True)
class Reply:
    sender: str
    text: str
    inserted: datetime
    sender_sent: bool = False
    read_at: datetime | None = None
    """When the account read it (its conversation report, T28); None: unread."""


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    account_id: str
    type: MessageType
    sender: str
    content: str
    reference: str
    created: datetime
    date_to_send: datetime
    sent_at: datetime | None
    """None while queued for a future DateToSend."""
    expiry: datetime | None
    expired_at: datetime | None = None
    """Set when expired early (bulk expire)."""
    reads_allowed: int | None = None
    response_limit: int | None = None
    recipients: tuple[Recipient, ...] = ()
    replies: tuple[Reply, ...] = ()
    wiped: bool = False
    schedule_id: str | None = None
    """The recurring send this message is an occurrence of."""

    def expired(self, now: datetime) -> bool:
        return self.expired_at is not None or (self.expiry is not None and self.expiry <= now)

    def recipient_by_token(self, token: str) -> Recipient | None:
        return next((r for r in self.recipients if r.token == token), None)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A recurring send (T29): what each occurrence sends, to whom, and when the next one is."""

    id: str
    account_id: str
    type: MessageType
    sender: str
    content: str
    reference: str
    recipients: tuple[Recipient, ...]
    """Resolved when it was set up; each occurrence gives them fresh link tokens."""
    first: datetime
    days: tuple[int, ...]
    """Weekdays it sends on (0 Monday ... 6 Sunday, as `datetime.weekday`); empty: every day."""
    end: RecurrenceEnd
    occurrences: int | None
    """How many in all, for END_AFTER."""
    last_date: datetime | None
    """The last instant an occurrence may fall on, for END_BY."""
    next_at: datetime | None
    """When the next occurrence falls due; None once it has ended."""
    sent: int = 0
    missed: int = 0
    """Occurrences a clock jump skipped past the catch-up bound (an unpaid one is sent, refused)."""
    created: datetime | None = None


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    account_id: str
    name: str
    type: int
    text: str
    created: datetime
    modified: datetime


@dataclass(frozen=True, slots=True)
class Caller:
    account_id: str
    client_id: str


@dataclass(frozen=True, slots=True)
class SmsTransaction:
    message: Message
    contacts: int
    quick_recipients: int
    sms: int
    emails: int
    credits_before: int
    credits_after: int

    @property
    def credits_used(self) -> int:
        return self.credits_before - self.credits_after


@dataclass(frozen=True, slots=True)
class MessageView:
    message: Message
    recipient: Recipient
    reads_remaining: int | None
