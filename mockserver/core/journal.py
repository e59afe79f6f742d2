"""A bounded record of the requests the providers received, with secrets masked."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

MASK = "****"
SECRET_HEADERS = frozenset({"auth-key", "authorization", "cookie", "proxy-authorization"})
SECRET_FIELDS = frozenset({"password", "client_secret", "secret", "authkey", "auth-key", "access_token"})
MAX_BODY_CHARS = 16 * 1024
_XML_SECRET = re.compile(r"(<(Password|ClientSecret|Secret)>)[^<]*(</\2>)", re.IGNORECASE)


@dataclass(slots=True)  # not frozen: a frozen dataclass costs a request twice as much to build
class JournalEntry:
    """One request as received. Secrets are masked when the entry is read, not when it is
    recorded, so recording costs the request next to nothing."""

    at: datetime
    provider: str
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    tenant: str | None = None
    raw_headers: tuple[tuple[bytes, bytes], ...] = ()
    raw_body: bytes = b""
    """At most MAX_BODY_CHARS * 4 bytes of the body."""
    error_body: bytes = b""
    """What was answered, for an error (status >= 400) only: at most MAX_BODY_CHARS * 4 bytes."""
    response_type: str = ""
    seq: int = 0
    """Numbers the entries of one journal, from 1; set when recorded."""

    @property
    def request_headers(self) -> dict[str, str]:
        return mask_headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in self.raw_headers)

    @property
    def request_body(self) -> str | None:
        content_type = next((v for k, v in self.raw_headers if k == b"content-type"), b"")
        return mask_body(self.raw_body, content_type.decode("latin-1").lower())


def mask_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name: (MASK if name.lower() in SECRET_HEADERS else value) for name, value in headers}


def mask_body(raw: bytes, content_type: str) -> str | None:
    """The body as text for the journal, secrets masked, bounded in size."""
    if not raw:
        return None
    text = raw[: MAX_BODY_CHARS * 4].decode("utf-8", errors="replace")
    if "json" in content_type:
        with contextlib.suppress(ValueError, RecursionError):
            text = json.dumps(_mask_json(json.loads(text)))
    elif "x-www-form-urlencoded" in content_type:
        pairs = parse_qsl(text, keep_blank_values=True)
        text = urlencode([(k, MASK if k.lower() in SECRET_FIELDS else v) for k, v in pairs])
    elif "xml" in content_type:
        text = _XML_SECRET.sub(lambda m: f"{m[1]}{MASK}{m[3]}", text)
    return text if len(text) <= MAX_BODY_CHARS else text[:MAX_BODY_CHARS] + "...(truncated)"


def _mask_json(value: object) -> object:
    if isinstance(value, dict):
        return {k: (MASK if str(k).lower() in SECRET_FIELDS else _mask_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_json(v) for v in value]
    return value


class Journal:
    """The newest `limit` entries; older ones fall off, so memory stays flat."""

    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=limit)
        self._recorded = 0

    def record(self, entry: JournalEntry) -> None:
        with self._lock:
            self._recorded += 1
            entry.seq = self._recorded
            self._entries.append(entry)

    def find(self, seq: int) -> JournalEntry | None:
        with self._lock:
            return next((e for e in self._entries if e.seq == seq), None)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[JournalEntry]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._entries))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
