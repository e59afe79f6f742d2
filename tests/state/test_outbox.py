from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mockserver.state.outbox import Outbox, OutboxMessage, OutboxQuery

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def sms(to: str, text: str, provider: str = "twosms", sender: str = "Demo", **extra: str) -> OutboxMessage:
    return OutboxMessage(provider, sender, to, text, NOW, message_id="m1", extra=extra)


def test_find_filters_combine_and_keep_delivery_order():
    outbox = Outbox()
    outbox.record(sms("+1555", "code 1234"))
    outbox.record(sms("+1666", "code 5678", provider="jframework", sender="+1500"))
    outbox.record(sms("+1555", "hello", contactId="tok"))
    assert [m.text for m in outbox.find(to="+1555")] == ["code 1234", "hello"]
    assert [m.text for m in outbox.find(contains="code")] == ["code 1234", "code 5678"]
    assert [m.to for m in outbox.find(provider="jframework", sender="+1500")] == ["+1666"]
    assert outbox.find(to="+1555", contains="5678") == []
    assert outbox.find(to="+1555")[1].extra == {"contactId": "tok"}


def test_outbox_is_bounded_keeping_the_newest():
    outbox = Outbox(limit=3)
    for n in range(5):
        outbox.record(sms("+1555", f"n{n}"))
    assert [m.text for m in outbox.messages()] == ["n2", "n3", "n4"]


def test_snapshot_restore_and_clear():
    outbox = Outbox()
    outbox.record(sms("+1555", "kept"))
    saved = outbox.snapshot()
    outbox.record(sms("+1555", "later"))
    outbox.restore(saved)
    assert [m.text for m in outbox.messages()] == ["kept"]
    outbox.clear()
    assert outbox.messages() == []


def test_an_sms_recorded_in_a_transaction_is_delivered_when_it_commits_and_never_if_it_fails():
    from mockserver.state.store import Store

    store, outbox, heard = Store(), Outbox(), []
    store.attach(outbox)
    outbox.subscribe(heard.append)
    with store.transaction() as tx:
        tx.put("t", "k", 1)
        outbox.record(sms("+1555", "sent"))
        assert outbox.messages() == [] and heard == []  # not before the commit
    assert [m.text for m in outbox.messages()] == ["sent"] and len(heard) == 1
    try:
        with store.transaction() as tx:
            outbox.record(sms("+1555", "lost"))
            raise RuntimeError("the request failed after sending")
    except RuntimeError:
        pass
    assert [m.text for m in outbox.messages()] == ["sent"] and len(heard) == 1


def test_one_query_filters_the_admin_api_the_inbox_and_find_alike():
    """`contains` ignores case everywhere (it was case-sensitive in the admin API and in `find`,
    not in the inbox page); numbers match exactly; `number` is either end."""
    outbox = Outbox()
    at = datetime(2026, 5, 1, tzinfo=UTC)
    outbox.record(OutboxMessage("twosms", "+1000", "+1555", "Your CODE is 1234", at, "m1", {"owner": "a"}))
    outbox.record(OutboxMessage("jframework", "+1555", "+1999", "hello", at, "m2", {"owner": "b"}))
    assert [m.message_id for m in outbox.find(contains="code")] == ["m1"]
    messages = outbox.messages()
    assert [m.message_id for m in messages if OutboxQuery(number="+1555")(m)] == ["m1", "m2"]
    assert [m.message_id for m in messages if OutboxQuery(to="+155")(m)] == []
    assert [m.message_id for m in messages if OutboxQuery(owner=lambda o: o == "b")(m)] == ["m2"]
    assert [m.message_id for m in messages if OutboxQuery(since=at + timedelta(seconds=1))(m)] == []
