"""engine/webapi/negotiation.py: the answer's media type as ASP.NET Web API 2's
DefaultContentNegotiator chooses it (tables written from AspNetWebStack's behaviour)."""

from __future__ import annotations

import pytest

from mockserver.engine.webapi.negotiation import choose_like_web_api

OFFERED = ("application/json", "text/json", "application/xml", "text/xml")


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
