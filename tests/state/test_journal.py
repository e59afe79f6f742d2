"""state/journal.py: a bounded record of requests, secrets masked when an entry is read."""

from __future__ import annotations

from datetime import UTC, datetime

from mockserver.state.journal import ENTRY_OVERHEAD, MAX_HEADER_BYTES, Journal, JournalEntry, bounded_headers
from mockserver.state.masking import MASK, mask_query

AT = datetime(2026, 1, 1, tzinfo=UTC)


def entry(path: str = "/p", body: bytes = b"", headers: tuple = ()) -> JournalEntry:
    return JournalEntry(AT, "twosms", "POST", path, "", 200, 1.0, raw_headers=headers, raw_body=body)


def test_entries_are_numbered_newest_first_and_found_by_number():
    journal = Journal()
    for path in ("/a", "/b", "/c"):
        journal.record(entry(path))
    assert [e.path for e in journal.entries()] == ["/c", "/b", "/a"]
    found = journal.find(2)
    assert found is not None and found.path == "/b" and journal.find(99) is None


def test_the_oldest_entries_go_past_the_count_or_the_byte_budget():
    by_count = Journal(limit=2)
    for path in ("/a", "/b", "/c"):
        by_count.record(entry(path))
    assert [e.path for e in by_count.entries()] == ["/c", "/b"]
    by_bytes = Journal(max_bytes=2 * (ENTRY_OVERHEAD + 1000))
    for _ in range(5):
        by_bytes.record(entry(body=b"x" * 1000))
    assert len(by_bytes) == 1 and by_bytes.bytes <= 2 * (ENTRY_OVERHEAD + 1000)
    by_bytes.clear()
    assert len(by_bytes) == 0 and by_bytes.bytes == 0


def test_secret_headers_query_parameters_and_body_fields_are_masked_when_read():
    headers = ((b"auth-key", b"k"), (b"content-type", b"application/json"), (b"x-other", b"v"))
    read = entry(body=b'{"password": "p", "nested": [{"client_secret": "s"}], "name": "n"}', headers=headers)
    assert read.request_headers == {"auth-key": MASK, "content-type": "application/json", "x-other": "v"}
    assert read.request_body == '{"password": "****", "nested": [{"client_secret": "****"}], "name": "n"}'
    assert read.raw_body.startswith(b'{"password": "p"')  # recorded as received: masking costs a read
    assert mask_query("client_secret=s&grant_type=client_credentials") == (
        "client_secret=%2A%2A%2A%2A&grant_type=client_credentials"
    )


def mask_body(raw: bytes, content_type: str) -> str | None:
    return JournalEntry(
        AT,
        "p",
        "POST",
        "/",
        "",
        200,
        1.0,
        raw_headers=((b"content-type", content_type.encode()),),
        raw_body=raw,
    ).request_body


def test_bodies_of_other_types_are_masked_or_withheld():
    assert mask_body(b"<Auth><Password>p</Password></Auth>", "application/xml") == (
        "<Auth><Password>****</Password></Auth>"
    )
    assert (
        mask_body(b"client_secret=s&x=1", "application/x-www-form-urlencoded")
        == "client_secret=%2A%2A%2A%2A&x=1"
    )
    withheld = mask_body(b'{"password": "p"', "application/json")  # does not parse, names a secret
    assert withheld is not None and withheld.startswith(MASK) and '"p"' not in withheld
    assert mask_body(b"plain words", "text/plain") == "plain words"
    assert mask_body(b"", "application/json") is None


def test_headers_are_kept_up_to_a_bound_with_a_marker():
    many = tuple((f"x-h{i}".encode(), b"v" * 100) for i in range(200))
    kept = bounded_headers(many)
    assert sum(len(k) + len(v) for k, v in kept[:-1]) <= MAX_HEADER_BYTES
    assert kept[-1] == (b"x-mockserver-journal", b"headers cut at 8 KiB")
    assert bounded_headers(many[:3]) == many[:3]
