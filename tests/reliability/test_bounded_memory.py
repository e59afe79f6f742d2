"""What the fake keeps is bounded: the journal in bytes, a request's headers, the snapshots."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from mockserver import MockServer
from mockserver.state.journal import MAX_HEADER_BYTES, Journal, JournalEntry, bounded_headers


def entry(body: bytes) -> JournalEntry:
    return JournalEntry(datetime.now(UTC), "p", "PUT", "/x", "", 200, 1.0, raw_body=body)


def test_the_journal_keeps_within_its_byte_budget_dropping_the_oldest():
    journal = Journal(limit=10_000, max_bytes=1_000_000)
    for _ in range(100):
        journal.record(entry(bytes(65_536)))
    assert journal.bytes <= 1_000_000 and 10 <= len(journal) <= 15
    assert journal.entries()[0].seq == 100  # the newest stay


def test_a_huge_header_is_cut_with_a_marker():
    headers = ((b"host", b"x"), (b"x-big", b"a" * 300_000), (b"auth-key", b"k"))
    kept = bounded_headers(headers)
    assert sum(len(k) + len(v) for k, v in kept) <= MAX_HEADER_BYTES + 64
    assert kept[0] == (b"host", b"x") and kept[-1][0] == b"x-mockserver-journal"


@pytest.fixture(scope="module")
def admin():
    with MockServer() as live, httpx.Client(base_url=f"{live.url}/__admin") as client:
        yield client


def test_snapshots_are_listed_deleted_and_capped(admin):
    json = {"Content-Type": "application/json"}
    for i in range(50):
        assert admin.put(f"/snapshots/s{i}", content=b"{}", headers=json).status_code == 200
    refused = admin.put("/snapshots/one-too-many", content=b"{}", headers=json)
    assert refused.status_code == 409 and "delete one first" in refused.json()["errors"][0]
    assert len(admin.get("/snapshots").json()["snapshots"]) == 50
    assert admin.request("DELETE", "/snapshots/s0", content=b"{}", headers=json).status_code == 200
    assert admin.request("DELETE", "/snapshots/s0", content=b"{}", headers=json).status_code == 404
    assert admin.put("/snapshots/one-more", content=b"{}", headers=json).status_code == 200


def test_stored_messages_and_the_outbox_are_capped_the_oldest_going_first():
    from mockserver import create_app
    from mockserver.providers.twosms.records import MESSAGES

    app = create_app(max_messages=3, outbox_limit=2)
    model = app.world.handlers["twosms"].model
    caller = model.authenticate(model.issue_token("client_credentials", "demo-client", "demo-secret").token)
    with app.world.store.transaction() as tx:
        stored_before = [m.id for m in tx.rows(MESSAGES)]
    sent = [
        model.send(caller, {"Type": 1, "Content": f"m{i}", "Options": {}, "Contacts": {"QuickRecipients": {"+15550100001": 2}}})
        for i in range(4)
    ]  # fmt: skip
    with app.world.store.transaction() as tx:
        kept = [m.id for m in tx.rows(MESSAGES)]
    assert kept == [s.message.id for s in sent[-3:]]  # the fixtures' messages went first, then m0
    assert not set(stored_before) & set(kept)
    assert [m.text for m in app.world.outbox.messages()] == ["m2", "m3"]
