"""providers/twosms/addressbook.py: the rules without HTTP; fixtures' nested groups checked."""

from __future__ import annotations

import pytest
import yaml

from mockserver.app import create_app
from mockserver.errors import FixtureError
from mockserver.providers.twosms.addressbook import EMPTY_GUID, check_no_cycle, is_e164, no_id, page_of
from mockserver.providers.twosms.errors import PageNotFound
from mockserver.providers.twosms.records import Contact, Group

A, B, C = (f"{n}" * 8 + "-0000-4000-8000-000000000000" for n in "abc")


@pytest.mark.parametrize("value", [None, "", 0, "0", EMPTY_GUID, EMPTY_GUID.upper()])
def test_none_is_spelled_many_ways(value):
    assert no_id(value)


@pytest.mark.parametrize("value", [1, "16", A])
def test_an_id_is_an_id(value):
    assert not no_id(value)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("+15550100016", True),
        ("+1", False),
        ("15550100016", False),
        ("+0123", False),
        ("+1555\uff10", False),  # a full-width digit
        ("+" + "1" * 16, False),
    ],
)
def test_numbers_are_e164_as_the_send_reads_them(number, valid):
    assert is_e164(number) is valid


def test_a_cycle_is_found_at_a_group_inside_it():
    assert check_no_cycle([Group(A, "x", "a", (), None), Group(B, "x", "b", (), A)]) is None
    looping = check_no_cycle(
        [Group(A, "x", "a", (), C), Group(B, "x", "b", (), A), Group(C, "x", "c", (), B)]
    )
    assert looping in {A, B, C}
    assert check_no_cycle([Group(A, "x", "a", (), A)]) == A


def test_pages_are_sorted_and_bounded():
    people = [Contact("x", n, f"+1555000{n:04d}", first) for n, first in [(3, "bo"), (1, "Cy"), (2, "al")]]
    assert [c.person_number for c in page_of(people, 1, 2, 1, 0, "q").contacts] == [2, 3]  # al, bo (any case)
    assert page_of([], 1, 50, 0, 0, "q").total == 0  # an empty book still has its first page
    with pytest.raises(PageNotFound) as missing:
        page_of(people, 3, 2, 0, 0, "query:page")
    assert missing.value.field == "query:page"


def _fixtures(tmp_path, groups):
    document = {
        "twosms": {
            "accounts": [
                {
                    "id": "11111111-2222-4333-8444-555555555555",
                    "name": "T",
                    "credits": 1,
                    "contacts": [{"personNumber": 1, "mobile": "+15550100001"}],
                    "groups": groups,
                }
            ]
        }
    }
    path = tmp_path / "f.yaml"
    path.write_text(yaml.safe_dump(document))
    return [path]


def test_fixture_groups_nest_and_a_cycle_or_unknown_parent_is_refused_where_it_is(tmp_path):
    nested = [{"id": A, "name": "a", "members": [1]}, {"id": B, "name": "b", "members": [], "parent": A}]
    create_app(fixtures=_fixtures(tmp_path, nested)).world.close()
    cycle = [
        {"id": A, "name": "a", "members": [], "parent": B},
        {"id": B, "name": "b", "members": [], "parent": A},
    ]
    with pytest.raises(FixtureError, match=r"groups/[01]/parent.*cycle"):
        create_app(fixtures=_fixtures(tmp_path, cycle))
    unknown = [{"id": A, "name": "a", "members": [], "parent": C}]
    with pytest.raises(FixtureError, match=r"groups/0/parent.*names no group"):
        create_app(fixtures=_fixtures(tmp_path, unknown))
