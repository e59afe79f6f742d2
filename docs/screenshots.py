"""`make screenshots`: pictures of the web pages from a seeded run, written to docs/*.png.

A fake with seed 1 and a frozen clock, a few SMS sent through the providers' APIs as an app would,
then Debian's Chromium (Playwright) photographs the pages. Run again after changing a page.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from mockserver import MockServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.web.browser import CHROMIUM, LAUNCH_ARGS

DOCS = Path(__file__).resolve().parent
CLIENT = {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}
PAGES = {"inbox.png": "/_/inbox", "requests.png": "/_/requests", "state.png": "/_/state"}


def seed_traffic(server: MockServer) -> str:
    """What an app under test would have done; returns a recipient link."""
    token = httpx.post(f"{server.url_for('twosms')}/Token", data=CLIENT).json()["access_token"]
    sms = f"{server.url_for('twosms')}/api/v2/sms/messages"
    auth = {"Authorization": f"Bearer {token}"}
    quick = {
        "Type": 1,
        "Options": {"Sender": "Acme Shop"},
        "Contacts": {"QuickRecipients": {"+15550100077": 2}},
    }
    httpx.post(sms, headers=auth, json={**quick, "Content": "Your Acme Shop code is 482913"})
    secure = {
        "Type": 0,
        "Content": "Your results are ready: please call us.",
        "Contacts": {"ContactID": {"16": 2}},
    }
    httpx.post(sms, headers=auth, json={**secure, "Options": {"Sender": "Demo Clinic", "Reads": 3}})
    jframework = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}
    test_send = {
        "username": "AC00000000000000000000000000000000",
        "password": "demo-auth-token",
        "phoneNumberFrom": "+15005550006",
        "phoneNumberTo": "+15550100001",
        "message": "Test SMS, code 7731",
    }
    httpx.post(
        f"{server.url_for('jframework')}/api/v1/app-integrations/twilio/sms/test",
        headers=jframework,
        json=test_send,
    )
    httpx.get(
        f"{server.url_for('jframework')}/api/v1/app-integrations/sms",
        headers={**jframework, "Auth-Key": "oops"},
    )
    return server.outbox.wait_for(to="+15550100016", timeout=5).links()[0]


def main() -> int:
    with MockServer(seed=1) as server:
        server.clock.freeze(datetime(2026, 11, 23, 9, 30, tzinfo=UTC).isoformat())
        link = seed_traffic(server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 720}, base_url=server.url)
            for name, path in {**PAGES, "recipient.png": link}.items():
                page.goto(path)
                page.screenshot(path=str(DOCS / name))
                print(f"wrote docs/{name}")
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
