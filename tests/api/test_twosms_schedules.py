"""2SMS scheduled and recurring sends over HTTP through a live server (T29, T30): charged when they
go out, repeating on the fake clock, listed by the pending report and cancelled, JSON and XML."""

from __future__ import annotations

import httpx
import pytest
import xmltodict

from tests.api.twosms_helpers import NIGHT_SHIFT, failed, ok
from tests.conftest import TWOSMS_OTHER, twosms_token

SEND = "/api/v2/sms/messages"
STANDARD = "/api/v1/sms/standardmessages"
RECURRING = "/api/v1/sms/standardmessages/recurringmessages"
PENDING_REPORT = "/api/v1/reports/messages/pendingandrecurring"
PAGE = {"paging.Page": 1, "paging.NoOfRecords": 50}
DEMO_PENDING = "44444444-4444-4444-8444-444444444444"
DEMO_RECURRING = "55555555-5555-4555-8555-555555555555"
XML = {"Content-Type": "application/xml", "Accept": "application/xml"}


def credits(twosms: httpx.Client) -> int:
    return ok(twosms.get("/api/v1/admin/accounts"))["AnyTimeBalance"]


def planned(twosms: httpx.Client, **filters) -> dict[str, dict]:
    return {p["MessageID"]: p for p in ok(twosms.get(PENDING_REPORT, params=PAGE | filters))}


def texts(server, message_id: str | None = None) -> list[tuple[str, str]]:
    return [
        (m.to, m.text)
        for m in server.outbox.messages(provider="twosms")
        if message_id in (None, m.message_id)
    ]


def recurring(days=("Monday", "Thursday"), **fields) -> dict:
    body = {
        "Contacts": {"GroupID": {NIGHT_SHIFT: 2}},  # contacts 18 and 20
        "Content": "Rota check",
        "Header": "Rota",
        "Reference": "rota",
        "StartSend": "2026-06-01T08:00:00Z",
        "PatternScheduleDays": list(days),
        "OccurrencesEnd": 3,
        "RecurrenceRange": 0,
    }
    return body | fields


def test_a_scheduled_send_is_charged_only_when_it_goes_out(server, twosms):
    server.clock.freeze("2026-06-01T07:00:00Z")
    before = credits(twosms)
    body = {"Type": 1, "Content": "Later", "Contacts": {"QuickRecipients": {"+15550100077": 2}}}
    sent = ok(
        twosms.post(
            SEND, json=body | {"Options": {"DateToSend": "2026-06-01T09:00:00Z", "Reference": "later"}}
        )
    )
    assert (sent["NoOfSMS"], sent["CreditsUsed"], sent["PostTransaction"]) == ("1", "0", str(before))
    assert planned(twosms)[sent["MessageID"]]["Type"] == 0  # PENDING
    server.clock.advance("PT2H")
    assert credits(twosms) == before - 1
    assert texts(server, sent["MessageID"]) == [("+15550100077", "Later")]
    assert sent["MessageID"] not in planned(twosms)


def test_a_scheduled_send_the_account_cannot_pay_by_then_is_refused_for_every_recipient(server, twosms):
    server.clock.freeze("2026-06-01T07:00:00Z")
    other = {"Authorization": f"Bearer {twosms_token(server, TWOSMS_OTHER)}"}  # 10 credits
    body = {"Type": 1, "Content": "x", "Contacts": {"QuickRecipients": {"+15550100077": 2}}}
    later = ok(
        twosms.post(SEND, json=body | {"Options": {"DateToSend": "2026-06-01T09:00:00Z"}}, headers=other)
    )
    spend = {
        "Type": 1,
        "Content": "y",
        "Contacts": {"QuickRecipients": {f"+1555010{i:04}": 2 for i in range(10)}},
    }
    ok(twosms.post(SEND, json=spend | {"Options": {}}, headers=other))  # all 10 credits, now
    server.clock.advance("PT2H")
    [sms] = server.outbox.messages(messageId=later["MessageID"])
    assert sms.delivery == {
        "status": "undeliverable",
        "reason": "Not enough credits when it fell due.",
        "since": sms.sent_at,
    }
    assert credits(httpx.Client(base_url=str(twosms.base_url), headers=other)) == 0


def test_a_recurring_message_sends_on_its_days_until_its_occurrences_are_used(server, twosms):
    server.clock.freeze("2026-05-31T12:00:00Z")  # a Sunday
    before = credits(twosms)
    created = ok(twosms.post(RECURRING, json=recurring()))
    assert (created["NoOfContacts"], created["CreditsUsed"]) == ("2", "0")
    entry = planned(twosms)[created["MessageID"]]
    assert (entry["Type"], entry["DateToSend"], entry["PatternScheduleDays"], entry["OccurrencesLeft"]) == (
        1, "2026-06-01T08:00:00Z", 2 | 16, 3,
    )  # fmt: skip
    server.clock.advance("P1D")  # Monday 12:00: the Monday occurrence
    assert [to for to, _ in texts(server)] == ["+15550100018", "+15550100020"]
    assert all(m.sender == "Rota" for m in server.outbox.messages())
    assert planned(twosms)[created["MessageID"]]["DateToSend"] == "2026-06-04T08:00:00Z"  # Thursday
    server.clock.advance("P30D")
    assert len(texts(server)) == 6  # three occurrences, two contacts each
    assert created["MessageID"] not in planned(twosms)  # ended
    assert credits(twosms) == before - 6


def test_a_recurring_send_through_the_v2_send_follows_its_recurring_options(server, twosms):
    server.clock.freeze("2026-06-01T09:00:00Z")
    options = {
        "Reference": "daily",
        "RecurringOptions": {"Range": "END_BY", "RecDateToSend": "2026-06-03T12:00:00Z"},
    }
    body = {"Type": 2, "Content": "Daily", "Contacts": {"ContactID": {"16": 2}}, "Options": options}
    created = ok(twosms.post(SEND, json=body))
    assert created["CreditsUsed"] == "1"  # the first occurrence was due at once
    server.clock.advance("P5D")
    assert texts(server) == [("+15550100016", "Daily")] * 3  # 1, 2 and 3 June
    assert created["MessageID"] not in planned(twosms)


def test_a_clock_jump_sends_only_the_latest_occurrences_and_counts_the_rest_missed(server, twosms):
    server.clock.freeze("2026-06-01T07:00:00Z")
    body = {"Type": 2, "Content": "Tick", "Contacts": {"ContactID": {"16": 2}}}
    created = ok(
        twosms.post(
            SEND,
            json=body | {"Options": {"DateToSend": "2026-06-01T08:00:00Z", "RecurringOptions": {"Range": 2}}},
        )
    )
    server.clock.advance("P200D")
    fresh = {"Authorization": f"Bearer {twosms_token(server)}"}  # 200 days outlive the first token
    entry = {p["MessageID"]: p for p in ok(twosms.get(PENDING_REPORT, params=PAGE, headers=fresh))}[
        created["MessageID"]
    ]
    assert (entry["OccurrencesSent"], entry["OccurrencesMissed"]) == (100, 100)
    assert len(texts(server)) == 100


def test_cancelling_pending_sends_by_id_and_by_all_but(server, twosms, state):
    server.clock.freeze("2026-06-01T07:00:00Z")
    body = {"Type": 1, "Content": "x", "Contacts": {"QuickRecipients": {"+15550100077": 2}}}
    ids = [
        ok(twosms.post(SEND, json=body | {"Options": {"DateToSend": f"2026-06-0{d}T09:00:00Z"}}))["MessageID"]
        for d in (2, 3)
    ]
    before = state()
    unknown = {"MessageIDs": [ids[0], "3f1c2e4a-0000-4000-8000-000000000001"]}
    failed(twosms.request("DELETE", f"{SEND}/pendings", json=unknown), 404, "MESSAGE_NOT_FOUND")
    assert state() == before  # all or nothing
    done = ok(twosms.request("DELETE", f"{SEND}/pendings", json={"All": True, "MessageIDs": [ids[1]]}))
    assert (done["NoOfMessages"], set(done["MessageIDs"])) == ("2", {ids[0], DEMO_PENDING})
    assert set(planned(twosms, **{"filter.Type": 0})) == {ids[1]}
    server.clock.advance("P3D")
    assert [m.message_id for m in server.outbox.messages()] == [ids[1]]  # the cancelled never went out


def test_cancelling_recurring_sends_in_xml_by_reference(server, twosms):
    created = ok(twosms.post(RECURRING, json=recurring(StartSend="2099-06-01T08:00:00Z")))
    xml = "<DeletePendingRecurringMessagesRequest><Reference>rota</Reference><Range>ALL</Range></DeletePendingRecurringMessagesRequest>"
    answer = twosms.request("DELETE", f"{SEND}/recurrings", content=xml, headers=XML)
    detail = xmltodict.parse(answer.content)["ResponseOfDeletePendingMessagesResponse"]["ResponseData"][
        "Detail"
    ]
    assert (detail["NoOfMessages"], detail["MessageIDs"]["string"]) == ("1", created["MessageID"])
    assert set(planned(twosms)) == {DEMO_PENDING, DEMO_RECURRING}


@pytest.mark.parametrize(
    "body",
    [
        {},  # names nothing
        {"Reference": "nobody-has-this"},
        {"All": True, "Type": 0},  # PENDING: not what this URL cancels
    ],
)
def test_criteria_that_match_nothing_cancel_nothing(twosms, state, body):
    before = state()
    done = ok(twosms.request("DELETE", f"{SEND}/recurrings", json=body))
    assert (done["NoOfMessages"], done["MessageIDs"]) == ("0", [])
    assert state() == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (recurring(RecurrenceRange=1), 409, "INVALID_RECURRENCE"),
        (recurring(days=("Funday",)), 400, "INVALID_REQUEST"),
        (recurring(Contacts={"ContactID": {"999": 2}}), 404, "CONTACT_NOT_FOUND"),
        (recurring(StartSend="tomorrow"), 400, "INVALID_REQUEST"),
        ({**recurring(), "Content": ""}, 400, "INVALID_REQUEST"),
    ],
)
def test_a_bad_recurring_message_sets_up_nothing(twosms, state, body, status, code):
    before = state()
    failed(twosms.post(RECURRING, json=body), status, code)
    assert state() == before


def test_an_end_by_without_an_occurrence_before_its_date_is_a_409(twosms, state):
    before = state()
    options = {
        "DateToSend": "2026-06-02T08:00:00Z",
        "RecurringOptions": {"Range": 1, "RecDateToSend": "2026-06-01T08:00:00Z"},
    }
    body = {"Type": 2, "Content": "x", "Contacts": {"ContactID": {"16": 2}}, "Options": options}
    assert "RecDateToSend" in failed(twosms.post(SEND, json=body), 409, "INVALID_RECURRENCE")
    assert state() == before


def test_the_standard_message_endpoint_is_a_standard_send(server, twosms):
    body = {
        "Contacts": {"QuickRecipients": {"+15550100077": 2}},
        "Content": "Table ready",
        "MessageOptions": {"DeliveryReceipt": True},
        "Reference": "tables",
        "Sender": "Cafe",
    }
    sent = ok(twosms.post(STANDARD, json=body))
    assert (sent["NoOfSMS"], sent["CreditsUsed"], sent["MessageText"]) == ("1", "1", "Table ready")
    [sms] = server.outbox.messages(messageId=sent["MessageID"])
    assert (sms.sender, sms.text) == ("Cafe", "Table ready")
    assert twosms.post(STANDARD, content=b"<StandardMessage/>", headers=XML).status_code == 415  # JSON only


def test_another_accounts_sends_are_neither_listed_nor_cancelled(server, twosms):
    other = {"Authorization": f"Bearer {twosms_token(server, TWOSMS_OTHER)}"}
    assert ok(twosms.get(PENDING_REPORT, params=PAGE, headers=other)) == []
    failed(
        twosms.request("DELETE", f"{SEND}/pendings", json={"MessageIDs": [DEMO_PENDING]}, headers=other),
        404,
        "MESSAGE_NOT_FOUND",
    )
    assert DEMO_PENDING in planned(twosms)


def test_the_pending_report_in_xml_names_its_kinds(twosms):
    answer = twosms.get(PENDING_REPORT, params=PAGE, headers={"Accept": "application/xml"})
    root = xmltodict.parse(answer.content, force_list=("PendingRecurringMessage",))[
        "ResponseOfListOfPendingRecurringMessage"
    ]
    rows = {r["MessageID"]: r for r in root["ResponseData"]["Detail"]["PendingRecurringMessage"]}
    assert (rows[DEMO_PENDING]["Type"], rows[DEMO_RECURRING]["Type"]) == ("PENDING", "RECURRING")
    assert rows[DEMO_RECURRING]["RecurrenceRange"] == "NO_END"
    assert rows[DEMO_RECURRING]["DateToSend"] == "2099-01-03T08:00:00Z"  # 3 January 2099 is a Saturday
