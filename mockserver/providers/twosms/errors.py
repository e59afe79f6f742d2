"""2SMS domain errors; the envelope maps each to its ErrorCode and HTTP status (T5) in one table."""

from __future__ import annotations

from mockserver.errors import DomainError


class InvalidClient(DomainError):
    """Unknown client or wrong secret at /Token (T2)."""


class UnsupportedGrantType(DomainError):
    """/Token with a grant type other than client_credentials (T2)."""


class Unauthorized(DomainError):
    """Missing, unknown or expired bearer token (T3)."""


class InvalidRequest(DomainError):
    """A value the schema lets through but a rule refuses."""


class InsufficientCredits(DomainError):
    """The account cannot pay for the SMS; nothing was sent (T8)."""


class MessageNotFound(DomainError):
    pass


class ContactNotFound(DomainError):
    pass


class GroupNotFound(DomainError):
    pass


class NotInAddressBook(DomainError):
    """A group-member list names a contact the account does not have (T23): the group the URL
    names exists, so this is a conflict with the address book's state, not a missing resource."""


class PageNotFound(DomainError):
    """A page past the last of a list (T21): nothing is there, as for an unknown id."""


class MessageExpired(DomainError):
    pass


class MessageAlreadyRead(DomainError):
    pass


class MessageDissolved(DomainError):
    pass


class ResponseLimitReached(DomainError):
    pass


class ExpiryNotInFuture(DomainError):
    """An expiry at or before the moment it would apply: valid by schema, refused by the clock."""


class TemplateNotFound(DomainError):
    pass


class TemplateIdTaken(DomainError):
    """A template id another account uses (ids are GUIDs, unique across the service)."""


class InvalidRecurrence(DomainError):
    """A recurrence whose values do not fit together (an END_BY with no last date, or none of its
    days before it): valid by schema, refused by the calendar, as an expiry before the send (409)."""
