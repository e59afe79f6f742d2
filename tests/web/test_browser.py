"""The web pages in a real browser (Debian's Chromium driven by Playwright) against a live fake."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from mockserver import MockServer
from tests.web.browser import chromium

DEMO_CLIENT = {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(seed=3) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(server: MockServer, browser: Browser) -> Iterator[Page]:
    server.reset()
    context = browser.new_context(base_url=server.url)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    opened.on("dialog", lambda dialog: dialog.accept())
    yield opened
    context.close()


def token(server: MockServer) -> str:
    return httpx.post(f"{server.url_for('twosms')}/Token", data=DEMO_CLIENT).json()["access_token"]


def send(server: MockServer, body: dict) -> dict:
    answer = httpx.post(
        f"{server.url_for('twosms')}/api/v2/sms/messages",
        json=body,
        headers={"Authorization": f"Bearer {token(server)}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["ResponseData"]["Detail"]


def quick(to: str, text: str) -> dict:
    return {
        "Type": 1,
        "Content": text,
        "Options": {"Sender": "Demo"},
        "Contacts": {"QuickRecipients": {to: 2}},
    }


def secure(options: dict) -> dict:
    return {"Type": 0, "Content": "Your results are ready.", "Options": {"Sender": "Clinic", **options},
            "Contacts": {"ContactID": {"16": 2}}}  # fmt: skip


def test_the_landing_page_says_what_is_running(page: Page, server: MockServer):
    page.goto("/")
    expect(page.locator("#provider-jframework")).to_contain_text(f"{server.url}/jframework")
    expect(page.locator("#provider-jframework")).to_contain_text("demo-admin-key")
    expect(page.locator("#provider-twosms")).to_contain_text("demo-client / demo-secret")
    page.click("#provider-twosms >> text=Swagger UI")
    expect(page).to_have_url(f"{server.url}/twosms/ui/")


def test_an_sms_sent_through_the_api_appears_in_the_open_inbox_with_its_code_highlighted(page, server):
    page.goto("/_/inbox")
    expect(page.locator("#empty")).to_be_visible()
    expect(page.locator("#inbox-count")).to_have_text("0")
    expect(page.locator("body")).to_have_attribute("data-live", "open")  # the event stream is connected
    send(server, quick("+15550100077", "Your code is 482913"))
    sms = page.locator("#messages .sms").first
    expect(sms).to_contain_text("+15550100077")
    expect(page.locator("#inbox-count")).to_have_text("1")  # the heading counts it too
    expect(page.locator("#empty")).to_have_count(0)
    expect(sms.locator(".otp")).to_have_text("482913")
    expect(sms.locator("button.copy")).to_have_attribute("data-code", "482913")


def test_the_inbox_filters_and_shows_a_conversation(page, server):
    send(server, quick("+15550100071", "first for 71"))
    send(server, quick("+15550100072", "for 72"))
    send(server, quick("+15550100071", "second for 71"))
    page.goto("/_/inbox?number=%2B15550100071")
    expect(page.locator("#messages .sms")).to_have_count(2)
    expect(page.locator("#messages .sms").first).to_contain_text("second for 71")  # newest first
    page.locator("#messages .sms").first.locator("text=conversation").click()
    expect(page.locator(".phone .bubble")).to_have_count(2)
    expect(page.locator(".phone .bubble").first).to_contain_text("first for 71")  # oldest first, as a phone


def test_a_long_link_stays_inside_its_card_and_its_bubble(page, server):
    link = "https://example.test/" + "a" * 300
    send(server, quick("+15550100078", f"Open {link}"))
    for where in ("/_/inbox", "/_/conversation?number=%2B15550100078"):
        page.goto(where)
        box = page.locator("#messages .sms .text, .phone .bubble").first
        expect(box).to_contain_text("aaaa")
        assert box.evaluate("e => e.scrollWidth <= e.clientWidth"), where  # wrapped, not spilling out


def test_a_message_with_markup_is_shown_as_text(page, server):
    send(server, quick("+15550100073", "<img src=x onerror=alert(1)> code 1234"))
    page.goto("/_/inbox")
    expect(page.locator("#messages .sms .text").first).to_contain_text("<img src=x onerror=alert(1)>")
    expect(page.locator("#messages img")).to_have_count(0)


def test_the_recipient_page_shows_the_message_and_takes_replies_up_to_the_limit(page, server):
    send(server, secure({"Reads": 3, "ResponseLimit": 1}))
    link = server.outbox.wait_for(to="+15550100016", timeout=5).links()[0]
    page.goto(link)
    expect(page.locator("#content")).to_have_text("Your results are ready.")
    expect(page.locator("#reads")).to_contain_text("Reads remaining: 2")
    page.fill("textarea[name=Response]", "Thanks, I will call.")
    page.click("#send-reply")
    expect(page.locator(".notice")).to_have_text("Your reply was sent.")
    expect(page.locator("#reads")).to_contain_text("Reads remaining: 2")  # replying is not reading
    page.fill("textarea[name=Response]", "One more thing")
    page.click("#send-reply")
    expect(page.locator("#problem")).to_contain_text("RESPONSE_LIMIT_REACHED")


def test_the_recipient_page_says_when_the_message_dissolved(page, server):
    send(server, secure({"Reads": 1}))
    link = server.outbox.wait_for(to="+15550100016", timeout=5).links()[0]
    page.goto(link)
    expect(page.locator("#reads")).to_contain_text("Reads remaining: 0")
    page.goto(link)
    expect(page.locator("#gone")).to_contain_text("dissolved")


def test_reset_from_the_controls_empties_the_inbox(page, server):
    send(server, quick("+15550100074", "soon gone"))
    page.goto("/_/inbox")
    expect(page.locator("#messages .sms")).to_have_count(1)
    page.goto("/_/controls")
    with page.expect_navigation():  # the page reloads once the admin API said yes
        page.click("#reset")
    page.goto("/_/inbox")
    expect(page.locator("#messages .sms")).to_have_count(0)


def test_a_401_shows_in_the_requests_view_with_its_auth_key_masked(page, server):
    headers = {"Brand-URL": "demo.example.com", "Auth-Key": "not-the-right-key"}
    assert (
        httpx.get(f"{server.url_for('jframework')}/api/v1/app-integrations/sms", headers=headers).status_code
        == 401
    )
    page.goto("/_/requests?status=401")
    page.locator("#requests a").first.click()
    expect(page.locator("#headers")).to_contain_text("****")
    expect(page.locator("body")).not_to_contain_text("not-the-right-key")
    expect(page.locator("#response-body")).to_contain_text("Unauthorized")


def test_a_request_that_drew_client_warnings_shows_them(page, server):
    token = httpx.post(f"{server.url_for('twosms')}/Token", data=DEMO_CLIENT).json()["access_token"]
    body = {
        "type": 1,
        "Content": "Hi",
        "Contacts": {"QuickRecipients": {"+15550100321": 2}},
        "Options": {},
        "Mood": 1,
    }
    answer = httpx.post(
        f"{server.url_for('twosms')}/api/v2/sms/messages",
        headers={"Authorization": f"Bearer {token}"},
        json=body,
    )
    assert answer.status_code == 200, answer.text
    page.goto("/_/requests?provider=twosms")
    row = page.locator("#requests tr", has_text="/api/v2/sms/messages")
    expect(row.locator("td.warnings")).to_have_text("2")
    row.locator("td.warnings a").click()
    warnings = page.locator("#client-warnings")
    expect(warnings).to_contain_text("member-case")
    expect(warnings).to_contain_text("/type")
    expect(warnings).to_contain_text("unknown-member")
    expect(warnings).to_contain_text("/Mood")


def test_the_clock_control_expires_a_message_on_the_state_view(page, server):
    server.clock.freeze()
    expiry = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    sent = send(server, secure({"ExpiryDate": expiry}))
    page.goto("/_/state")
    row = page.locator("tr", has_text=sent["MessageID"])
    expect(row).to_contain_text("sent")
    page.goto("/_/controls")
    page.fill("#advance", "PT3H")
    with page.expect_navigation():
        page.click("#advance-button")
    page.goto("/_/state")
    expect(page.locator("tr", has_text=sent["MessageID"])).to_contain_text("expired")


def test_a_clock_advance_the_admin_api_refuses_is_explained_in_words_on_the_controls(page, server):
    page.goto("/_/controls")
    page.fill("#advance", "8 hours")
    page.click("#advance-button")
    outcome = page.locator("#outcome .error")
    expect(outcome).to_contain_text("advance: must be a duration such as PT8H or P1DT30M (ISO 8601)")
    expect(outcome).not_to_contain_text("pattern")


def test_faults_are_added_and_removed_from_the_controls_and_refusals_are_shown_in_words(page, server):
    page.goto("/_/controls")
    page.select_option("#fault-form select[name=provider]", "twosms")
    page.fill("#fault-status", "200")  # not an error status: the admin API refuses it
    page.click("#fault-form button")
    expect(page.locator("#outcome .error")).to_contain_text("400")
    expect(page.locator("#outcome .error")).to_contain_text("status: must be at least 400")
    page.fill("#fault-status", "503")
    with page.expect_navigation():  # the page reloads once the rule is added
        page.click("#fault-form button")
    expect(page.locator("text=→ 503")).to_be_visible()
    assert httpx.get(f"{server.url_for('twosms')}/api/v1/admin/accounts").status_code == 503
    server.faults.add(provider="jframework", status=429)
    page.reload()
    with page.expect_navigation():
        page.locator(".fault", has_text="→ 503").locator("text=Remove").click()
    expect(page.locator("text=→ 503")).to_have_count(0)
    expect(page.locator("text=→ 429")).to_be_visible()
    with page.expect_navigation():
        page.click("text=Remove all")
    expect(page.locator(".fault")).to_have_count(0)
    assert server.faults.list() == []


def test_delivery_statuses_move_on_the_fake_clock_in_the_open_inbox(page, server):
    """Each magic number's outcome shows on its card as the clock moves, without a reload."""
    server.clock.freeze("2026-06-01T09:00:00Z")
    numbers = {"+15005550001": "undeliverable", "+15005550003": "failed", "+15550100079": "delivered"}
    page.goto("/_/inbox")
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    for number in numbers:
        send(server, quick(number, f"status check for {number}"))
    cards = {n: page.locator(f"#messages .sms[data-to='{n}'] .delivery") for n in numbers}
    expect(cards["+15005550001"]).to_have_attribute("data-status", "undeliverable")  # refused at once
    expect(cards["+15005550003"]).to_have_attribute("data-status", "sent")
    expect(cards["+15550100079"]).to_have_attribute("data-status", "sent")
    server.clock.advance(10)
    for number, status in numbers.items():
        expect(cards[number]).to_have_attribute("data-status", status)
    expect(cards["+15005550003"]).to_contain_text("Refused by the carrier.")
