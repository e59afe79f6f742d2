"""engine/negotiation.py: the answer's media type, by Accept (OpenAPI) or as ASP.NET Web API 2's
DefaultContentNegotiator chooses it (tables written from AspNetWebStack's behaviour)."""

from __future__ import annotations

import pytest

from mockserver.engine.negotiation import choose_like_web_api, choose_media_type, is_xml

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


@pytest.mark.parametrize(
    ("accept", "content_type", "expected"),
    [
        (None, None, "application/json"),  # nothing to go on: the JSON formatter, first
        (None, "text/xml", "text/xml"),  # no Accept: the request's own type
        ("image/png", "application/xml", "application/xml"),  # no match: the request's type, no 406
        ("image/png", None, "application/json"),  # and without one, JSON: never a 406
        ("application/xml", "application/json", "application/xml"),  # Accept beats the body's type
        ("application/xml;q=0.4, application/json;q=0.9", None, "application/json"),
        ("application/json;q=0, application/xml;q=0.1", None, "application/xml"),  # q=0 is skipped
        ("application/*", None, "application/json"),  # a subtype range: the first formatter's type
        ("*/*, application/xml", None, "application/xml"),  # a literal before a range on equal q
    ],
)
def test_web_api_negotiation_never_refuses(accept, content_type, expected):
    assert choose_like_web_api(accept, content_type, OFFERED) == expected


def test_xml_media_types():
    assert is_xml("application/xml") and is_xml("text/xml") and is_xml("application/atom+xml")
    assert not is_xml("application/json") and not is_xml(None) and not is_xml("application/xml-dtd")
