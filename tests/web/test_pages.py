"""The web pages without a browser: what the server renders, and the helpers behind it."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mockserver import create_app
from mockserver.state.outbox import Outbox, OutboxMessage
from mockserver.web.templating import pretty, sms_html
from tests.inprocess import call


def test_sms_text_is_escaped_and_codes_and_links_are_marked():
    html = str(sms_html("Code 482913 <b>now</b> at https://x.example/a?b=1&c=2 (not 12345678901)"))
    assert '<span class="otp">482913</span>' in html
    assert "&lt;b&gt;now&lt;/b&gt;" in html
    assert '<a href="https://x.example/a?b=1&amp;c=2">' in html
    assert "12345678901" in html and html.count('class="otp"') == 1  # 11 digits is not a code


def test_digits_inside_a_link_are_not_taken_for_a_code():
    assert 'class="otp"' not in str(sms_html("Read it: http://h/_/twosms/read/1234-5678?contactId=9999"))


def test_bodies_are_pretty_printed_by_their_type():
    assert pretty('{"a":1}', "application/json") == '{\n  "a": 1\n}'
    assert pretty("<a><b>1</b></a>", "application/xml") == "<a>\n  <b>1</b>\n</a>\n"
    assert pretty("<a><b>", "application/xml") == "<a><b>"  # malformed: shown as it came
    hostile = '<!DOCTYPE a [<!ENTITY x "boom">]><a>&x;</a>'
    assert pretty(hostile, "text/xml") == hostile  # never expanded


def test_a_subscriber_hears_only_what_its_filter_accepts():
    outbox, heard = Outbox(), []
    unsubscribe = outbox.subscribe(heard.append, lambda m: m.to == "+1")
    for to in ("+1", "+2", "+1"):
        outbox.record(OutboxMessage("p", "s", to, "t", sent_at=None))  # type: ignore[arg-type]
    assert [m.to for m in heard] == ["+1", "+1"]
    unsubscribe()
    outbox.record(OutboxMessage("p", "s", "+1", "t", sent_at=None))  # type: ignore[arg-type]
    assert len(heard) == 2 and outbox.listening() == 0


def get(app, path: str) -> httpx.Response:
    async def ask() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        ) as client:
            return await client.get(path)

    return asyncio.run(ask())


@pytest.fixture
def app():
    return create_app()


def test_the_state_view_marks_the_default_setting_and_lists_accounts(app):
    page = get(app, "/_/state").text
    assert "SMS settings of demo.example.com" in page and ">default<" in page
    assert "Demo Account" in page and "11111111-1111-4111-8111-111111111111" in page
    # The address book, names as the fixtures give them (`firstName`, `lastName`).
    assert "Address book" in page and "Ada Lovelace" in page and "+15550100016" in page


def test_a_request_no_longer_in_the_journal_is_a_404_page(app):
    page = get(app, "/_/requests/999")
    assert page.status_code == 404 and "no longer in the journal" in page.text


def test_a_recipient_link_that_names_nothing_is_a_page_not_an_error_envelope(app):
    page = get(app, "/_/twosms/read/11111111-1111-4111-8111-111111111111?contactId=wrong")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html") and "MESSAGE_NOT_FOUND" in page.text


def test_viewing_the_recipient_page_spends_a_read(app):
    link = "/_/twosms/read/11111111-1111-4111-8111-111111111111?contactId=alan-11111111"
    first, second = get(app, link).text, get(app, link).text
    remaining = [line for line in (first, second) if "Reads remaining" in line]
    assert len(remaining) == 2 and first != second


def test_pages_never_answer_with_a_traceback(app):
    for path in ("/_/inbox?page=99999999999", "/_/requests?status=abc", "/_/conversation", "/_/nope"):
        answer = get(app, path)
        assert answer.status_code in (200, 404) and "Traceback" not in answer.text


def test_a_full_outbox_is_shown_fifty_at_a_time(app):
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    for i in range(10_000):
        app.world.outbox.record(OutboxMessage("twosms", "Demo", f"+1555{i:07d}", f"code {100000 + i}", now))
    first = get(app, "/_/inbox").text
    assert first.count('class="card sms"') == 50 and "page 1 of 200" in first
    assert "+15550009999" in first and "+15550009949" not in first  # newest first
    last = get(app, "/_/inbox?page=199").text
    assert "+15550000000" in last and last.count('class="card sms"') == 50


def test_a_request_page_shows_what_a_success_was_answered_pretty_printed(app):
    async def ask() -> None:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        ) as c:
            headers = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}
            assert (
                await c.get("/jframework/api/v1/app-integrations/sms", headers=headers)
            ).status_code == 200

    asyncio.run(ask())
    seq = app.world.journal.entries()[0].seq
    page = get(app, f"/_/requests/{seq}").text
    assert "Response body" in page and "(application/json)" in page
    assert "  &#34;success&#34;: true" in page or '  "success": true' in page  # indented: pretty-printed


def test_an_unknown_page_is_a_page_in_the_house_style(app):
    page = get(app, "/_/nothing-here")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "There is no page at /_/nothing-here." in page.text and "/_/static/app.css" in page.text


def test_instants_are_shown_to_the_second_with_the_exact_text_in_a_tooltip(app):
    from datetime import UTC, datetime

    app.world.clock.freeze(datetime(2026, 6, 1, 9, 0, 5, 123456, tzinfo=UTC))
    page = get(app, "/_/inbox").text
    assert '<time datetime="2026-06-01T09:00:05.123456Z" title="2026-06-01T09:00:05.123456Z">' in page
    assert "2026-06-01 09:00:05 UTC</time>" in page


def test_the_conversation_shows_what_the_number_sent_back(app):
    body = {
        "MessageID": "dbcc0ec5-7543-4a9d-932c-ab0623551910",
        "From": "+15550100016",
        "Response": "On my way",
    }
    assert call(app, "POST", "/twosms/api/v1/sms/messages/replies", json=body, bearer=True).status_code == 200
    page = get(app, "/_/conversation?number=%2B15550100016").text
    assert 'class="bubble reply"' in page and "reply from +15550100016" in page and "On my way" in page


def test_a_recipients_page_carries_none_of_the_fakes_own_navigation(app):
    page = get(app, "/_/twosms/read/dbcc0ec5-7543-4a9d-932c-ab0623551910?contactId=ada-dbcc0ec5").text
    assert "Your test results are ready." in page
    assert 'href="/_/controls"' not in page and 'href="/_/requests"' not in page and "fake clock" not in page
    assert 'href="/_/controls"' in get(app, "/_/inbox").text  # the fake's own pages keep it
