"""Work per request is bounded by documented caps, refused in the provider's own envelope with
nothing changed (issue 26, points 8 and 9; J21, T31)."""

from __future__ import annotations

import json

import httpx
import pytest

from mockserver.providers.jframework.model import MAX_SETTINGS_PER_BRAND
from mockserver.providers.twosms import model as twosms_model
from tests.api.twosms_helpers import NIGHT_SHIFT, envelope

SETTINGS = "/api/v1/app-integrations/sms"


def command(**fields: object) -> dict:
    return {"appIntegrationId": "twilio", "name": "n", "username": "u", "password": "p",
            "phoneNumber": "+15005550006", **fields}  # fmt: skip


@pytest.mark.parametrize(
    ("field", "size"),
    [("description", 1024 * 1024 - 200), ("name", 257), ("username", 257), ("password", 1025)],
)
def test_a_jframework_field_past_its_cap_is_a_400_naming_it(jfw, state, field, size):
    before = state()
    answer = jfw.post(SETTINGS, json=command(**{field: "x" * size}))
    assert answer.status_code == 400, answer.text[:300]
    [error] = answer.json()["errors"]
    assert (error["code"], error["details"]) == ("InvalidInput", f"/{field}")
    assert state() == before


def test_a_brand_keeps_at_most_its_cap_of_settings(jfw):
    existing = len(jfw.get(SETTINGS).json()["data"])
    for n in range(MAX_SETTINGS_PER_BRAND - existing):
        assert jfw.post(SETTINGS, json=command(name=f"s{n}")).status_code == 201
    refused = jfw.post(SETTINGS, json=command(name="one too many"))
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "AppIntegrationSMSLimitReached"
    assert len(jfw.get(SETTINGS).json()["data"]) == MAX_SETTINGS_PER_BRAND
    other = jfw.post(
        SETTINGS,
        json=command(name="theirs"),
        headers={"Brand-URL": "other.example.com", "Auth-Key": "other-admin-key"},
    )
    assert other.status_code == 201  # another brand's count is its own


def send(twosms: httpx.Client, contacts: dict) -> httpx.Response:
    body = {"Type": 1, "Content": "Hi", "Contacts": contacts, "Options": {}}
    return twosms.post(
        "/api/v2/sms/messages", content=json.dumps(body), headers={"Content-Type": "application/json"}
    )


def test_a_send_past_the_recipient_cap_is_a_400_before_anything_is_sent(server, twosms, state):
    before = state()
    quick = {f"+1555{n:07d}": 2 for n in range(twosms_model.MAX_RECIPIENTS + 1)}
    answer = send(twosms, {"QuickRecipients": quick})
    assert answer.status_code == 400
    assert "/Contacts/QuickRecipients" in envelope(answer)["Error"]["ErrorReason"]
    assert state() == before and server.outbox.messages() == []


def test_groups_count_towards_the_cap_as_they_are_expanded(server, twosms, state, monkeypatch):
    monkeypatch.setattr(twosms_model, "MAX_RECIPIENTS", 2)  # the night shift has two contacts
    before = state()
    answer = send(twosms, {"GroupID": {NIGHT_SHIFT: 2}, "QuickRecipients": {"+15550109999": 2}})
    error = envelope(answer)["Error"]
    assert answer.status_code == 400 and error["ErrorCode"] == "INVALID_REQUEST"
    assert (
        "at most 2 recipients" in error["ErrorReason"] and "/Contacts/QuickRecipients" in error["ErrorReason"]
    )
    assert state() == before
    assert send(twosms, {"GroupID": {NIGHT_SHIFT: 2}}).status_code == 200  # at the cap: sent
