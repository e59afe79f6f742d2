"""The proxy's pages in a real browser (Debian's Chromium driven by Playwright): the requests it
passed, one request's violations, and the violations grouped by operation and rule."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from mockserver import MockServer
from mockserver.proxy.run import ProxyOptions, build
from mockserver.registry import discover
from tests.standin import serving
from tests.web.browser import chromium

AUTH = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}
SETTING = "/api/v1/app-integrations/sms/demoSmsSetting0001"


@pytest.fixture(scope="module")
def proxied() -> Iterator[str]:
    jframework = next(p for p in discover() if p.name == "jframework")
    with MockServer() as fake:
        app = build(jframework, ProxyOptions(target=fake.url_for("jframework")))
        with serving(app) as url:
            httpx.get(url + SETTING, headers=AUTH)
            bad = {"appIntegrationId": "twilio", "name": "", "username": "u", "password": "Page-Secret-1",
                   "phoneNumber": "+15005550006"}  # fmt: skip
            httpx.put(url + SETTING, json=bad, headers=AUTH)
            yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_the_requests_page_links_each_violation_to_its_request(proxied, browser):
    page = browser.new_page(base_url=proxied)
    page.goto("/_/requests")
    rows = page.locator("#requests tr")
    expect(rows).to_have_count(3)  # the heading and two requests
    expect(rows.nth(1)).to_contain_text("PUT")
    page.locator("#requests td.violations a").click()
    expect(page.locator("#request-violations")).to_contain_text("/name")
    expect(page.locator("#headers")).to_contain_text("****")  # the Auth-Key, masked
    assert "demo-admin-key" not in page.content() and "Page-Secret-1" not in page.content()
    page.close()


def test_the_violations_page_groups_them_by_operation_and_rule(proxied, browser):
    page = browser.new_page(base_url=proxied)
    page.goto("/_/violations")
    row = page.locator("#violations tr", has_text="update_sms_setting")
    expect(row).to_contain_text("body")
    expect(row).to_contain_text("/name")
    page.get_by_role("link", name="Requests").click()
    expect(page).to_have_url(f"{proxied}/_/requests")
    page.close()
