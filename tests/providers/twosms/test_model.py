from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mockserver.providers.twosms import fixtures
from mockserver.providers.twosms.errors import (
    ContactNotFound,
    InsufficientCredits,
    InvalidClient,
    MessageAlreadyRead,
    MessageDissolved,
    MessageExpired,
    Unauthorized,
    UnsupportedGrantType,
)
from mockserver.providers.twosms.model import TwoSms
from mockserver.providers.twosms.records import ACCOUNTS, MESSAGES, Caller
from mockserver.providers.twosms.segments import is_gsm7, segments
from mockserver.settings import Settings
from mockserver.world import World

ACCOUNT = "71a9437e-9ae2-410d-b3d1-983c44a55dcd"
MESSAGE = "dbcc0ec5-7543-4a9d-932c-ab0623551910"
CALLER = Caller(ACCOUNT, "c")
WORLD = {
    "accounts": [
        {
            "id": ACCOUNT,
            "name": "A",
            "credits": 5,
            "clients": [{"clientId": "c", "secret": "s"}],
            "contacts": [
                {"personNumber": 16, "mobile": "+15550100016"},
                {"personNumber": 18, "mobile": "+15550100018"},
            ],
            "messages": [
                {
                    "id": MESSAGE,
                    "content": "hello",
                    "dateSent": "2026-01-01T00:00:00Z",
                    "expiryDate": "2026-12-31T00:00:00Z",
                    "readsAllowed": 1,
                    "recipients": [{"personNumber": 16, "contactId": "t16"}],
                }
            ],
        }
    ]
}


@pytest.fixture
def backend() -> World:
    backend = World([], Settings(seed=5, fixtures=()))
    backend.clock.freeze(datetime(2026, 6, 1, tzinfo=UTC))
    with backend.store.transaction() as tx:
        fixtures.load(tx, WORLD, backend)
    return backend


@pytest.fixture
def sms(backend: World) -> TwoSms:
    return TwoSms(backend.store, backend.clock, backend.ids, backend.outbox, "http://fake")


def balance(backend: World) -> int:
    with backend.store.transaction() as tx:
        return tx.get(ACCOUNTS, ACCOUNT).credits


def test_gsm7_detection_and_segment_boundaries():
    assert is_gsm7("Hello @ £5 {ok}") and not is_gsm7("Grüße aus Łódź")
    assert [segments("a" * n) for n in (0, 160, 161, 306, 307)] == [1, 1, 2, 2, 3]
    assert [segments("ł" * n) for n in (70, 71, 134, 135)] == [1, 2, 2, 3]


def test_tokens_last_eight_hours_and_bad_grants_are_refused(sms: TwoSms, backend: World):
    token = sms.issue_token("client_credentials", "c", "s")
    assert sms.authenticate(token.token) == CALLER
    backend.clock.advance(timedelta(hours=8))
    with pytest.raises(Unauthorized, match="expired"):
        sms.authenticate(token.token)
    with pytest.raises(InvalidClient):
        sms.issue_token("client_credentials", "c", "wrong")
    with pytest.raises(UnsupportedGrantType):
        sms.issue_token("password", "c", "s")


def test_a_failed_request_does_not_even_advance_the_id_sequence(sms: TwoSms):
    request = {"Type": 1, "Content": "x", "Contacts": {"ContactID": {"99": 2}}, "Options": {}}
    with pytest.raises(ContactNotFound):
        sms.send(CALLER, request)
    first = sms.send(CALLER, {"Type": 1, "Content": "x", "Contacts": {"ContactID": {"16": 2}}, "Options": {}})
    fresh = World([], Settings(seed=5, fixtures=()))
    assert first.message.id == fresh.ids.uuid("twosms.message")


def test_update_is_all_or_nothing_and_charges_only_new_sms_recipients(sms: TwoSms, backend: World):
    with pytest.raises(ContactNotFound):
        sms.update(CALLER, MESSAGE, {"Content": "new", "AdditionalContactID": 18, "RemoveContactID": 77})
    with backend.store.transaction() as tx:
        assert tx.get(MESSAGES, MESSAGE).content == "hello"
    assert balance(backend) == 5
    result = sms.update(CALLER, MESSAGE, {"Content": "new", "AdditionalContactID": 18})
    assert (result.sms, result.credits_used, balance(backend)) == (1, 1, 4)
    assert [m.to for m in backend.outbox.messages()] == ["+15550100018"]


def test_reads_dissolve_and_read_content_is_frozen(sms: TwoSms):
    view = sms.view(MESSAGE, "t16")
    assert view.reads_remaining == 0
    with pytest.raises(MessageDissolved):
        sms.view(MESSAGE, "t16")
    with pytest.raises(MessageAlreadyRead):
        sms.update(CALLER, MESSAGE, {"Content": "changed"})
    sms.update(CALLER, MESSAGE, {"Content": "hello"})  # unchanged content is fine


def test_expiry_by_clock(sms: TwoSms, backend: World):
    backend.clock.advance(timedelta(days=365))
    with pytest.raises(MessageExpired):
        sms.update(CALLER, MESSAGE, {})
    with pytest.raises(MessageExpired):
        sms.view(MESSAGE, "t16")


def test_credits_are_checked_before_anything_is_sent(sms: TwoSms, backend: World):
    request = {"Type": 1, "Content": "x" * 500, "Contacts": {"ContactID": {"16": 2, "18": 2}}, "Options": {}}
    with pytest.raises(InsufficientCredits):
        sms.send(CALLER, request)  # 4 segments x 2 recipients = 8 > 5
    assert backend.outbox.messages() == [] and balance(backend) == 5


def test_email_only_recipients_cost_nothing_and_get_no_sms(sms: TwoSms, backend: World):
    result = sms.send(
        CALLER, {"Type": 1, "Content": "x", "Contacts": {"ContactID": {"16": 1}}, "Options": {}}
    )
    assert (result.sms, result.emails, result.credits_used) == (0, 1, 0)
    assert backend.outbox.messages() == []


def test_queued_messages_go_out_when_the_clock_gets_there(sms: TwoSms, backend: World):
    later = (backend.clock.now() + timedelta(minutes=30)).isoformat()
    request = {
        "Type": 0,
        "Content": "x",
        "Contacts": {"ContactID": {"18": 2}},
        "Options": {"DateToSend": later},
    }
    result = sms.send(CALLER, request)
    assert sms.deliver_due() == 0 and backend.outbox.messages() == []
    backend.clock.advance(timedelta(minutes=30))
    assert sms.deliver_due() == 1
    [sent] = backend.outbox.messages()
    assert sent.text.startswith("2SMS sent you a secure message: http://fake/_/twosms/read/")
    assert result.message.id in sent.text and sent.extra["contactId"] in sent.text
    assert sms.deliver_due() == 0


def test_the_account_index_lists_an_accounts_messages_only_and_follows_eviction():
    from mockserver import create_app
    from mockserver.providers.twosms.records import account_messages

    app = create_app(max_messages=1_000)
    model = app.world.handlers["twosms"].model
    demo = model.authenticate(model.issue_token("client_credentials", "demo-client", "demo-secret").token)
    other = model.authenticate(model.issue_token("client_credentials", "other-client", "other-secret").token)
    mine = model.send(
        demo, {"Type": 1, "Content": "x", "Options": {}, "Contacts": {"QuickRecipients": {"+15550100001": 2}}}
    )
    with app.world.store.transaction() as tx:
        demo_ids = set(tx.rows(account_messages(demo.account_id)))
        other_ids = set(tx.rows(account_messages(other.account_id)))
        assert mine.message.id in demo_ids and not demo_ids & other_ids
        assert all(tx.get(MESSAGES, i).account_id == demo.account_id for i in demo_ids)
    assert model.expire(other, {"MessageIDs": [mine.message.id]}) == 0  # not theirs to expire
    assert model.expire(demo, {"MessageIDs": [mine.message.id]}) == 1
