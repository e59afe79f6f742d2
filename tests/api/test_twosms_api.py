"""2SMS over HTTP through a live server: every T rule, in JSON and in XML, state checked after."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
import xmltodict

from tests.api.twosms_helpers import (
    DAY_SHIFT,
    DEMO_MESSAGE,
    EXPIRED_MESSAGE,
    NIGHT_SHIFT,
    READ_MESSAGE,
    details,
    details_xml,
    envelope,
    failed,
    ok,
    stored_message,
)
from tests.conftest import TWOSMS_OTHER, twosms_token

FORMATS = ["json", "xml"]
MESSAGES = "/api/v1/sms/messages"


def put(client: httpx.Client, message_id: str, body: dict, fmt: str) -> httpx.Response:
    if fmt == "xml":
        headers = {"Content-Type": "application/xml", "Accept": "application/xml"}
        return client.put(f"{MESSAGES}/{message_id}", content=details_xml(body), headers=headers)
    return client.put(f"{MESSAGES}/{message_id}", json=body)


def send(client: httpx.Client, content: str, *, kind: int = 1, quick=(), contacts=(), groups=(), **options):
    body = {
        "Type": kind,
        "Content": content,
        "Contacts": {
            "ContactID": {str(c): 2 for c in contacts},
            "GroupID": {g: 2 for g in groups},
            "QuickRecipients": {n: 2 for n in quick},
        },
        "Options": options,
    }
    return client.post("/api/v2/sms/messages", json=body)


def credits(client: httpx.Client) -> int:
    return ok(client.get("/api/v1/admin/accounts"))["AnyTimeBalance"]


def view(server, message_id: str, contact_id: str, accept: str = "application/json") -> httpx.Response:
    return httpx.get(
        f"{server.url}/twosms{MESSAGES}/{message_id}",
        params={"contactId": contact_id},
        headers={"Accept": accept},
    )


def recipients(server, message_id: str) -> dict[str, int]:
    """mobile -> reads, straight from the store."""
    return {r.mobile: r.reads for r in stored_message(server, message_id).recipients}


# -- T2: tokens ---------------------------------------------------------------------------------
def test_token_is_a_bearer_for_8_hours_of_the_fake_clock(server):
    response = httpx.post(
        f"{server.url}/twosms/Token",
        data={"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"},
    )
    token = response.json()
    assert (token["token_type"], token["expires_in"]) == ("bearer", 28800)
    assert_not_cacheable(response)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert httpx.get(f"{server.url}/twosms/api/v1/admin/accounts", headers=headers).status_code == 200
    server.app.world.clock.advance(timedelta(hours=8))
    try:
        expired = httpx.get(f"{server.url}/twosms/api/v1/admin/accounts", headers=headers)
        assert "expired" in failed(expired, 401, "UNAUTHORIZED")
        assert expired.headers["www-authenticate"] == "Bearer"
    finally:
        server.app.world.clock.advance(timedelta(hours=-8))


@pytest.mark.parametrize(
    ("form", "error"),
    [
        (
            {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "nope"},
            "invalid_client",
        ),
        ({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"}, "invalid_client"),
        (
            {"grant_type": "password", "client_id": "demo-client", "client_secret": "demo-secret"},
            "unsupported_grant_type",
        ),
        ({"client_id": "demo-client"}, "invalid_request"),
    ],
)
def test_token_errors_speak_oauth2(server, form, error):
    response = httpx.post(f"{server.url}/twosms/Token", data=form)
    assert response.status_code == (401 if error == "invalid_client" else 400)
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert_not_cacheable(response)
    # A 401 names the scheme a client can answer: HTTP Basic (RFC 6749 5.2, RFC 7235), never Bearer.
    challenge = 'Basic realm="Token"' if error == "invalid_client" else None
    assert response.headers.get("www-authenticate") == challenge


BASIC_CASES = {
    "basic-alone": ({}, ("demo-client", "demo-secret"), 200),
    "basic-wins-over-the-form": ({"client_id": "demo-client", "client_secret": "nope"}, ("demo-client", "demo-secret"), 200),
    "wrong-basic-secret": ({}, ("demo-client", "nope"), 401),
    "wrong-basic-despite-a-right-form": ({"client_id": "demo-client", "client_secret": "demo-secret"}, ("demo-client", "nope"), 401),
    "no-credentials-at-all": ({}, None, 401),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BASIC_CASES))
def test_token_takes_client_credentials_with_http_basic(server, state, case):
    form, basic, status = BASIC_CASES[case]
    before = state()
    response = httpx.post(
        f"{server.url}/twosms/Token", data={"grant_type": "client_credentials", **form}, auth=basic
    )
    assert response.status_code == status, response.text
    assert_not_cacheable(response)
    if status == 200:
        token = response.json()["access_token"]
        accounts = httpx.get(
            f"{server.url}/twosms/api/v1/admin/accounts", headers={"Authorization": f"Bearer {token}"}
        )
        assert accounts.json()["ResponseData"]["Detail"]["Name"] == "Demo Account"
    else:
        assert response.json()["error"] == "invalid_client"
        assert response.headers["www-authenticate"] == 'Basic realm="Token"'
        assert state() == before


def test_a_token_answer_never_shares_its_headers_with_the_next(server):
    """Found in CI: the token answer carried the module's constant headers dict itself, and Connexion
    (the differential test's reference, in the same process) adds Content-Type to the headers of the
    responses it sends, so every later /Token answer had two Content-Types."""
    import asyncio

    handlers = server.app.world.handlers["twosms"]
    form = {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}
    first = asyncio.run(handlers.issue_token(form, {}))
    first.headers["Content-Type"] = "application/json"  # what a sender may do to a response it sends
    second = asyncio.run(handlers.issue_token(form, {}))
    assert "Content-Type" not in second.headers
    response = httpx.post(f"{server.url}/twosms/Token", data=form)
    assert response.headers.get_list("content-type") == ["application/json; charset=utf-8"]


def assert_not_cacheable(response: httpx.Response) -> None:
    """As Katana's token endpoint answers, success or error (RFC 6749 section 5.1: no caching)."""
    cache = {k: response.headers.get(k) for k in ("cache-control", "pragma", "expires")}
    assert cache == {"cache-control": "no-cache", "pragma": "no-cache", "expires": "-1"}


def test_token_wants_a_form_body(server):
    response = httpx.post(f"{server.url}/twosms/Token", json={"grant_type": "client_credentials"})
    assert response.status_code == 415
    assert response.json()["error"] == "invalid_request"


# -- T3: bearer auth ------------------------------------------------------------------------------
@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic ZGVtbzpkZW1v", "Bearer"])
def test_missing_or_unknown_bearer_is_401_in_the_envelope(server, state, accept, authorization):
    before = state()
    headers = {"Accept": accept, "Content-Type": "application/xml"}
    if authorization:
        headers["Authorization"] = authorization
    response = httpx.put(
        f"{server.url}/twosms{MESSAGES}/{DEMO_MESSAGE}", content=details_xml(details()), headers=headers
    )
    failed(response, 401, "UNAUTHORIZED")
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    assert response.headers["www-authenticate"] == "Bearer"  # RFC 6750, as Web API 2 challenges
    assert state() == before


def test_another_accounts_message_is_404(server, state):
    other = {"Authorization": f"Bearer {twosms_token(server, TWOSMS_OTHER)}"}
    before = state()
    response = httpx.put(f"{server.url}/twosms{MESSAGES}/{DEMO_MESSAGE}", json=details(), headers=other)
    failed(response, 404, "MESSAGE_NOT_FOUND")
    assert state() == before


# -- the seed's PUT, T10 ---------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_seeds_put_changes_content_and_recipients_in_one_go(server, twosms, fmt):
    body = details(
        "sample string 9",
        AdditionalGroupID=NIGHT_SHIFT,
        AdditionalContactID=18,
        RemoveGroupID=DAY_SHIFT,
        RemoveContactID=20,
        ContactID=16,
        GroupID="7fa1f2e9-c001-47d5-bd2e-35d4fec2c535",
        NoOfReads=1,
        ExpiryDate="2099-06-30T00:00:00Z",
        DeliveryReceipt=True,
        AccountID="71a9437e-9ae2-410d-b3d1-983c44a55dcd",
    )
    response = put(twosms, DEMO_MESSAGE, body, fmt)
    detail = ok(response)
    assert (
        response.headers["content-type"]
        == ("application/xml" if fmt == "xml" else "application/json") + "; charset=utf-8"
    )
    assert detail == {
        "MessageID": DEMO_MESSAGE,
        "NoOfContacts": "1",
        "NoOfQuickRecipients": "0",
        "NoOfSMS": "1",
        "NoOfEmails": "0",
        "PreTransaction": "1000",
        "PostTransaction": "999",
        "CreditsUsed": "1",
        "MessageText": "sample string 9",
    }
    assert recipients(server, DEMO_MESSAGE) == {"+15550100018": 0}  # 16 and 20 removed, 18 added
    [sms] = server.app.world.outbox.find(provider="twosms", to="+15550100018")
    token = re.search(r"contactId=(\w+)", sms.text)[1]
    assert sms.extra["contactId"] == token
    assert ok(view(server, DEMO_MESSAGE, token))["Message"] == "sample string 9"
    failed(view(server, DEMO_MESSAGE, "ada-dbcc0ec5"), 404, "MESSAGE_NOT_FOUND")  # removed recipient
    assert credits(twosms) == 999


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_expired_message_cannot_change(server, twosms, state, fmt):
    before = state()
    failed(put(twosms, EXPIRED_MESSAGE, details(), fmt), 409, "MESSAGE_EXPIRED")
    assert state() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_content_cannot_change_once_read_but_the_rest_can(server, twosms, state, fmt):
    before = state()
    failed(put(twosms, READ_MESSAGE, details("New text"), fmt), 409, "MESSAGE_ALREADY_READ")
    assert state() == before
    same = "Your appointment is on Monday at 9:00."
    detail = ok(put(twosms, READ_MESSAGE, details(same, AdditionalContactID=20, NoOfReads=5), fmt))
    assert detail["NoOfSMS"] == "1"
    assert set(recipients(server, READ_MESSAGE)) == {"+15550100016", "+15550100018", "+15550100020"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"AdditionalContactID": 99}, 404, "CONTACT_NOT_FOUND"),
        ({"AdditionalGroupID": "00000000-0000-4000-8000-000000000000"}, 404, "GROUP_NOT_FOUND"),
        ({"RemoveGroupID": "00000000-0000-4000-8000-000000000000"}, 404, "GROUP_NOT_FOUND"),
        ({"ExpiryDate": "2020-01-01T00:00:00Z"}, 409, "EXPIRY_NOT_IN_FUTURE"),
        ({"ExpiryDate": "next week"}, 400, "INVALID_REQUEST"),
        ({"NoOfReads": 0}, 400, "INVALID_REQUEST"),
        ({"AuthenticationMethod": 9}, 400, "INVALID_REQUEST"),
    ],
)
def test_a_bad_change_refuses_the_whole_update(server, twosms, state, fmt, change, status, code):
    before = state()
    body = details("Changed", **{"AdditionalContactID": 18, **change})  # a valid part rides along
    failed(put(twosms, DEMO_MESSAGE, body, fmt), status, code)
    assert state() == before
    assert server.app.world.outbox.messages() == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_message_is_404(twosms, state, fmt):
    before = state()
    failed(put(twosms, "00000000-0000-4000-8000-000000000000", details(), fmt), 404, "MESSAGE_NOT_FOUND")
    assert state() == before


def test_enum_names_are_accepted_in_json_and_numbers_in_xml(twosms):
    ok(twosms.put(f"{MESSAGES}/{DEMO_MESSAGE}", json=details(AuthenticationMethod="ANONYMOUS")))
    xml = details_xml(details()).replace(b"ANONYMOUS", b"0")
    ok(twosms.put(f"{MESSAGES}/{DEMO_MESSAGE}", content=xml, headers={"Content-Type": "text/xml"}))


# -- T8: send and credits -------------------------------------------------------------------------
def test_a_standard_send_delivers_the_text_and_charges_one_credit_per_segment(server, twosms):
    detail = ok(
        send(twosms, "Your code is 482913", quick=["+15550109999"], contacts=[16], groups=[NIGHT_SHIFT])
    )
    assert (detail["NoOfContacts"], detail["NoOfQuickRecipients"], detail["NoOfSMS"]) == ("3", "1", "4")
    assert (detail["PreTransaction"], detail["PostTransaction"], detail["CreditsUsed"]) == (
        "1000",
        "996",
        "4",
    )
    sent = server.app.world.outbox.find(provider="twosms")
    assert sorted(m.to for m in sent) == ["+15550100016", "+15550100018", "+15550100020", "+15550109999"]
    assert {m.text for m in sent} == {"Your code is 482913"}
    assert credits(twosms) == 996


@pytest.mark.parametrize(
    ("content", "cost"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("{" * 80, 1),  # extension characters take two septets
        ("{" * 81, 2),
        ("é" * 160, 1),  # é is in the GSM-7 basic set
        ("ü" + "a" * 69, 1),
        ("ł" * 70, 1),  # not GSM-7: UCS-2
        ("ł" * 71, 2),
        ("ł" * 135, 3),
        ("😀" * 35, 1),  # two UTF-16 code units each
        ("😀" * 36, 2),
    ],
)
def test_credits_follow_gsm7_and_ucs2_segments(twosms, content, cost):
    assert ok(send(twosms, content, quick=["+15550109999"]))["CreditsUsed"] == str(cost)


def test_not_enough_credits_is_402_and_nothing_is_sent(server, state):
    other = {"Authorization": f"Bearer {twosms_token(server, TWOSMS_OTHER)}"}
    before = state()
    with httpx.Client(base_url=f"{server.url}/twosms", headers=other) as client:
        response = send(client, "ł" * 300, quick=["+15550109991", "+15550109992", "+15550109993"])
        assert "needs 15 credits" in failed(response, 402, "INSUFFICIENT_CREDITS")  # 5 UCS-2 parts x 3
    assert state() == before
    assert server.app.world.outbox.messages() == []


def test_an_advanced_send_texts_each_recipient_their_own_link(server, twosms):
    detail = ok(
        send(twosms, "Your results are ready.", kind=0, contacts=[16, 18], Sender="Demo Clinic", Reads=2)
    )
    sent = server.app.world.outbox.find(provider="twosms")
    links = {m.to: re.search(r"(http://\S+)", m.text)[1] for m in sent}
    assert len(set(links.values())) == 2
    for link in links.values():
        page = f"{server.url}/_/twosms/read/{detail['MessageID']}?contactId="
        assert link.startswith(page)  # the recipient page, as the real service's link opens a page
        assert "Your results are ready." in httpx.get(link).text  # one read spent
        contact_id = link.removeprefix(page)
        api_view = f"{server.url}/twosms{MESSAGES}/{detail['MessageID']}?contactId={contact_id}"
        body = ok(httpx.get(api_view))
        assert (body["Message"], body["From"], body["ReadsRemaining"]) == (
            "Your results are ready.",
            "Demo Clinic",
            "0",
        )


def test_an_sms_to_a_recipient_added_later_is_dated_when_it_went_out(server, twosms):
    clock = server.app.world.clock
    detail = ok(send(twosms, "Results", kind=0, contacts=[16]))
    clock.advance(timedelta(hours=1))
    try:
        halfway = (clock.now() - timedelta(minutes=30)).isoformat()
        body = details(content=None, messageId=detail["MessageID"], AdditionalContactID=18)
        ok(put(twosms, detail["MessageID"], body, "json"))
        later = httpx.get(f"{server.url}/__admin/outbox", params={"since": halfway}, timeout=10).json()
        assert [m["to"] for m in later["messages"]] == ["+15550100018"]  # it was back-dated an hour
    finally:
        clock.advance(timedelta(hours=-1))


def test_dates_are_written_as_json_net_writes_them(server, twosms):
    from datetime import UTC, datetime

    server.app.world.clock.freeze(datetime(2026, 5, 1, 9, 30, 15, 432_700, tzinfo=UTC))
    detail = ok(send(twosms, "Dated", kind=0, quick=["+15550109999"], ExpiryDate="2099-06-30T00:00:00Z"))
    [sms] = server.app.world.outbox.messages()
    seen = ok(view(server, detail["MessageID"], sms.extra["contactId"]))
    assert seen["DateTimeSent"] == "2026-05-01T09:30:15.4327Z"  # trailing zeros trimmed (.FFFFFFF)
    assert seen["DateTimeExpiry"] == "2099-06-30T00:00:00Z"  # no fraction on a whole second


def test_a_future_send_waits_for_the_fake_clock(server, twosms):
    clock = server.app.world.clock
    later = (clock.now() + timedelta(hours=2)).isoformat()
    before = credits(twosms)
    detail = ok(send(twosms, "Reminder", quick=["+15550109999"], DateToSend=later))
    assert (detail["NoOfSMS"], detail["CreditsUsed"]) == (
        "1",
        "0",
    )  # checked now, charged when it goes out (T29)
    assert server.app.world.outbox.messages() == []
    assert credits(twosms) == before
    clock.advance(timedelta(hours=2))
    try:
        assert credits(twosms) == before - 1  # any request lets the fake notice the time
        [sms] = server.app.world.outbox.messages()
        assert (sms.to, sms.text, sms.message_id) == ("+15550109999", "Reminder", detail["MessageID"])
    finally:
        clock.advance(timedelta(hours=-2))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"Type": 1, "Content": "x", "Contacts": {"QuickRecipients": {"555": 2}}, "Options": {}},
            "QuickRecipients",
        ),
        ({"Type": 1, "Content": "x", "Contacts": {"ContactID": {"99": 2}}, "Options": {}}, "ContactID"),
        ({"Type": 7, "Content": "x", "Contacts": {}, "Options": {}}, "/Type"),
        ({"Type": 1, "Content": "x", "Contacts": {}, "Options": {}}, "/Contacts"),
        (
            {"Type": 1, "Content": "x", "Contacts": {"QuickRecipients": {"+15550109999": 5}}, "Options": {}},
            "5",
        ),
        ({"Content": "x", "Contacts": {}, "Options": {}}, "/Type"),
    ],
)
def test_bad_sends_are_refused_and_change_nothing(server, twosms, state, body, field):
    before = state()
    response = twosms.post("/api/v2/sms/messages", json=body)
    assert response.status_code in (400, 404)
    assert field in envelope(response)["Error"]["ErrorReason"]
    assert state() == before
    assert server.app.world.outbox.messages() == []


@pytest.mark.parametrize(
    ("contacts", "field"),
    [
        ({"ContactID": {"²": 2}}, "/Contacts"),  # str.isdigit() says yes, int() says no: was a 500
        ({"ContactID": {"١٦": 2}}, "/Contacts"),  # Arabic-Indic 16: was contact 16
        ({"QuickRecipients": {"+١٥٥٥٠١٠٠٠٩٩": 2}}, "/Contacts"),  # was charged and "delivered"
    ],
)
def test_digits_are_ascii_digits_only(server, twosms, state, contacts, field):
    before = state()
    body = {"Type": 1, "Content": "x", "Contacts": contacts, "Options": {}}
    response = twosms.post("/api/v2/sms/messages", json=body)
    failed(response, 404, "CONTACT_NOT_FOUND")
    assert field in envelope(response)["Error"]["ErrorReason"]
    assert state() == before
    assert server.app.world.outbox.messages() == []


def test_xml_answers_start_with_their_root_element_as_web_api_writes_them(twosms):
    response = twosms.get("/api/v1/admin/accounts", headers={"Accept": "application/xml"})
    assert response.status_code == 200
    assert response.content.startswith(b"<ResponseOf")
    assert b"<?xml" not in response.content


def test_an_xml_integer_in_other_digits_is_not_a_number(twosms, state):
    before = state()
    xml = details_xml(details(AdditionalContactID=18)).replace(b">18<", ">١٨<".encode())
    assert "١٨".encode() in xml
    headers = {"Content-Type": "application/xml", "Accept": "application/xml"}
    response = twosms.put(f"{MESSAGES}/{DEMO_MESSAGE}", content=xml, headers=headers)
    assert response.status_code == 400
    assert b"<ErrorCode>INVALID_REQUEST</ErrorCode>" in response.content
    assert b"AdditionalContactID" in response.content
    assert state() == before


@pytest.mark.parametrize("value", [15556067918539843584, 3_000_000_000, 2**31, -(2**31) - 1])
def test_an_integer_past_int32_is_the_same_400_in_json_and_xml(twosms, state, value):
    """.NET's `int` holds 32 bits: `format: int32` in the spec, enforced alike in both formats,
    each naming the member in its own names (a JSON pointer; an XML path)."""
    before = state()
    as_json = twosms.put(f"{MESSAGES}/{DEMO_MESSAGE}", json=details(NoOfReads=value))
    xml = details_xml(details(NoOfReads=1)).replace(b"<NoOfReads>1<", f"<NoOfReads>{value}<".encode())
    as_xml = twosms.put(
        f"{MESSAGES}/{DEMO_MESSAGE}",
        content=xml,
        headers={"Content-Type": "application/xml", "Accept": "application/json"},
    )
    reasons = [failed(answer, 400, "INVALID_REQUEST") for answer in (as_json, as_xml)]
    assert reasons[0] == reasons[1].replace("/MessageDetails/NoOfReads", "/NoOfReads")
    assert "/NoOfReads: must be at" in reasons[0] and "/MessageDetails/NoOfReads: must be at" in reasons[1]
    assert state() == before


def test_send_takes_no_xml_body(twosms, state):
    before = state()
    xml = b"<MessageV2><Type>1</Type><Content>hi</Content></MessageV2>"
    response = twosms.post("/api/v2/sms/messages", content=xml, headers={"Content-Type": "application/xml"})
    failed(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert state() == before


# -- T9: the recipient view ------------------------------------------------------------------------
def test_each_view_is_a_read_and_the_message_dissolves(server):
    assert ok(view(server, READ_MESSAGE, "ada-11111111"))["ReadsRemaining"] == "1"  # read once before
    detail = ok(view(server, READ_MESSAGE, "ada-11111111", accept="application/xml"))
    assert detail["ReadsRemaining"] == "0"
    assert "dissolved" in failed(view(server, READ_MESSAGE, "ada-11111111"), 409, "MESSAGE_DISSOLVED")
    assert ok(view(server, READ_MESSAGE, "alan-11111111"))["ReadsRemaining"] == "2"  # per recipient


def test_view_refusals(server, state):
    before = state()
    failed(view(server, EXPIRED_MESSAGE, "ada-22222222"), 409, "MESSAGE_EXPIRED")
    failed(view(server, READ_MESSAGE, "ada-dbcc0ec5"), 404, "MESSAGE_NOT_FOUND")  # another message's token
    failed(view(server, "00000000-0000-4000-8000-000000000000", "x"), 404, "MESSAGE_NOT_FOUND")
    response = httpx.get(f"{server.url}/twosms{MESSAGES}/{READ_MESSAGE}")
    assert "contactId" in failed(response, 400, "INVALID_REQUEST")
    assert state() == before


# -- T11: replies ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_replies_are_stored_until_the_response_limit(server, twosms, fmt):
    reply = {"MessageID": READ_MESSAGE, "From": "+15550100018", "Response": "Yes, I will come."}

    def post() -> httpx.Response:
        if fmt == "xml":
            xml = xmltodict.unparse({"MessageResponse": reply}).encode()
            return twosms.post(
                f"{MESSAGES}/replies", content=xml, headers={"Content-Type": "text/xml", "Accept": "text/xml"}
            )
        return twosms.post(f"{MESSAGES}/replies", json=reply)

    assert ok(post()) == {"MessageID": READ_MESSAGE}
    assert ok(post())["MessageID"] == READ_MESSAGE
    failed(post(), 409, "RESPONSE_LIMIT_REACHED")  # responseLimit 2 in the demo world
    responses = ok(view(server, READ_MESSAGE, "alan-11111111"))["Responses"]
    assert [r["Response"] for r in responses] == ["Yes, I will come."] * 2


def test_a_reply_from_a_stranger_or_to_an_expired_message_is_refused(twosms, state):
    before = state()
    stranger = {"MessageID": READ_MESSAGE, "From": "+15550100099", "Response": "hi"}
    failed(twosms.post(f"{MESSAGES}/replies", json=stranger), 404, "CONTACT_NOT_FOUND")
    late = {"MessageID": EXPIRED_MESSAGE, "From": "+15550100016", "Response": "hi"}
    failed(twosms.post(f"{MESSAGES}/replies", json=late), 409, "MESSAGE_EXPIRED")
    assert state() == before


def test_an_xml_update_naming_the_id_by_its_json_name_is_a_400_in_xml_names(server, twosms, state):
    """`<messageId>` is not `<ID>` (XmlSerializer matches names exactly): it is ignored with a
    client warning, so the required `<ID>` is missing, and the 400 names it as the XML client
    wrote the document, `/MessageDetails/ID` (issue 26, point 13)."""
    before = state()
    xml = details_xml(details()).replace(b"<ID>", b"<messageId>").replace(b"</ID>", b"</messageId>")
    headers = {"Content-Type": "application/xml", "Accept": "application/xml"}
    answer = twosms.put(f"{MESSAGES}/{DEMO_MESSAGE}", content=xml, headers=headers)
    reason = failed(answer, 400, "INVALID_REQUEST")
    assert reason == "The request is invalid. /MessageDetails/ID: is required", reason
    assert answer.headers["x-mockserver-warnings"] == "1"
    [warning] = server.journal.warnings()
    assert (
        " unknown-member /MessageDetails/messageId: 'messageId' is the JSON name; in XML the member is <ID>"
        in warning
    )
    assert state() == before


def test_a_form_expire_with_one_plain_message_id_is_a_one_item_list(twosms):
    """`MessageIDs=<guid>` once: Web API's collection binding reads it as one item (issue 26, 14)."""
    form = f"MessageIDs={DEMO_MESSAGE}&Delete=true"
    answer = twosms.request(
        "DELETE", MESSAGES, content=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert ok(answer) == {"NoOfMessages": "1"}


# -- T12: bulk expire ------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_expire_by_ids_then_the_message_is_frozen(server, twosms, fmt):
    criteria = {"MessageIDs": [DEMO_MESSAGE], "Delete": True, "NotifyRecipients": True}
    if fmt == "xml":
        xml = xmltodict.unparse(
            {
                "MessageCriteria": {
                    "MessageIDs": {"guid": [DEMO_MESSAGE]},
                    "Delete": "true",
                    "NotifyRecipients": "true",
                }
            }
        )
        response = twosms.request(
            "DELETE",
            MESSAGES,
            content=xml.encode(),
            headers={"Content-Type": "application/xml", "Accept": "application/xml"},
        )
    else:
        response = twosms.request("DELETE", MESSAGES, json=criteria)
    assert ok(response) == {"NoOfMessages": "1"}
    failed(put(twosms, DEMO_MESSAGE, details(), "json"), 409, "MESSAGE_EXPIRED")
    failed(view(server, DEMO_MESSAGE, "ada-dbcc0ec5"), 409, "MESSAGE_EXPIRED")
    [notice] = server.app.world.outbox.messages()
    assert notice.to == "+15550100016" and "no longer available" in notice.text


def test_expire_with_no_criteria_takes_only_expired_or_fully_read_messages(twosms):
    assert ok(twosms.request("DELETE", MESSAGES, json={})) == {"NoOfMessages": "1"}  # the expired one
    ok(put(twosms, DEMO_MESSAGE, details(), "json"))  # still alive


def test_expire_by_destination(twosms):
    assert ok(twosms.request("DELETE", MESSAGES, json={"Destination": "+15550100018"})) == {
        "NoOfMessages": "1"
    }
    failed(put(twosms, READ_MESSAGE, details(None), "json"), 409, "MESSAGE_EXPIRED")


# -- T6: negotiation -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("accept", "served"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("text/json", "text/json"),
        ("application/xml", "application/xml"),
        ("text/xml", "text/xml"),
        ("application/json;q=0.5, application/xml", "application/xml"),
        ("application/xml;q=0.5, text/json;q=0.9", "text/json"),
        ("text/html, */*;q=0.1", "application/json"),
    ],
)
def test_accept_picks_the_format_and_the_content_type_echoes_it(twosms, accept, served):
    headers = {"Accept": accept} if accept else {}
    response = twosms.get("/api/v1/admin/accounts", headers=headers)
    assert response.headers["content-type"] == f"{served}; charset=utf-8"
    assert ok(response)["Name"] == "Demo Account"


@pytest.mark.parametrize(
    "accept", ["text/plain", "application/xml;q=0, application/json;q=0, */*;q=0", "image/png", "text/html"]
)
def test_an_accept_that_allows_nothing_is_answered_in_json_as_web_api_does(twosms, accept):
    # Web API's negotiator falls back to the request's own media type, then to the first formatter
    # (JSON): it never answers 406.
    response = twosms.put(f"{MESSAGES}/{DEMO_MESSAGE}", json=details(), headers={"Accept": accept})
    assert ok(response)["MessageText"] == "Updated text"
    assert response.headers["content-type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    ("accept", "content_type", "served"),
    [
        (None, "application/xml", "application/xml"),  # a .NET client sends no Accept
        (None, "text/xml", "text/xml"),
        ("text/html", "application/xml", "application/xml"),  # a browser's Accept: the body's type
        ("*/*", "application/xml", "application/json"),  # any type accepted: the first formatter
        ("application/json", "application/xml", "application/json"),
    ],
)
def test_without_a_usable_accept_an_xml_body_is_answered_in_xml(twosms, accept, content_type, served):
    headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {})}
    request = twosms.build_request(
        "PUT", f"{MESSAGES}/{DEMO_MESSAGE}", content=details_xml(details()), headers=headers
    )
    if accept is None:
        del request.headers["Accept"]  # httpx sends `Accept: */*` unless told otherwise
    response = twosms.send(request)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{served}; charset=utf-8"


def test_text_json_bodies_are_validated_too(twosms, state):
    before = state()
    response = twosms.put(
        f"{MESSAGES}/{DEMO_MESSAGE}", content=b'{"messageId": 5}', headers={"Content-Type": "text/json"}
    )
    reason = failed(response, 400, "INVALID_REQUEST")
    assert "/messageId" in reason and "/AuthenticationMethod" in reason
    assert state() == before
    good = httpx.Request("PUT", "x", json=details()).content
    response = twosms.put(f"{MESSAGES}/{DEMO_MESSAGE}", content=good, headers={"Content-Type": "text/json"})
    assert ok(response)["MessageText"] == "Updated text"


# -- Bad input (T7) --------------------------------------------------------------------------------
HOSTILE_XML = {
    "xxe-file": b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><MessageDetails><Content>&x;</Content></MessageDetails>',
    "xxe-http": b'<!DOCTYPE m [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><MessageDetails><Content>&x;</Content></MessageDetails>',
    "billion-laughs": b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]><MessageDetails><Content>&e;</Content></MessageDetails>',
    "quadratic-blowup": b'<!DOCTYPE m [<!ENTITY a "'
    + b"x" * 40_000
    + b'">]><MessageDetails><Content>'
    + b"&a;" * 20_000
    + b"</Content></MessageDetails>",
    "doctype": b"<!DOCTYPE MessageDetails SYSTEM 'x.dtd'><MessageDetails/>",
    "deep-100k": b"<MessageDetails>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</MessageDetails>",
    "wrong-root": b"<Message><ID>dbcc0ec5-7543-4a9d-932c-ab0623551910</ID></Message>",
    "text-in-integer": details_xml(details(NoOfReads=1)).replace(
        b"<NoOfReads>1</NoOfReads>", b"<NoOfReads>one</NoOfReads>"
    ),
    "unknown-enum-name": details_xml(details()).replace(b"ANONYMOUS", b"TELEPATHY"),
    "malformed": b"<MessageDetails><ID>x</MessageDetails>",
    "json-declared-as-xml": b'{"messageId": "dbcc0ec5-7543-4a9d-932c-ab0623551910"}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_XML))
def test_hostile_or_wrong_xml_is_a_400_and_changes_nothing(server, twosms, state, name):
    before = state()
    headers = {"Content-Type": "application/xml", "Accept": "application/xml"}
    response = twosms.put(f"{MESSAGES}/{DEMO_MESSAGE}", content=HOSTILE_XML[name], headers=headers)
    reason = failed(response, 400, "INVALID_REQUEST")
    assert "root:x:0:0" not in reason
    assert state() == before


def test_xml_declared_as_json_is_a_400(twosms, state):
    before = state()
    response = twosms.put(
        f"{MESSAGES}/{DEMO_MESSAGE}",
        content=details_xml(details()),
        headers={"Content-Type": "application/json"},
    )
    assert "not valid JSON" in failed(response, 400, "INVALID_REQUEST")
    assert state() == before


@pytest.mark.parametrize("content_type", ["multipart/form-data", "text/plain", "application/yaml"])
def test_other_body_types_are_415(twosms, state, content_type):
    before = state()
    response = twosms.put(
        f"{MESSAGES}/{DEMO_MESSAGE}", content=b"Content=x", headers={"Content-Type": content_type}
    )
    failed(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert state() == before


def test_an_xml_body_over_1_mib_is_413(twosms, state):
    before = state()
    big = details_xml(details("x" * (1024 * 1024)))
    response = twosms.put(
        f"{MESSAGES}/{DEMO_MESSAGE}",
        content=big,
        headers={"Content-Type": "application/xml", "Accept": "application/xml"},
    )
    failed(response, 413, "PAYLOAD_TOO_LARGE")
    assert state() == before


# -- T13: account ---------------------------------------------------------------------------------
def test_account_shows_the_callers_balances(server, twosms):
    detail = ok(twosms.get("/api/v1/admin/accounts", headers={"Accept": "application/xml"}))
    assert detail["AccountID"] == "71a9437e-9ae2-410d-b3d1-983c44a55dcd"
    assert (detail["AnyTimeBalance"], detail["OffPeakBalance"]) == (
        "1000",
        "0",
    )  # XML text, read independently
    other = {"Authorization": f"Bearer {twosms_token(server, TWOSMS_OTHER)}"}
    assert (
        ok(httpx.get(f"{server.url}/twosms/api/v1/admin/accounts", headers=other))["Name"] == "Other Account"
    )


# -- T18: form bodies, as Web API's JQueryMvcFormUrlEncodedFormatter reads them ---------------------
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_an_update_as_a_form_is_read_with_types_and_enum_names(server, twosms):
    form = {**{k: str(v) for k, v in details("Sent as a form").items()}, "AuthenticationMethod": "anonymous"}
    form |= {"NoOfReads": "4", "DeliveryReceipt": "True"}
    assert ok(twosms.put(f"{MESSAGES}/{DEMO_MESSAGE}", data=form))["MessageText"] == "Sent as a form"
    assert stored_message(server, DEMO_MESSAGE).reads_allowed == 4


def test_a_send_as_a_jquery_form_reaches_its_recipients(server, twosms):
    form = "Type=STANDARD&Content=Hi+there&Contacts[QuickRecipients][%2B15550100777]=2&Options[Sender]=Clinic"
    detail = ok(twosms.post("/api/v2/sms/messages", content=form.encode(), headers=FORM))
    assert detail["NoOfQuickRecipients"] == "1"
    assert server.outbox.wait_for(to="+15550100777").text == "Hi there"


@pytest.mark.parametrize(
    "ids",
    [
        "MessageIDs[]={a}&MessageIDs[]={b}",
        "MessageIDs[0]={a}&MessageIDs[1]={b}",
        "MessageIDs={a}&MessageIDs={b}",
    ],
    ids=["brackets", "indexed", "repeated"],
)
def test_expire_as_a_form_takes_arrays_as_jquery_writes_them(twosms, ids):
    form = ids.format(a=DEMO_MESSAGE, b=READ_MESSAGE)
    answer = twosms.request("DELETE", MESSAGES, content=form.encode(), headers=FORM)
    assert ok(answer)["NoOfMessages"] == "2"


@pytest.mark.parametrize(
    "form",
    [
        "Options[a[b]]=1",
        "Options[Sender=1",
        "Options]=1",
        "Type=1&Type[x]=2",
        "Options[Sender]=a&Options[Sender]=b",
    ],
)
def test_a_form_the_formatter_cannot_read_is_a_400_and_changes_nothing(twosms, state, form):
    before = state()
    reason = failed(
        twosms.post("/api/v2/sms/messages", content=form.encode(), headers=FORM), 400, "INVALID_REQUEST"
    )
    assert "the form cannot be read" in reason
    assert state() == before


def test_the_token_form_is_read_flat_as_katana_reads_it(server):
    form = {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": ""}
    response = httpx.post(f"{server.url}/twosms/Token", data=form)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
