"""The 2SMS address book: contacts (numbered by PersonNumber per account) and nested groups.

Pure state and rules (decisions T19-T24 in docs/decisions.md). Every operation is scoped to the
caller's account: another account's contact or group is not found, as an unknown one. The message
model resolves a send's or an update's contacts and groups through `contact_of` and `everyone_in`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from mockserver.providers.twosms.errors import (
    ContactNotFound,
    GroupNotFound,
    InvalidRequest,
    NotInAddressBook,
    PageNotFound,
)
from mockserver.providers.twosms.records import CONTACTS, GROUPS, Caller, Contact, Group, contact_key
from mockserver.state.clock import Clock
from mockserver.state.ids import IdGenerator
from mockserver.state.store import Store, Transaction, evolve

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
"""What a .NET client's non-nullable Guid holds for "none" (T24)."""


class ContactField(IntEnum):
    """What contact lists are sorted by (the docs name the enum, not its members: T21)."""

    PERSON_NUMBER = 0
    FIRST_NAME = 1
    LAST_NAME = 2
    MOBILE_PHONE = 3
    EMAIL_ADDRESS = 4


class Direction(IntEnum):
    ASCENDING = 0
    DESCENDING = 1


_SORT_KEYS = {
    ContactField.PERSON_NUMBER: lambda c: (c.person_number,),
    ContactField.FIRST_NAME: lambda c: (c.first_name.casefold(), c.person_number),
    ContactField.LAST_NAME: lambda c: (c.last_name.casefold(), c.person_number),
    ContactField.MOBILE_PHONE: lambda c: (c.mobile, c.person_number),
    ContactField.EMAIL_ADDRESS: lambda c: (c.email.casefold(), c.person_number),
}


@dataclass(frozen=True, slots=True)
class ContactPage:
    contacts: list[Contact]
    page: int
    per_page: int
    total: int


@dataclass(frozen=True, slots=True)
class GroupSummary:
    group: Group
    contacts: int
    """Its own contacts."""
    subgroups: int


def no_id(value: object) -> bool:
    """`0`, the empty GUID, an empty string and null all mean "none" (T24)."""
    return value in (None, "", 0, "0") or str(value).lower() == EMPTY_GUID


def is_e164(number: str) -> bool:
    """`+` then 2 to 15 ASCII digits, not starting with 0: what the send accepts as a number."""
    digits = number[1:]
    return (
        number[:1] == "+"
        and 2 <= len(digits) <= 15
        and digits.isascii()
        and digits.isdigit()
        and digits[0] != "0"
    )


# -- lookups inside a caller's transaction -----------------------------------------------------------
def contact_of(tx: Transaction, account_id: str, person: object, field: str) -> Contact:
    text = str(person)
    number = int(text) if text.isascii() and text.isdigit() else -1  # not "²" (a 500) nor "١٦" (16)
    contact: Contact | None = tx.get(CONTACTS, contact_key(account_id, number))
    if contact is None:
        raise ContactNotFound(f"No contact with PersonNumber {person} in the address book.", field=field)
    return contact


def group_of(tx: Transaction, account_id: str, group_id: object, field: str) -> Group:
    group: Group | None = tx.get(GROUPS, str(group_id).lower())
    if group is None or group.account_id != account_id:
        raise GroupNotFound(f"No group {group_id} in the address book.", field=field)
    return group


def everyone_in(tx: Transaction, account_id: str, group_id: object, field: str) -> list[Contact]:
    """The contacts of a group and of its subgroups, at any depth, each once (T22)."""
    root = group_of(tx, account_id, group_id, field)
    children: dict[str | None, list[Group]] = {}
    for group in tx.rows(GROUPS):
        if group.account_id == account_id:
            children.setdefault(group.parent_id, []).append(group)
    seen_groups, seen_people, found = set(), set(), []
    stack = [root]
    while stack:
        group = stack.pop()
        if group.id in seen_groups:  # fixtures refuse cycles; this keeps a walk finite regardless
            continue
        seen_groups.add(group.id)
        for number in group.members:
            if number not in seen_people:
                seen_people.add(number)
                contact = tx.get(CONTACTS, contact_key(account_id, number))
                if contact is not None:
                    found.append(contact)
        stack.extend(reversed(children.get(group.id, [])))
    return found


def check_no_cycle(groups: Iterable[Group]) -> str | None:
    """The id of a group that is its own ancestor, if any."""
    parents = {g.id: g.parent_id for g in groups}
    for start in parents:
        seen, current = set(), start
        while current is not None:
            if current in seen:
                return current
            seen.add(current)
            current = parents.get(current)
    return None


def page_of(
    contacts: Sequence[Contact], page: int, per_page: int, field: int, direction: int, page_field: str
) -> ContactPage:
    """One page of `contacts` sorted as asked; a page past the last is a 404 naming `page_field` (T21)."""
    ordered = sorted(contacts, key=_SORT_KEYS[ContactField(field)], reverse=direction == Direction.DESCENDING)
    start = (page - 1) * per_page
    if page > 1 and start >= len(ordered):
        last = max(1, -(-len(ordered) // per_page))
        raise PageNotFound(f"Page {page} is past the last page ({last}).", field=page_field)
    return ContactPage(ordered[start : start + per_page], page, per_page, len(ordered))


class AddressBook:
    """The address book of every account, over the shared store."""

    def __init__(self, store: Store, clock: Clock, ids: IdGenerator) -> None:
        self.store, self.clock, self.ids = store, clock, ids

    def add_contacts(
        self, caller: Caller, entries: Sequence[Mapping[str, Any]], group_id: object
    ) -> list[Contact]:
        """Each entry as a new contact, or the account's contact with that number already (T20),
        all joining the group when one is named; all or nothing."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            group = None if no_id(group_id) else group_of(tx, caller.account_id, group_id, "/GroupID")
            mine = [c for c in tx.rows(CONTACTS) if c.account_id == caller.account_id]
            by_mobile = {c.mobile: c for c in mine}
            next_number = max((c.person_number for c in mine), default=0) + 1
            added: list[Contact] = []
            for index, entry in enumerate(entries):
                mobile = entry["MobilePhone"]
                if not is_e164(mobile):
                    raise InvalidRequest(
                        f"{entry['MobilePhone']!r} is not an E.164 number (+ and up to 15 digits).",
                        field=f"/contacts/{index}/MobilePhone",
                    )
                contact = by_mobile.get(mobile)
                if contact is None:
                    contact = by_mobile[mobile] = Contact(
                        caller.account_id,
                        next_number,
                        mobile,
                        entry.get("FirstName", ""),
                        entry.get("LastName", ""),
                        entry.get("EmailAddress", ""),
                        entry.get("LoginType", 0),
                        entry.get("Validated", False),
                        now,
                    )
                    next_number += 1
                    tx.put(CONTACTS, contact.key, contact)
                added.append(contact)
            if group is not None:
                _join(tx, group, [c.person_number for c in added])
        return added

    def contacts(self, caller: Caller, page: int, per_page: int, field: int, direction: int) -> ContactPage:
        with self.store.transaction() as tx:
            mine = [c for c in tx.rows(CONTACTS) if c.account_id == caller.account_id]
        return page_of(mine, page, per_page, field, direction, "query:paging.Page")

    def delete_contacts(self, caller: Caller, everyone: bool, numbers: Sequence[int]) -> int:
        """`everyone`: all the account's contacts but `numbers`; else exactly `numbers` (each must
        exist). Deleted contacts leave their groups. All or nothing."""
        with self.store.transaction() as tx:
            mine = {c.person_number: c for c in tx.rows(CONTACTS) if c.account_id == caller.account_id}
            if everyone:
                doomed = set(mine) - set(numbers)
            else:
                for index, number in enumerate(numbers):
                    if number not in mine:
                        raise ContactNotFound(
                            f"No contact with PersonNumber {number} in the address book.",
                            field=f"/Contacts/{index}",
                        )
                doomed = set(numbers)
            for number in doomed:
                tx.delete(CONTACTS, mine[number].key)
            for group in [g for g in tx.rows(GROUPS) if g.account_id == caller.account_id]:
                kept = tuple(n for n in group.members if n not in doomed)
                if kept != group.members:
                    tx.put(GROUPS, group.id, evolve(group, members=kept))
        return len(doomed)

    def groups(self, caller: Caller, count: int, start_index: int) -> tuple[list[GroupSummary], int]:
        """`count` groups from `start_index` (0-based), by name, and how many there are."""
        with self.store.transaction() as tx:
            mine = sorted(
                (g for g in tx.rows(GROUPS) if g.account_id == caller.account_id),
                key=lambda g: (g.name.casefold(), g.id),
            )
        subgroups: dict[str, int] = {}
        for group in mine:
            if group.parent_id is not None:
                subgroups[group.parent_id] = subgroups.get(group.parent_id, 0) + 1
        shown = mine[start_index : start_index + count]
        return [GroupSummary(g, len(g.members), subgroups.get(g.id, 0)) for g in shown], len(mine)

    def create_group(self, caller: Caller, name: str, parent_id: object) -> Group:
        with self.store.transaction() as tx:
            parent = (
                None if no_id(parent_id) else group_of(tx, caller.account_id, parent_id, "/ParentGroupID")
            )
            group = Group(
                self.ids.uuid("twosms.group"),
                caller.account_id,
                name.strip(),
                (),
                parent.id if parent else None,
            )
            if not group.name:
                raise InvalidRequest("A group needs a name.", field="/GroupName")
            tx.put(GROUPS, group.id, group)
        return group

    def group_contacts(
        self, caller: Caller, group_id: str, page: int, per_page: int, field: int, direction: int
    ) -> ContactPage:
        """A group's own contacts (not its subgroups'), paged and sorted."""
        with self.store.transaction() as tx:
            group = group_of(tx, caller.account_id, group_id, "path:groupID")
            members = [tx.get(CONTACTS, contact_key(caller.account_id, n)) for n in group.members]
        found = [m for m in members if m is not None]
        return page_of(found, page, per_page, field, direction, "query:page")

    def add_to_group(self, caller: Caller, group_id: str, everyone: bool, numbers: Sequence[int]) -> int:
        """Contacts join the group (`everyone`: all the account's but `numbers`); how many joined."""
        with self.store.transaction() as tx:
            group = group_of(tx, caller.account_id, group_id, "path:groupID")
            if everyone:
                mine = sorted(c.person_number for c in tx.rows(CONTACTS) if c.account_id == caller.account_id)
                kept_out = set(numbers)
                joining = [n for n in mine if n not in kept_out]
            else:
                # The URL names the group, which exists: an unknown contact in the list is a 409,
                # so a 404 here always means the group is gone (T23).
                for index, number in enumerate(numbers):
                    if tx.get(CONTACTS, contact_key(caller.account_id, number)) is None:
                        raise NotInAddressBook(
                            f"No contact with PersonNumber {number} in the address book.",
                            field=f"/Contacts/{index}",
                        )
                joining = list(numbers)
            return _join(tx, group, joining)


def _join(tx: Transaction, group: Group, numbers: Iterable[int]) -> int:
    present = set(group.members)
    new = [n for n in dict.fromkeys(numbers) if n not in present]
    if new:
        tx.put(GROUPS, group.id, evolve(group, members=(*group.members, *new)))
    return len(new)
