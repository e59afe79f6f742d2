"""Secrets masked in everything the fake shows back: the journal, the Requests page, the access log.

What is masked is decided on the body as it parses, whatever Content-Type it declared (a JSON body
sent as XML, or refused with a 415, is masked as JSON): JSON members, XML elements and attributes
(by local name, whatever their spacing, attributes or CDATA), and form fields (by the last segment
of their name, `Options[Password]`) whose name says they hold a secret. A body that parses as
none of these and names a secret is not shown at all.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

from lxml import etree

MASK = "****"
SECRET_HEADERS = frozenset({"auth-key", "authorization", "cookie", "proxy-authorization"})
SECRET_FIELDS = frozenset({"password", "client_secret", "secret", "authkey", "auth-key", "access_token"})
"""Secret member names as the providers spell them (the state dump masks these attributes)."""
_SECRET_KEYS = frozenset(
    {"password", "clientsecret", "secret", "authkey", "accesstoken", "refreshtoken", "apikey", "authtoken"}
)
"""Secret names with case, `-` and `_` taken out: `Client_Secret`, `auth-key`, `AuthKey` alike."""
_QUERY_KEYS = _SECRET_KEYS | {"contactid"}
"""In a query string, the recipient's `contactId` too: it opens the recipient's page (T11)."""
_ANY_SECRET = re.compile(
    r"pass_?word|client_?secret|secret|auth-?_?key|access_?token|api_?key", re.IGNORECASE
)
_SEGMENT = re.compile(r"[^\[\]]+")
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def is_secret_name(name: str, keys: frozenset[str] = _SECRET_KEYS) -> bool:
    """`password`, `Client_Secret`, `Options[Password]` (a form name's last segment), `{ns}AuthKey`."""
    segments = _SEGMENT.findall(name.rpartition("}")[2])
    return bool(segments) and re.sub(r"[-_\s]", "", segments[-1]).lower() in keys


def mask_target(target: str) -> str:
    """A request target (`/path?query`) with its query string masked, as the journal shows it."""
    path, mark, query = target.partition("?")
    return path + mark + mask_query(query) if mark else target


def mask_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name: (MASK if name.lower() in SECRET_HEADERS else value) for name, value in headers}


def mask_query(query: str) -> str:
    """A query string (or form) with secret parameters (`client_secret=...`, `contactId=...`) masked."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, MASK if is_secret_name(k, _QUERY_KEYS) else v) for k, v in pairs])


def mask_form(text: str) -> str:
    pairs = parse_qsl(text, keep_blank_values=True)
    return urlencode([(k, MASK if is_secret_name(k) else v) for k, v in pairs])


def mask_body(raw: bytes, content_type: str, limit: int) -> str | None:
    """The body as text for showing, secrets masked whatever its media type, charset, size or
    shape: parsed as what it is, and masked by field name; a body that does not parse (or was cut
    at the size limit) and names a secret field is not shown at all."""
    if not raw:
        return None
    text = _decode(raw, content_type)
    masked = _masked_by_parsing(raw, text, content_type)
    if masked is None and _ANY_SECRET.search(text):
        return f"{MASK} ({len(raw)} bytes not shown: they could not be parsed and name a secret field)"
    text = masked if masked is not None else text
    return text if len(text) <= limit else text[:limit] + "...(truncated)"


def _decode(raw: bytes, content_type: str) -> str:
    charset = "utf-8"
    for option in content_type.split(";")[1:]:
        name, _, value = option.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip('"')
    try:
        return raw.decode(charset, errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def _masked_by_parsing(raw: bytes, text: str, content_type: str) -> str | None:
    """By what the body is, not what it says it is: JSON, XML, or a form."""
    start = text.lstrip()[:1]
    if start in ("{", "[", '"'):
        with contextlib.suppress(ValueError, RecursionError):
            return json.dumps(_mask_json(json.loads(text)))
        return None
    if start == "<":
        return _masked_xml(raw if "charset" not in content_type else text.encode("utf-8"))
    if "=" in text or "x-www-form-urlencoded" in content_type:
        return mask_form(text)
    return None


def _mask_json(value: object) -> object:
    if isinstance(value, dict):
        return {k: (MASK if is_secret_name(str(k)) else _mask_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_json(v) for v in value]
    return value


def _masked_xml(data: bytes) -> str | None:
    try:
        root = etree.fromstring(data, _XML_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # a comment or a processing instruction
        for name in element.attrib:
            if is_secret_name(name):
                element.attrib[name] = MASK
        if is_secret_name(element.tag):
            for child in list(element):
                element.remove(child)
            element.text = MASK
    return etree.tostring(root, encoding="unicode")
