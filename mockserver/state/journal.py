"""A bounded record of the requests the providers received, with secrets masked."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from mockserver.errors import ClientWarning, Violation
from mockserver.settings import DEFAULT_JOURNAL_BYTES
from mockserver.state.masking import mask_body, mask_headers, mask_query

MAX_BODY_CHARS = 16 * 1024
MAX_BODY_BYTES = MAX_BODY_CHARS
"""Of a body, the journal keeps this much (what it shows is at most MAX_BODY_CHARS characters)."""


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
    """At most MAX_BODY_BYTES of the body."""
    answer_body: bytes = b""
    """What was answered (or would have been, for a connection dropped after the operation): at
    most MAX_BODY_BYTES, counted in the journal's byte budget."""
    response_type: str = ""
    dropped: bool = False
    """A fault dropped the connection instead of answering."""
    seq: int = 0
    """Numbers the entries of one journal, from 1; set when recorded."""
    warnings: tuple[ClientWarning, ...] = ()
    """What the provider's real stack would have forgiven (see engine/binding.py)."""
    violations: tuple[Violation, ...] = ()
    """What the validation proxy found wrong with the request or its answer (`mockserver proxy`)."""

    @property
    def request_headers(self) -> dict[str, str]:
        return mask_headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in self.raw_headers)

    @property
    def request_query(self) -> str:
        return mask_query(self.query)

    @property
    def request_body(self) -> str | None:
        content_type = next((v for k, v in self.raw_headers if k == b"content-type"), b"")
        return mask_body(self.raw_body, content_type.decode("latin-1").lower(), MAX_BODY_CHARS)

    @property
    def response_body(self) -> str | None:
        """The answer's body, secrets masked as in a request (a token answer's `access_token`)."""
        return mask_body(self.answer_body, self.response_type.lower(), MAX_BODY_CHARS)


"""The journal's byte budget: thousands of ordinary requests, a few hundred huge ones."""
MAX_HEADER_BYTES = 8 * 1024
"""Of a request's headers, the journal keeps this much; the rest is cut (a marker says so)."""
ENTRY_OVERHEAD = 600
"""Bytes an entry costs besides its bodies and headers (objects, strings), for the byte budget."""


def bounded_headers(headers: tuple[tuple[bytes, bytes], ...]) -> tuple[tuple[bytes, bytes], ...]:
    """The headers as received, cut to MAX_HEADER_BYTES in all (a huge header must not be kept)."""
    kept, size = [], 0
    for name, value in headers:
        size += len(name) + len(value)
        if size > MAX_HEADER_BYTES:
            kept.append((b"x-mockserver-journal", b"headers cut at 8 KiB"))
            break
        kept.append((name, value))
    return tuple(kept)


def _size(entry: JournalEntry) -> int:
    headers = sum(len(k) + len(v) for k, v in entry.raw_headers)
    return (
        ENTRY_OVERHEAD
        + headers
        + len(entry.raw_body)
        + len(entry.answer_body)
        + len(entry.path)
        + len(entry.query)
    )


class Journal:
    """The newest entries, at most `limit` of them and `max_bytes` in all; older ones fall off, so
    memory stays flat whatever the requests carried."""

    def __init__(self, limit: int = 10_000, max_bytes: int = DEFAULT_JOURNAL_BYTES) -> None:
        self._lock = threading.Lock()
        self._entries: deque[tuple[JournalEntry, int]] = deque()
        self._limit, self._max_bytes, self._bytes = limit, max_bytes, 0
        self._recorded = 0

    def record(self, entry: JournalEntry) -> None:
        size = _size(entry)
        with self._lock:
            self._recorded += 1
            entry.seq = self._recorded
            self._entries.append((entry, size))
            self._bytes += size
            while self._entries and (len(self._entries) > self._limit or self._bytes > self._max_bytes):
                _, dropped = self._entries.popleft()
                self._bytes -= dropped

    @property
    def bytes(self) -> int:
        """What the kept entries are counted as (the byte budget's measure)."""
        with self._lock:
            return self._bytes

    def find(self, seq: int) -> JournalEntry | None:
        with self._lock:
            return next((e for e, _ in self._entries if e.seq == seq), None)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[JournalEntry]:
        """Newest first."""
        with self._lock:
            return [e for e, _ in reversed(self._entries)]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
