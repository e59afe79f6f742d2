"""engine/negotiation.py: the answer's media type by Accept, as Connexion's users negotiate it."""

from __future__ import annotations

import pytest

from mockserver.engine.negotiation import choose_media_type, is_xml

OFFERED = ("application/json", "text/json", "application/xml", "text/xml")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),  # no Accept: the spec's first type
        ("", "application/json"),
        ("application/xml", "application/xml"),
        ("text/*", "text/json"),  # a range: the spec's order among what it covers
        ("application/xml;q=0.5, text/xml", "text/xml"),
        ("text/xml;q=0.5, */*;q=0.5", "text/xml"),  # equal q: the more specific range wins
        ("image/png", None),  # nothing acceptable: the engine answers 406
    ],
)
def test_accept_chooses_among_the_offered_types(accept, expected):
    assert choose_media_type(accept, OFFERED) == expected


def test_xml_media_types():
    assert is_xml("application/xml") and is_xml("text/xml") and is_xml("application/atom+xml")
    assert not is_xml("application/json") and not is_xml(None) and not is_xml("application/xml-dtd")
