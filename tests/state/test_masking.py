"""state/masking.py: secrets masked by what a body is, names matched however they are spelled."""

from __future__ import annotations

import pytest

from mockserver.state.masking import MASK, is_secret_name, mask_body, mask_target


@pytest.mark.parametrize(
    "name", ["password", "Password", "client_secret", "ClientSecret", "Auth-Key", "authKey", "Options[Password]",
             "a[b][access_token]", "{urn:x}Secret", "API_KEY", "refresh_token"],
)  # fmt: skip
def test_secret_names_in_every_spelling(name):
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["name", "username", "Password[x]", "secretary", "passwords", "contactId", ""]
)
def test_other_names_are_not_secret(name):
    assert not is_secret_name(name)


def test_a_body_is_masked_as_what_it_is_whatever_it_declares():
    assert mask_body(b'{"password": "p", "n": 1}', "application/xml", 100) == '{"password": "****", "n": 1}'
    assert mask_body(b"<a><b:Password xmlns:b='u' >p</b:Password></a>", "text/plain", 100) == (
        f'<a><b:Password xmlns:b="u">{MASK}</b:Password></a>'
    )
    assert (
        mask_body(b"x=1&Options[Secret]=p", "application/json", 100) == "x=1&Options%5BSecret%5D=%2A%2A%2A%2A"
    )
    assert mask_body(b"<a><Secret>p</a>", "application/xml", 100).startswith(MASK)  # broken: withheld
    assert mask_body(b"just words", "text/plain", 100) == "just words"


def test_a_target_keeps_its_path_and_masks_its_query():
    assert mask_target("/read/1?contactId=c&x=1") == "/read/1?contactId=%2A%2A%2A%2A&x=1"
    assert mask_target("/plain") == "/plain"
