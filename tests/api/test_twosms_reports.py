"""2SMS templates (T27), delivery statuses (T26) and reports (T28) over HTTP through a live server,
JSON and XML (read with xmltodict), with the fake clock moved by the control plane."""

from __future__ import annotations

import httpx
import pytest
import xmltodict

from mockserver.providers.twosms.addressbook import EMPTY_GUID
from tests.api.twosms_helpers import NIGHT_SHIFT, READ_MESSAGE, failed, ok
from tests.conftest import TWOSMS_OTHER, twosms_token

TEMPLATES = "/api/v1/sms/templates"
SEND = "/api/v2/sms/messages"
REPORT = "/api/v1/reports/messages"
REMINDER = "6a1f3c2e-8d4b-4e5f-9a7c-1b2d3e4f5a6b"  # "Hello {1}, your appointment is on {2}. ..."
CONFIRMATION = "33333333-3333-4333-8333-333333333333"  # to Grace (20), who answered once
PAGE = {"paging.Page": 1, "paging.NoOfRecords": 50}
XML = {"Accept": "application/xml"}


def template(text: str = "Hi {1}, from {2}.", template_id: str = EMPTY_GUID, **fields) -> dict:
    body = {"TemplateID": template_id, "Name": "Greeting", "Type": 1, "TemplateText": text}
    return body | {"DateCreated": "ignored", "DateModified": "ignored"} | fields


def send(twosms: httpx.Client, numbers: list[str], **fields) -> dict:
    body = {"Type": 0, "Contacts": {"QuickRecipients": dict.fromkeys(numbers, 2)}, "Options": {}}
    return ok(twosms.post(SEND, json=body | fields))


def credits(twosms: httpx.Client) -> int:
    return ok(twosms.get("/api/v1/admin/accounts"))["AnyTimeBalance"]


def report_of(twosms: httpx.Client, message_id: str) -> dict:
    found = [r for r in ok(twosms.get(REPORT, params=PAGE)) if r["MessageID"] == message_id]
    assert len(found) == 1, found
    return found[0]


# -- templates (T27) --------------------------------------------------------------------------------
def test_a_template_is_created_read_back_and_filled_into_the_delivered_sms(server, twosms):
    server.clock.freeze("2026-06-01T09:00:00Z")
    created = ok(twosms.post(TEMPLATES, json=template()))
    assert created["TemplateID"] != EMPTY_GUID
    assert (
        created["DateCreated"] == created["DateModified"] == "2026-06-01T09:00:00Z"
    )  # the clock's, not ours
    assert ok(twosms.get(f"{TEMPLATES}/{created['TemplateID']}")) == created
    placeholders = {"1": "Ann", "2": "the clinic", "7": "unused"}
    body = {
        "Type": 1,
        "Content": "overwritten",
        "Template": {"ID": created["TemplateID"], "PlaceHolders": placeholders},
    }
    sent = send(twosms, ["+15550100077"], **body)
    assert sent["MessageText"] == "Hi Ann, from the clinic."
    assert server.outbox.wait_for(to="+15550100077").text == "Hi Ann, from the clinic."


def test_a_template_in_xml_names_its_id_element_id(twosms):
    xml = (
        "<Template><ID>00000000-0000-0000-0000-000000000000</ID><Name>X</Name><Type>EMAIL</Type>"
        "<TemplateText>{{literal}} {1}</TemplateText><DateCreated>a</DateCreated><DateModified>b</DateModified></Template>"
    )
    answer = twosms.post(TEMPLATES, content=xml, headers={"Content-Type": "application/xml", **XML})
    detail = xmltodict.parse(answer.content)["ResponseOfTemplate"]["ResponseData"]["Detail"]
    assert detail["Type"] == "EMAIL"
    assert detail["TemplateText"] == "{{literal}} {1}"
    sent = send(twosms, ["+15550100077"], Template={"ID": detail["ID"], "PlaceHolders": {"1": "x"}})
    assert sent["MessageText"] == "{literal} x"  # doubled braces are literal, as in String.Format


def test_saving_with_an_own_id_replaces_the_template_and_keeps_its_creation_date(server, twosms):
    server.clock.freeze("2026-06-01T09:00:00Z")
    first = ok(twosms.post(TEMPLATES, json=template(template_id=REMINDER, Name="Renamed")))
    assert (first["TemplateID"], first["Name"]) == (REMINDER, "Renamed")
    assert ok(twosms.get(f"{TEMPLATES}/{REMINDER}"))["TemplateText"] == "Hi {1}, from {2}."


def test_a_missing_placeholder_refuses_the_send_and_nothing_is_sent_or_charged(server, twosms, state):
    before = state()
    info = {"ID": REMINDER, "PlaceHolders": {"1": "Ann"}}  # {2} has no value
    reason = failed(
        twosms.post(
            SEND, json={"Type": 1, "Template": info, "Options": {}, "Contacts": {"ContactID": {"16": 2}}}
        ),
        400,
        "INVALID_REQUEST",
    )
    assert "{2}" in reason and "/Template/PlaceHolders/2" in reason
    assert state() == before
    assert server.outbox.messages() == []


def test_unknown_and_other_accounts_templates_are_not_found(server, twosms, state):
    other = {"Authorization": f"Bearer {twosms_token(server, TWOSMS_OTHER)}"}
    failed(twosms.get(f"{TEMPLATES}/{REMINDER}", headers=other), 404, "TEMPLATE_NOT_FOUND")
    failed(twosms.get(f"{TEMPLATES}/{READ_MESSAGE}"), 404, "TEMPLATE_NOT_FOUND")
    before = state()
    failed(
        twosms.post(TEMPLATES, json=template(template_id=REMINDER), headers=other), 409, "TEMPLATE_ID_TAKEN"
    )
    unknown = {
        "Type": 1,
        "Template": {"ID": READ_MESSAGE},
        "Options": {},
        "Contacts": {"ContactID": {"16": 2}},
    }
    failed(twosms.post(SEND, json=unknown), 404, "TEMPLATE_NOT_FOUND")
    assert state() == before


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"Type": 9}, "Type"),
        ({"TemplateText": ""}, "TemplateText"),
        ({"TemplateID": "not-a-guid"}, "TemplateID"),
    ],
)
def test_a_bad_template_is_a_400_that_stores_nothing(twosms, state, change, where):
    before = state()
    assert where in failed(twosms.post(TEMPLATES, json=template() | change), 400, "INVALID_REQUEST")
    assert state() == before


# -- delivery statuses (T26) -----------------------------------------------------------------------
def test_each_magic_number_ends_as_documented_on_the_clock_in_the_outbox_and_the_report(server, twosms):
    server.clock.freeze("2026-06-01T09:00:00Z")
    numbers = ["+15005550001", "+15005550002", "+15005550003", "+15005550004", "+15550100077"]
    before = credits(twosms)
    sent = send(twosms, numbers, Content="Status check")
    assert sent["NoOfSMS"] == "4" and sent["CreditsUsed"] == "4"  # the invalid number is never charged
    assert credits(twosms) == before - 4

    def outbox() -> dict[str, str]:
        return {m.to: m.delivery["status"] for m in server.outbox.messages(messageId=sent["MessageID"])}

    def report() -> dict[str, int]:
        return {r["Contact"]: r["DeliveryStatus"] for r in report_of(twosms, sent["MessageID"])["Recipients"]}

    assert outbox() == dict(zip(numbers, ["undeliverable", "sent", "sent", "sent", "sent"], strict=True))
    assert report() == dict(zip(numbers, [4, 1, 1, 1, 1], strict=True))  # UNDELIVERABLE 4, SENT 1
    server.clock.advance(5)
    assert outbox() == dict(
        zip(numbers, ["undeliverable", "sent", "failed", "sent", "delivered"], strict=True)
    )
    server.clock.advance(60)
    assert outbox()["+15005550002"] == "failed"
    assert outbox()["+15005550004"] == "sent"
    server.clock.advance("PT1H")
    assert outbox() == dict(
        zip(numbers, ["undeliverable", "failed", "failed", "delivered", "delivered"], strict=True)
    )
    assert report() == dict(zip(numbers, [4, 3, 3, 2, 2], strict=True))
    assert credits(twosms) == before - 4  # a failed SMS was sent: its credits stay spent


def test_the_control_plane_decides_one_recipients_outcome(server, twosms):
    server.clock.freeze("2026-06-01T09:00:00Z")
    sent = send(twosms, ["+15550100077", "+15550100078"])
    shown = server.outbox.set_delivery(
        sent["MessageID"], "+15550100077", "failed", reason="Switched off.", after="PT30S"
    )
    assert shown == {"status": "sent", "reason": "Handed to the carrier.", "since": "2026-06-01T09:00:00Z"}
    server.clock.advance(10)
    recipients = {r["Contact"]: r for r in report_of(twosms, sent["MessageID"])["Recipients"]}
    assert recipients["+15550100077"]["DeliveryStatus"] == 1  # still on its way: 30 s were asked
    assert recipients["+15550100078"]["DeliveryStatus"] == 2  # the other one is untouched
    server.clock.advance(20)
    failed_one = report_of(twosms, sent["MessageID"])["Recipients"][0]
    assert (failed_one["DeliveryStatus"], failed_one["DeliveryReason"]) == (3, "Switched off.")
    assert failed_one["DeliveryDate"] == "2026-06-01T09:00:30Z"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"messageId": "no-such-message", "to": "+15550100077", "status": "failed"}, 404),
        ({"to": "+15550100077", "status": "failed"}, 400),
        ({"messageId": "x", "to": "+15550100077", "status": "sent"}, 400),
        ({"messageId": "x", "to": "+15550100077", "status": "failed", "after": "soon"}, 400),
    ],
)
def test_a_bad_outcome_is_refused_and_changes_nothing(server, state, body, status):
    before = state()
    answer = httpx.put(f"{server.url}/__admin/deliveries", json={"provider": "twosms", **body})
    assert answer.status_code == status, answer.text
    assert state() == before


def test_a_queued_message_is_queued_until_its_time_and_delivered_after(server, twosms):
    server.clock.freeze("2026-06-01T09:00:00Z")
    sent = send(twosms, ["+15550100077"], Options={"DateToSend": "2026-06-01T10:00:00Z"})
    assert server.outbox.messages(messageId=sent["MessageID"]) == []
    assert all(r["MessageID"] != sent["MessageID"] for r in ok(twosms.get(REPORT, params=PAGE)))
    server.clock.advance("PT1H")
    assert report_of(twosms, sent["MessageID"])["Recipients"][0]["DeliveryStatus"] == 1
    server.clock.advance(5)
    assert server.outbox.messages(messageId=sent["MessageID"])[0].delivery["status"] == "delivered"


# -- reports (T28) ----------------------------------------------------------------------------------
def test_the_report_filters_sorts_and_pages_the_sent_advanced_messages(server, twosms):
    every = ok(twosms.get(REPORT, params=PAGE))
    dates = [r["DateSent"] for r in every]
    assert dates == sorted(dates, reverse=True)  # newest first by default
    assert {r["Status"] for r in every} == {1, 2}
    oldest_first = ok(twosms.get(REPORT, params=PAGE | {"sort.AscendingDescending": "true"}))
    assert [r["MessageID"] for r in oldest_first] == [r["MessageID"] for r in reversed(every)]
    assert [r["MessageID"] for r in ok(twosms.get(REPORT, params=PAGE | {"filter.Status": 2}))] == [
        "22222222-2222-4222-8222-222222222222"
    ]
    [read] = ok(twosms.get(REPORT, params=PAGE | {"filter.Reference": "confirmations"}))
    assert (read["MessageID"], read["NoofResponses"], read["NoofUnreadResponses"]) == (CONFIRMATION, 1, 1)
    unread = ok(twosms.get(REPORT, params=PAGE | {"filter.ReadResponseStatus": 2}))
    assert [r["MessageID"] for r in unread] == [CONFIRMATION]
    to_alan = ok(twosms.get(REPORT, params=PAGE | {"filter.Destination": "+15550100018"}))
    assert [r["MessageID"] for r in to_alan] == [READ_MESSAGE]
    in_2026 = {
        "filter.Range": 1,
        "filter.StartDate": "2026-01-02T00:00:00Z",
        "filter.EndDate": "2026-12-31T00:00:00Z",
    }
    assert {r["MessageID"] for r in ok(twosms.get(REPORT, params=PAGE | in_2026))} == {
        READ_MESSAGE,
        CONFIRMATION,
    }
    second = ok(twosms.get(REPORT, params={"paging.Page": 2, "paging.NoOfRecords": 1}))
    assert [r["MessageID"] for r in second] == [every[1]["MessageID"]]


def test_the_report_in_xml_writes_enums_by_name(twosms):
    answer = twosms.get(REPORT, params=PAGE | {"filter.Reference": "confirmations"}, headers=XML)
    document = xmltodict.parse(answer.content, force_list=("Report", "ReportRecipient"))
    [report] = document["ResponseOfArrayOfReport"]["ResponseData"]["Detail"]["Report"]
    assert (report["MessageID"], report["Status"], report["NoofUnreadResponses"]) == (
        CONFIRMATION,
        "ACTIVE",
        "1",
    )
    [recipient] = report["Recipients"]["ReportRecipient"]
    assert (recipient["Contact"], recipient["DeliveryStatus"]) == ("+15550100020", "DELIVERED")


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"paging.Page": 99, "paging.NoOfRecords": 50}, 404, "PAGE_NOT_FOUND"),
        ({"paging.NoOfRecords": 50}, 400, "INVALID_REQUEST"),
        (PAGE | {"sort.Field": 9}, 400, "INVALID_REQUEST"),
        (PAGE | {"filter.StartDate": "yesterday"}, 400, "INVALID_REQUEST"),
        (PAGE | {"filter.User": "not-a-guid"}, 400, "INVALID_REQUEST"),
    ],
)
def test_a_bad_report_query_is_refused_in_the_envelope(twosms, params, status, code):
    failed(twosms.get(REPORT, params=params), status, code)


def test_the_responses_report_and_the_conversation_mark_responses_read(server, twosms):
    server.clock.freeze("2026-06-01T09:00:00Z")
    responses = f"{REPORT}/{CONFIRMATION}/responses"
    [grace] = ok(twosms.get(responses, params=PAGE))
    assert (grace["Recipient"], grace["NoOfResponses"], grace["NoOfUnreadResponses"]) == (
        "+15550100020",
        1,
        1,
    )
    assert grace["LastResponse"] == "Yes, see you then."
    assert ok(twosms.get(responses, params=PAGE | {"filter.Status": 1})) == []  # READ: none yet
    said = ok(twosms.get(f"{responses}/+15550100020"))
    assert [(s["From"], s["Response"]) for s in said] == [("+15550100020", "Yes, see you then.")]
    assert said[0]["DateRead"] == "2026-06-01T09:00:00Z"  # read now, by this call
    assert ok(twosms.get(responses, params=PAGE))[0]["NoOfUnreadResponses"] == 0
    assert ok(twosms.get(f"{responses}/20")) == said  # by PersonNumber too
    assert report_of(twosms, CONFIRMATION)["NoofUnreadResponses"] == 0


def test_a_conversation_in_xml_lists_message_responses(twosms):
    answer = twosms.get(f"{REPORT}/{CONFIRMATION}/responses/%2B15550100020", headers=XML)
    root = xmltodict.parse(answer.content, force_list=("MessageResponse",))["ResponseOfListOfMessageResponse"]
    assert [r["Response"] for r in root["ResponseData"]["Detail"]["MessageResponse"]] == [
        "Yes, see you then."
    ]


def test_reports_of_unknown_or_other_accounts_messages_are_not_found(server, twosms, state):
    other = {"Authorization": f"Bearer {twosms_token(server, TWOSMS_OTHER)}"}
    before = state()
    failed(
        twosms.get(f"{REPORT}/{CONFIRMATION}/responses", params=PAGE, headers=other), 404, "MESSAGE_NOT_FOUND"
    )
    failed(
        twosms.get(f"{REPORT}/{CONFIRMATION}/responses/+15550100020", headers=other), 404, "MESSAGE_NOT_FOUND"
    )
    failed(twosms.get(f"{REPORT}/{CONFIRMATION}/responses/+15550100016"), 404, "CONTACT_NOT_FOUND")
    assert state() == before  # a refused conversation marks nothing read
    assert ok(twosms.get(REPORT, params=PAGE, headers=other)) == []


def test_a_send_to_a_group_is_reported_per_contact(twosms):
    sent = ok(
        twosms.post(
            SEND,
            json={
                "Type": 0,
                "Content": "Shift change",
                "Options": {},
                "Contacts": {"GroupID": {NIGHT_SHIFT: 2}},
            },
        )
    )
    report = report_of(twosms, sent["MessageID"])
    assert [(r["Contact"], r["PersonNumber"]) for r in report["Recipients"]] == [
        ("+15550100018", 18),
        ("+15550100020", 20),
    ]
