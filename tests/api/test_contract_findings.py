"""Regression tests, one per problem Schemathesis found in the fake (named after the finding)."""

from __future__ import annotations

import httpx

from tests.api.twosms_helpers import DEMO_MESSAGE, READ_MESSAGE, details, failed, ok
from tests.conftest import twosms_token


def test_allow_lists_exactly_the_methods_of_the_message_resource(server):
    """ST205: GET ...{Id} and PUT ...{messageID} were two templates for one resource, so a 405
    advertised methods of the other; and /messages/replies inherited the template's methods."""
    one = httpx.request("OPTIONS", f"{server.url_for('twosms')}/api/v1/sms/messages/{DEMO_MESSAGE}")
    assert one.status_code == 405 and sorted(one.headers["allow"].split(", ")) == ["GET", "HEAD", "PUT"]
    replies = httpx.request("OPTIONS", f"{server.url_for('twosms')}/api/v1/sms/messages/replies")
    assert replies.status_code == 405 and replies.headers["allow"] == "POST"


def test_schema_valid_but_wrong_client_credentials_are_401_not_400(server):
    """ST202: a well-formed token request with a wrong secret was a 400 (RFC 6749 allows 401)."""
    form = {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "00"}
    response = httpx.post(f"{server.url_for('twosms')}/Token", data=form)
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


def test_impossible_dates_are_refused_by_the_spec(twosms):
    """ST202: `0000-00-00T00:00Z` matched the old date pattern, then the model refused it; the spec
    now says `format: date-time` and jsonschema checks it, so it is plain invalid input."""
    reply = {
        "MessageID": READ_MESSAGE,
        "From": "+15550100018",
        "Response": "x",
        "DateInsert": "0000-00-00T00:00Z",
    }
    assert "/DateInsert" in failed(
        twosms.post("/api/v1/sms/messages/replies", json=reply), 400, "INVALID_REQUEST"
    )


def test_rfc3339_offsets_and_fractions_are_accepted(twosms):
    """ST202 guard: whatever `format: date-time` accepts, the model reads too."""
    reply = {
        "MessageID": READ_MESSAGE,
        "From": "+15550100018",
        "Response": "x",
        "DateInsert": "2016-12-31T23:59:59.123+02:00",
    }
    assert ok(twosms.post("/api/v1/sms/messages/replies", json=reply))["MessageID"] == READ_MESSAGE


def test_a_past_expiry_is_a_409_conflict_not_a_400(twosms, state):
    """ST202: an expiry in the past is well-formed; it conflicts with the clock (409)."""
    before = state()
    response = twosms.put(
        f"/api/v1/sms/messages/{DEMO_MESSAGE}", json=details(ExpiryDate="2001-01-01T00:00:00Z")
    )
    failed(response, 409, "EXPIRY_NOT_IN_FUTURE")
    body = {
        "Type": 1,
        "Content": "x",
        "Contacts": {"ContactID": {"16": 2}},
        "Options": {"ExpiryDate": "2001-01-01T00:00:00Z"},
    }
    failed(twosms.post("/api/v2/sms/messages", json=body), 409, "EXPIRY_NOT_IN_FUTURE")
    assert state() == before


def test_a_send_must_name_a_recipient_in_the_spec(twosms):
    """ST202: empty recipient maps were schema-valid and then refused; the spec now requires one."""
    body = {"Type": 1, "Content": "x", "Contacts": {"ContactID": {}, "QuickRecipients": {}}, "Options": {}}
    assert "/Contacts" in failed(twosms.post("/api/v2/sms/messages", json=body), 400, "INVALID_REQUEST")


def test_a_malformed_quick_recipient_is_nobody_to_reach(server):
    """ST202: OpenAPI 3.0 cannot constrain map keys, so a non-E.164 key is a 404, not a 400."""
    headers = {"Authorization": f"Bearer {twosms_token(server)}"}
    body = {"Type": 1, "Content": "x", "Contacts": {"QuickRecipients": {"nope": 2}}, "Options": {}}
    response = httpx.post(f"{server.url_for('twosms')}/api/v2/sms/messages", json=body, headers=headers)
    failed(response, 404, "CONTACT_NOT_FOUND")


def test_the_clock_refuses_to_pass_its_bound_with_a_400(server):
    """ST202/500 guard: a valid freeze near year 9000 plus valid advances overflowed datetime; the
    fake time now stays within the years freeze accepts (issue 26, point 2)."""
    admin = f"{server.url}/__admin/clock"
    assert httpx.post(admin, json={"freeze": "8000-01-01T00:00:00Z"}).status_code == 200
    steps = [httpx.post(admin, json={"advance": "P99999D"}) for _ in range(4)]  # 273 years each
    assert [r.status_code for r in steps] == [200, 200, 200, 400]
    assert "8999-12-31T23:59:59Z" in steps[-1].json()["errors"][0]
    assert httpx.get(admin).json()["now"].startswith("8821-")


def test_a_fault_rule_without_an_action_is_refused_by_the_spec(server):
    """ST202: the rule needs status, delayMs > 0 or drop: true, which the spec now says."""
    response = httpx.post(f"{server.url}/__admin/faults", json={"provider": "twosms", "drop": False})
    assert response.status_code == 400


def test_an_unknown_provider_in_an_update_body_is_409_not_404(jfw):
    """ST302: after a create, a PUT naming an unknown appIntegrationId answered 404, which says the
    setting itself is gone; the setting exists, its reference conflicts."""
    from tests.api.test_jframework_api import body

    response = jfw.put("/api/v1/app-integrations/sms/demoSmsSetting0001", json=body(appIntegrationId="nope"))
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "AppIntegrationNotFound"
    assert jfw.get("/api/v1/app-integrations/sms/demoSmsSetting0001").status_code == 200


def test_an_integer_past_64_bits_stays_an_integer(twosms):
    """Found by Schemathesis after a faster JSON decoder was tried: orjson reads 2**80 as a float,
    and `type: integer` then refused it as no integer. `SrcPort` is a .NET `int` (`format: int32`),
    so 2**80 is refused, but for its range: it was read as the integer it is."""
    body = {"Type": 1, "Content": "Hi", "Options": {"SrcPort": 2**80}, "Contacts": {"ContactID": {"16": 2}}}
    response = twosms.post("/api/v2/sms/messages", json=body)
    assert response.status_code == 400, response.text
    assert "/Options/SrcPort: must be at most 2147483647" in response.json()["Error"]["ErrorReason"]
