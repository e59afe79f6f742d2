"""The answer's media type as ASP.NET Web API 2's `DefaultContentNegotiator` chooses it."""

from __future__ import annotations

from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from mockserver.engine.negotiation import is_xml


@lru_cache(maxsize=512)
def choose_like_web_api(accept: str | None, content_type: str | None, offered: tuple[str, ...]) -> str | None:
    """The media type ASP.NET Web API 2's DefaultContentNegotiator answers in, over `offered`.

    Each formatter (JSON, then XML) is matched against the Accept values (highest q first; q=0 values
    are skipped, not exclusions), else against the request's own media type, else on the type alone.
    The best Accept match wins (highest q; a literal before a subtype range before `*/*`; the first
    formatter on a tie); without one, the request's media type; without that, the first formatter.
    So it never refuses: no 406."""
    if not offered:
        return None
    formatters: dict[str, list[str]] = {}
    for media_type in offered:
        # Web API has one JSON and one XML formatter, in that order.
        formatters.setdefault("xml" if is_xml(media_type) else "json", []).append(media_type)
    values = _accept_values(accept)
    best: tuple[float, int, str] | None = None  # (q, rank, media type): rank 3 literal ... 1 */*
    by_request = None
    for supported in formatters.values():
        match = _accept_match(values, supported)
        if match is not None:
            if best is None or (match[0], match[1]) > (best[0], best[1]):
                best = match
        elif by_request is None and content_type in supported:
            by_request = content_type
    if best is not None:
        return best[2]
    return by_request or next(iter(formatters.values()))[0]


def _accept_values(accept: str | None) -> tuple[tuple[str, float], ...]:
    """`(media range, q)` in descending q, the header's order kept among equals."""
    if accept is None or not accept.strip():
        return ()
    parsed = parse_accept_header(accept, MIMEAccept)
    return tuple(sorted(((value.lower(), q) for value, q in parsed), key=lambda v: -v[1]))


def _accept_match(
    values: tuple[tuple[str, float], ...], supported: list[str]
) -> tuple[float, int, str] | None:
    """A formatter's match with the first (highest-q) Accept value one of its types satisfies."""
    for value, q in values:
        if q <= 0:
            continue
        kind, _, subtype = value.partition("/")
        for media_type in supported:
            if value == media_type:
                return q, 3, media_type
            if subtype == "*" and kind != "*" and media_type.startswith(kind + "/"):
                return q, 2, media_type
            if value == "*/*":
                return q, 1, media_type
    return None
