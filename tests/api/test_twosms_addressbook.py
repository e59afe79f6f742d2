"""The 2SMS address book over HTTP through a live server (T19-T24), JSON and XML, state checked after;
and sends and updates resolving contacts and (nested) groups through it."""

from __future__ import annotations

import httpx
import pytest
import xmltodict

from mockserver.providers.twosms.addressbook import EMPTY_GUID
from mockserver.providers.twosms.records import CONTACTS, GROUPS
from tests.api.twosms_helpers import DAY_SHIFT, DEMO_MESSAGE, NIGHT_SHIFT, details, failed, ok
from tests.conftest import TWOSMS_OTHER, twosms_token

CONTACTS_V4 = "/api/v4/addressbook/contacts"
CONTACTS_V3 = "/api/v3/addressbook/contacts"
GROUPS_V2 = "/api/v2/addressbook/groups"
STAFF = "9b0c6f7e-2f5d-4c1a-8e1b-3a2d4c5e6f70"  # holds Night shift (18, 20) and Day shift (16)


def person(mobile: str, first: str = "Kat", last: str = "Johnson") -> dict:
    return {
        "FirstName": first,
        "LastName": last,
        "MobilePhone": mobile,
        "EmailAddress": "",
        "Validated": True,
    }


def contacts_xml(group: str | None, people: list[dict]) -> bytes:
    items = "".join(
        "<AddressBookLite>"
        + "".join(f"<{k}>{str(v).lower() if isinstance(v, bool) else v}</{k}>" for k, v in p.items())
        + "</AddressBookLite>"
        for p in people
    )
    group_element = f"<GroupID>{group}</GroupID>" if group else ""
    return f"<AddressBookLiteV2>{group_element}<contacts>{items}</contacts></AddressBookLiteV2>".encode()


def stored(server, table: str) -> list:
    with server.app.world.store.transaction() as tx:
        return tx.rows(table)


def group(server, group_id: str):
    return next(g for g in stored(server, GROUPS) if g.id == group_id)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_added_contacts_get_the_next_person_numbers_and_join_the_group(server, twosms, fmt):
    people = [person("+15550100022"), person("+15550100023", "Dorothy", "Vaughan")]
    if fmt == "xml":
        headers = {"Content-Type": "application/xml", "Accept": "application/xml"}
        answer = twosms.post(CONTACTS_V4, content=contacts_xml(NIGHT_SHIFT, people), headers=headers)
        listed = xmltodict.parse(answer.content)["ResponseOfListOfAddressBookLite"]["ResponseData"]["Detail"]
        added = listed["AddressBookLite"]
        assert [int(c["PersonNumber"]) for c in added] == [21, 22]
    else:
        added = ok(twosms.post(CONTACTS_V4, json={"GroupID": NIGHT_SHIFT, "contacts": people}))
        assert [c["PersonNumber"] for c in added] == [21, 22]  # the demo account's highest is 20
        assert added[1]["FirstName"] == "Dorothy" and added[1]["Validated"] is True
    assert group(server, NIGHT_SHIFT).members == (18, 20, 21, 22)
    assert {c.person_number for c in stored(server, CONTACTS) if c.mobile == "+15550100023"} == {22}


def test_a_number_already_in_the_book_is_not_added_twice(server, twosms):
    """T20: the existing contact is answered as it is, and joins the group."""
    again = ok(twosms.post(CONTACTS_V4, json={"GroupID": DAY_SHIFT, "contacts": [person("+15550100018")]}))
    assert [(c["PersonNumber"], c["FirstName"]) for c in again] == [(18, "Alan")]
    assert group(server, DAY_SHIFT).members == (16, 18)
    twice = ok(twosms.post(CONTACTS_V4, json={"contacts": [person("+15550100030"), person("+15550100030")]}))
    assert [c["PersonNumber"] for c in twice] == [21, 21]


def test_bad_contacts_change_nothing(server, twosms):
    before = stored(server, CONTACTS)
    failed(
        twosms.post(CONTACTS_V4, json={"contacts": [person("+15550100040"), person("0044")]}),
        400,
        "INVALID_REQUEST",
    )
    failed(
        twosms.post(CONTACTS_V4, json={"GroupID": DEMO_MESSAGE, "contacts": [person("+15550100040")]}),
        404,
        "GROUP_NOT_FOUND",
    )
    failed(twosms.post(CONTACTS_V4, json={"contacts": []}), 400, "INVALID_REQUEST")
    assert stored(server, CONTACTS) == before


def test_the_empty_guid_names_no_group(server, twosms):
    added = ok(twosms.post(CONTACTS_V4, json={"GroupID": EMPTY_GUID, "contacts": [person("+15550100041")]}))
    assert added[0]["PersonNumber"] == 21
    assert all(21 not in g.members for g in stored(server, GROUPS))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [16, 18, 20]),
        ("?sort.Direction=1", [20, 18, 16]),
        ("?sort.Field=1", [16, 18, 20]),  # first names: Ada, Alan, Grace
        ("?sort.Field=2&sort.Direction=1", [18, 16, 20]),  # last names descending: Turing, Lovelace, Hopper
        ("?paging.NoOfRecords=2&paging.Page=2", [20]),
    ],
)
def test_contacts_are_listed_a_page_at_a_time_sorted(twosms, query, expected):
    page = ok(twosms.get(CONTACTS_V3 + query))
    assert [c["PersonNumber"] for c in page["Contacts"]] == expected
    assert page["TotalRecords"] == 3


def test_a_page_past_the_last_is_not_found(twosms):
    reason = failed(twosms.get(CONTACTS_V3 + "?paging.Page=3&paging.NoOfRecords=2"), 404, "PAGE_NOT_FOUND")
    assert "past the last page (2)" in reason
    assert ok(twosms.get(CONTACTS_V3 + "?paging.Page=1&paging.NoOfRecords=2"))["Page"] == 1


def test_another_accounts_book_is_not_seen(server, twosms):
    other = {"Authorization": f"Bearer {twosms_token(server, TWOSMS_OTHER)}"}
    theirs = ok(twosms.get(CONTACTS_V3, headers=other))
    assert [c["MobilePhone"] for c in theirs["Contacts"]] == ["+15550100916"]
    failed(twosms.get(f"{GROUPS_V2}/{NIGHT_SHIFT}/contacts", headers=other), 404, "GROUP_NOT_FOUND")


def test_deleting_contacts_listed_or_all_but_listed(server, twosms):
    assert ok(twosms.request("DELETE", CONTACTS_V3, json={"All": False, "Contacts": [20]})) == {
        "NoOfContacts": "1"
    }
    assert group(server, NIGHT_SHIFT).members == (18,)  # a deleted contact leaves its groups
    failed(twosms.request("DELETE", CONTACTS_V3, json={"Contacts": [16, 99]}), 404, "CONTACT_NOT_FOUND")
    assert {c.person_number for c in stored(server, CONTACTS) if c.mobile.startswith("+155501000")} == {
        16,
        18,
    }
    assert ok(twosms.request("DELETE", CONTACTS_V3, json={"All": True, "Contacts": [16]})) == {
        "NoOfContacts": "1"
    }
    assert [c["PersonNumber"] for c in ok(twosms.get(CONTACTS_V3))["Contacts"]] == [16]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_groups_nest_and_are_listed_with_their_counts(server, twosms, fmt):
    body = {"GroupName": "Weekend", "ParentGroupID": NIGHT_SHIFT}
    if fmt == "xml":
        xml = f"<GroupV2><GroupName>Weekend</GroupName><ParentGroupID>{NIGHT_SHIFT}</ParentGroupID></GroupV2>"
        answer = twosms.post(
            GROUPS_V2, content=xml, headers={"Content-Type": "application/xml", "Accept": "application/xml"}
        )
        created = xmltodict.parse(answer.content)["ResponseOfGroup"]["ResponseData"]["Detail"]
    else:
        created = ok(twosms.post(GROUPS_V2, json=body))
    assert created["GroupName"] == "Weekend" and group(server, created["GroupID"]).parent_id == NIGHT_SHIFT
    listed = ok(twosms.get(GROUPS_V2))
    assert listed["TotalRecords"] == 4
    by_name = {g["GroupName"]: g for g in listed["Groups"]}
    assert [g["GroupName"] for g in listed["Groups"]] == ["Day shift", "Night shift", "Staff", "Weekend"]
    assert (by_name["Staff"]["NoOfContacts"], by_name["Staff"]["NoOfSubGroups"]) == (0, 2)
    assert by_name["Night shift"]["NoOfSubGroups"] == 1 and by_name["Weekend"]["ParentGroupID"] == NIGHT_SHIFT
    brief = ok(twosms.get(GROUPS_V2 + "?summary=true&count=1&startIndex=1"))
    assert brief["Groups"] == [{"GroupID": NIGHT_SHIFT, "GroupName": "Night shift", "ParentGroupID": STAFF}]


def test_a_group_inside_an_unknown_one_is_refused(server, twosms):
    before = stored(server, GROUPS)
    failed(
        twosms.post(GROUPS_V2, json={"GroupName": "X", "ParentGroupID": DEMO_MESSAGE}), 404, "GROUP_NOT_FOUND"
    )
    failed(twosms.post(GROUPS_V2, json={"GroupName": "  "}), 400, "INVALID_REQUEST")
    assert stored(server, GROUPS) == before
    top = ok(twosms.post(GROUPS_V2, json={"GroupName": "Top", "ParentGroupID": EMPTY_GUID}))
    assert group(server, top["GroupID"]).parent_id is None


def test_contacts_join_a_group_and_are_listed_in_it(server, twosms):
    path = f"{GROUPS_V2}/{DAY_SHIFT}/contacts"
    assert ok(twosms.put(path, json={"Contacts": [18, 16]})) == {"NoOfContacts": "1"}  # 16 was in it
    failed(
        twosms.put(path, json={"Contacts": [20, 99]}), 409, "CONTACT_NOT_IN_ADDRESS_BOOK"
    )  # nothing changed
    assert group(server, DAY_SHIFT).members == (16, 18)
    assert ok(twosms.put(path, json={"All": True, "Contacts": [20]})) == {"NoOfContacts": "0"}
    members = ok(twosms.get(path + "?Field=1&Direction=1"))
    assert [c["PersonNumber"] for c in members["Contacts"]] == [18, 16]  # Alan, Ada
    failed(twosms.get(f"{GROUPS_V2}/{DEMO_MESSAGE}/contacts"), 404, "GROUP_NOT_FOUND")
    failed(
        twosms.put(f"{GROUPS_V2}/{DEMO_MESSAGE}/contacts", json={"Contacts": [16]}), 404, "GROUP_NOT_FOUND"
    )


def send_to_group(client: httpx.Client, group_id: str) -> dict:
    body = {"Type": 1, "Content": "Shift change", "Contacts": {"GroupID": {group_id: 2}}, "Options": {}}
    return ok(client.post("/api/v2/sms/messages", json=body))


def test_a_send_to_a_group_reaches_its_subgroups_each_contact_once(server, twosms):
    """T22: Staff holds no one itself; its two shifts hold 16, 18 and 20; 18 is in both after this."""
    ok(twosms.put(f"{GROUPS_V2}/{DAY_SHIFT}/contacts", json={"Contacts": [18]}))
    sent = send_to_group(twosms, STAFF)
    assert (sent["NoOfContacts"], sent["CreditsUsed"]) == ("3", "3")
    texted = [m.to for m in server.outbox.messages() if m.text == "Shift change"]
    assert sorted(texted) == ["+15550100016", "+15550100018", "+15550100020"]


@pytest.mark.parametrize("none", [EMPTY_GUID, 0])
def test_the_empty_guid_and_zero_mean_none_in_an_update(twosms, none):
    """A .NET client with non-nullable Guid and int fields always sends them (T24)."""
    body = details("Moved to 10:00", AdditionalGroupID=EMPTY_GUID, RemoveGroupID=EMPTY_GUID)
    body |= {"AdditionalContactID": none if none == 0 else 0, "RemoveContactID": 0}
    changed = ok(twosms.put(f"/api/v1/sms/messages/{DEMO_MESSAGE}", json=body))
    assert changed["CreditsUsed"] == "0" and changed["MessageText"] == "Moved to 10:00"


def test_an_update_adding_a_nested_group_adds_everyone_in_it(server, twosms):
    changed = ok(
        twosms.put(f"/api/v1/sms/messages/{DEMO_MESSAGE}", json=details(None, AdditionalGroupID=STAFF))
    )
    with server.app.world.store.transaction() as tx:
        message = tx.get("twosms.messages", DEMO_MESSAGE)
    assert {"+15550100016", "+15550100018", "+15550100020"} <= {r.mobile for r in message.recipients}
    assert int(changed["NoOfContacts"]) >= 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_fof_message_texts_the_groups_contacts_once_each(server, twosms, fmt):
    """T25: `POST api/v1/sms/messages/fof` is a standard send to its groups (and their subgroups)."""
    path = "/api/v1/sms/messages/fof"
    if fmt == "xml":
        xml = f"<FOFMessage><Groups><guid>{NIGHT_SHIFT}</guid><guid>{STAFF}</guid></Groups><Text>Fire drill</Text></FOFMessage>"
        answer = twosms.post(
            path, content=xml, headers={"Content-Type": "application/xml", "Accept": "application/xml"}
        )
        sent = xmltodict.parse(answer.content)["ResponseOfSmsTransaction"]["ResponseData"]["Detail"]
    else:
        sent = ok(twosms.post(path, json={"Groups": [NIGHT_SHIFT, STAFF], "Text": "Fire drill"}))
    assert (sent["NoOfContacts"], sent["CreditsUsed"], sent["MessageText"]) == ("3", "3", "Fire drill")
    texted = sorted(m.to for m in server.outbox.messages() if m.text == "Fire drill")
    assert texted == ["+15550100016", "+15550100018", "+15550100020"]  # plain SMS text: a standard send


def test_a_fof_message_to_an_unknown_group_sends_nothing(server, twosms):
    before = len(server.outbox.messages())
    reason = failed(
        twosms.post("/api/v1/sms/messages/fof", json={"Groups": [DAY_SHIFT, DEMO_MESSAGE], "Text": "x"}),
        404,
        "GROUP_NOT_FOUND",
    )
    assert "/Groups/1" in reason and len(server.outbox.messages()) == before
    failed(twosms.post("/api/v1/sms/messages/fof", json={"Groups": [], "Text": "x"}), 400, "INVALID_REQUEST")
