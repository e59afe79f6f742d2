"""Content negotiation: which of an operation's media types answers a given `Accept`."""

from __future__ import annotations

from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@lru_cache(maxsize=512)  # clients send the same few Accept headers over and over
def choose_media_type(accept: str | None, offered: tuple[str, ...]) -> str | None:
    """The offered media type the client prefers most, or None if it accepts none of them.

    No `Accept` (or an empty one) means anything goes: the first offered type, the spec's default.
    Ties in q-value go to the client's more specific range, then to the spec's order.
    """
    if not offered:
        return None
    if accept is None or not accept.strip():
        return offered[0]
    return parse_accept_header(accept, MIMEAccept).best_match(offered)


def is_xml(media_type: str | None) -> bool:
    return media_type is not None and (media_type.endswith("/xml") or media_type.endswith("+xml"))
