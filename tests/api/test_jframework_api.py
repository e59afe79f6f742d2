"""JFramework over HTTP, through a live uvicorn server: every J rule, happy and error paths."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import OTHER_ADMIN, VIEWER

SMS = "/api/v1/app-integrations/sms"
DEMO = f"{SMS}/demoSmsSetting0001"
OTHER = f"{SMS}/otherSmsSetting001"


def body(**overrides):
    data = {
        "appIntegrationId": "twilio",
        "name": "Backup Twilio",
        "username": "AC00000000000000000000000000000001",
        "password": "backup-auth-token",
        "phoneNumber": "+15005550007",
    }
    data.update(overrides)
    return data


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    """The JFramework error envelope (J12), with the right status and code in every item."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    envelope = response.json()
    assert envelope["success"] is False
    assert envelope["statusCode"] == status
    assert envelope["data"] is None
    assert envelope["message"]
    assert envelope["errors"], "an error envelope lists at least one error"
    for item in envelope["errors"]:
        assert set(item) == {"code", "message", "details", "correlationId"}
        assert item["code"] == code
        assert item["correlationId"]
        assert "\n" not in item["message"]
    return envelope


def assert_ok(response: httpx.Response, status: int = 200):
    assert response.status_code == status, response.text
    envelope = response.json()
    assert envelope["success"] is True
    assert envelope["statusCode"] == status
    assert envelope["message"] == "The request was successful."
    assert envelope["errors"] == []
    return envelope["data"]


# -- J1: the endpoints -------------------------------------------------------------------------
def test_put_from_the_docs_updates_the_setting_and_it_persists(jfw):
    sent = body(
        name="Main Twilio", phoneNumber="+15005550006", status="0 - Inactive", isDefault=True, description="x"
    )
    data = assert_ok(jfw.put(DEMO, json=sent))
    assert data["id"] == "demoSmsSetting0001"
    assert data["status"] == "Inactive"
    assert data["appIntegration"]["id"] == "twilio"
    assert data["appIntegration"]["type"] == "SMS"
    assert "appIntegrationId" not in data
    assert data["password"] == "backup-auth-token"  # J17: returned as stored
    assert assert_ok(jfw.get(DEMO)) == data


def test_create_then_get_list_delete(jfw):
    created = assert_ok(jfw.post(SMS, json=body()), status=201)
    assert created["createdDate"].endswith("Z")
    assert created["description"] is None  # J16
    one = f"{SMS}/{created['id']}"
    assert assert_ok(jfw.get(one)) == created
    listed = assert_ok(jfw.get(SMS))
    assert [s["id"] for s in listed] == ["demoSmsSetting0001", created["id"]]  # J18: oldest first
    assert assert_ok(jfw.delete(one)) is True  # J10
    assert_error(jfw.get(one), 404, "AppIntegrationSMSNotFound")
    assert_error(jfw.delete(one), 404, "AppIntegrationSMSNotFound")


def test_catalogue_lists_and_filters(jfw):
    everything = assert_ok(jfw.get("/api/v1/app-integrations"))
    assert [e["id"] for e in everything] == ["twilio", "vonage", "stripe"]
    assert [e["id"] for e in assert_ok(jfw.get("/api/v1/app-integrations", params={"type": "SMS"}))] == [
        "twilio",
        "vonage",
    ]
    found = assert_ok(jfw.get("/api/v1/app-integrations", params={"keywords": "PAYMENT"}))
    assert [e["id"] for e in found] == ["stripe"]
    assert assert_ok(jfw.get("/api/v1/app-integrations", params={"status": "Inactive"})) == []


def test_catalogue_filter_of_the_wrong_kind_is_a_400(jfw):
    envelope = assert_error(jfw.get("/api/v1/app-integrations", params={"type": "Fax"}), 400, "InvalidInput")
    assert envelope["errors"][0]["details"] == "query:type"


# -- J2, J4: authentication --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({}, "Brand-URL"),
        ({"Auth-Key": "demo-admin-key"}, "Brand-URL"),
        ({"Brand-URL": "demo.example.com"}, "Auth-Key"),
        ({"Brand-URL": "nobody.example.com", "Auth-Key": "demo-admin-key"}, "Brand-URL"),
        ({"Brand-URL": "demo.example.com", "Auth-Key": "no-such-key"}, "Auth-Key"),
        ({"Brand-URL": "demo.example.com", "Auth-Key": "other-admin-key"}, "Auth-Key"),
    ],
)
def test_missing_unknown_or_wrong_brand_credentials_are_401(server, state, headers, named):
    before = state()
    with httpx.Client(base_url=server.url_for("jframework")) as anonymous:
        for request in (
            anonymous.build_request("GET", SMS, headers=headers),
            anonymous.build_request("PUT", DEMO, headers=headers, json=body()),
            anonymous.build_request("PUT", DEMO, headers=headers, content=b"{broken"),
        ):
            envelope = assert_error(anonymous.send(request), 401, "Unauthorized")
            assert named in envelope["message"]
    assert state() == before


@pytest.mark.parametrize(
    "brand", ["DEMO.Example.com", "https://demo.example.com/", "http://Demo.example.com/app"]
)
def test_brand_url_is_a_host_or_url_in_any_case(server, brand):
    with httpx.Client(base_url=server.url_for("jframework")) as client:
        response = client.get(DEMO, headers={"Brand-URL": brand, "Auth-Key": "demo-admin-key"})
    assert assert_ok(response)["id"] == "demoSmsSetting0001"


# -- J3: roles ---------------------------------------------------------------------------------
def test_viewer_reads_but_every_write_is_403(server, state):
    before = state()
    with httpx.Client(base_url=server.url_for("jframework"), headers=VIEWER) as viewer:
        assert assert_ok(viewer.get(DEMO))["id"] == "demoSmsSetting0001"
        assert assert_ok(viewer.get("/api/v1/app-integrations"))
        test_body = {
            "username": "u",
            "password": "p",
            "phoneNumberFrom": "+15005550006",
            "phoneNumberTo": "+15550100001",
            "message": "hi",
        }
        for response in (
            viewer.post(SMS, json=body()),
            viewer.put(DEMO, json=body()),
            viewer.delete(DEMO),
            viewer.post("/api/v1/app-integrations/twilio/sms/test", json=test_body),
        ):
            assert_error(response, 403, "AccessDenied")
    assert state() == before
    assert server.app.world.outbox.messages() == []


# -- J5: status forms --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("active", "Active"),
        ("INACTIVE", "Inactive"),
        ("1 - Active", "Active"),
        (0, "Inactive"),
        (1, "Active"),
    ],
)
def test_status_accepts_names_any_case_numbers_and_doc_forms(jfw, sent, shown):
    assert assert_ok(jfw.put(DEMO, json=body(status=sent)))["status"] == shown


def test_status_defaults_to_active_on_create(jfw):
    assert assert_ok(jfw.post(SMS, json=body()), status=201)["status"] == "Active"


@pytest.mark.parametrize("sent", ["Enabled", "1 - Inactive", "0 - Active", 2, True, None, ["Active"]])
def test_status_outside_the_accepted_forms_is_400(jfw, state, sent):
    before = state()
    envelope = assert_error(jfw.put(DEMO, json=body(status=sent)), 400, "InvalidInput")
    assert envelope["errors"][0]["details"] == "/status"
    assert state() == before


# -- J6: one default per brand -----------------------------------------------------------------
def test_saving_a_default_clears_the_other_and_put_omitting_it_clears_it(jfw):
    created = assert_ok(jfw.post(SMS, json=body(isDefault=True)), status=201)
    assert assert_ok(jfw.get(DEMO))["isDefault"] is False
    assert assert_ok(jfw.put(DEMO, json=body(isDefault=True)))["isDefault"] is True
    assert assert_ok(jfw.get(f"{SMS}/{created['id']}"))["isDefault"] is False
    assert assert_ok(jfw.put(DEMO, json=body()))["isDefault"] is False  # full replacement
    assert [s["isDefault"] for s in assert_ok(jfw.get(SMS))] == [False, False]


def test_defaults_are_per_brand(server, jfw):
    assert_ok(jfw.post(SMS, json=body(isDefault=True)), status=201)
    with httpx.Client(base_url=server.url_for("jframework"), headers=OTHER_ADMIN) as other:
        assert assert_ok(other.get(OTHER))["isDefault"] is True


# -- J7: catalogue references -----------------------------------------------------------------
def test_unknown_provider_is_409_in_a_body_and_non_sms_provider_is_409(jfw, state):
    before = state()
    assert_error(jfw.post(SMS, json=body(appIntegrationId="nope")), 409, "AppIntegrationNotFound")
    assert_error(jfw.put(DEMO, json=body(appIntegrationId="nope")), 409, "AppIntegrationNotFound")
    assert_error(jfw.put(DEMO, json=body(appIntegrationId="stripe")), 409, "AppIntegrationUnsupported")
    assert state() == before


# -- J8, J13: validation -----------------------------------------------------------------------
@pytest.mark.parametrize("number", ["15005550006", "+0123", "+1", "+1234567890123456", "+1 500 555", ""])
def test_phone_numbers_must_be_e164(jfw, state, number):
    before = state()
    envelope = assert_error(jfw.put(DEMO, json=body(phoneNumber=number)), 400, "InvalidInput")
    assert envelope["errors"][0]["details"] == "/phoneNumber"
    assert state() == before


def test_every_problem_is_listed_with_its_field(jfw, state):
    before = state()
    sent = {"appIntegrationId": "", "name": 5, "phoneNumber": "nope", "isDefault": "yes"}
    envelope = assert_error(jfw.put(DEMO, json=sent), 400, "InvalidInput")
    assert envelope["message"] == "The input is invalid."
    fields = sorted(item["details"] for item in envelope["errors"])
    assert fields == ["/appIntegrationId", "/isDefault", "/name", "/password", "/phoneNumber", "/username"]
    assert state() == before


@pytest.mark.parametrize("field", ["appIntegrationId", "name", "username", "password", "phoneNumber"])
def test_required_fields_may_be_neither_missing_nor_empty(jfw, state, field):
    before = state()
    missing = body()
    del missing[field]
    assert (
        assert_error(jfw.post(SMS, json=missing), 400, "InvalidInput")["errors"][0]["details"] == f"/{field}"
    )
    assert (
        assert_error(jfw.put(DEMO, json=body(**{field: ""})), 400, "InvalidInput")["errors"][0]["details"]
        == f"/{field}"
    )
    assert state() == before


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b'{"name": "x",}', b"\xff\xfe\x00{", b"[]", b"[1, 2]", b'"text"', b"42", b"null", b"true"],
    ids=[
        "malformed",
        "trailing-comma",
        "not-utf8",
        "empty-array",
        "array",
        "string",
        "number",
        "null",
        "bool",
    ],
)
def test_bodies_that_are_not_a_json_object_are_400(jfw, state, raw):
    before = state()
    response = jfw.put(DEMO, content=raw, headers={"Content-Type": "application/json"})
    envelope = assert_error(response, 400, "InvalidInput")
    assert len(envelope["errors"][0]["message"]) < 300
    assert state() == before


def test_a_100k_deep_json_body_is_a_400_and_the_server_lives_on(jfw, state):
    before = state()
    deep = b"[" * 100_000 + b"]" * 100_000
    envelope = assert_error(
        jfw.put(DEMO, content=deep, headers={"Content-Type": "application/json"}), 400, "InvalidInput"
    )
    assert "nested too deeply" in envelope["errors"][0]["message"]
    deep_object = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    assert_error(
        jfw.post(SMS, content=deep_object, headers={"Content-Type": "application/json"}), 400, "InvalidInput"
    )
    assert state() == before
    assert assert_ok(jfw.get(DEMO))["id"] == "demoSmsSetting0001"


def test_unknown_fields_are_ignored(jfw):
    data = assert_ok(jfw.put(DEMO, json=body(favouriteColour="green", id="forged")))
    assert data["id"] == "demoSmsSetting0001"
    assert "favouriteColour" not in data


# -- J9: unknown ids and other brands' ids ----------------------------------------------------
def test_unknown_ids_and_other_brands_ids_are_404_and_reveal_nothing(jfw, state):
    before = state()
    for response in (
        jfw.get(f"{SMS}/doesNotExist000000"),
        jfw.put(f"{SMS}/doesNotExist000000", json=body()),
        jfw.delete(f"{SMS}/doesNotExist000000"),
        jfw.get(OTHER),
        jfw.put(OTHER, json=body()),
        jfw.delete(OTHER),
    ):
        envelope = assert_error(response, 404, "AppIntegrationSMSNotFound")
        assert "Vonage" not in response.text
        assert envelope["message"] == "The AppIntegrationSMS is not found."
    assert state() == before


# -- J11: test send ----------------------------------------------------------------------------
def test_test_send_records_the_sms_in_the_outbox(server, jfw):
    sms = {
        "username": "AC1",
        "password": "token",
        "phoneNumberFrom": "+15005550006",
        "phoneNumberTo": "+15550100001",
        "message": "Your code is 123456",
    }
    assert assert_ok(jfw.post("/api/v1/app-integrations/twilio/sms/test", json=sms)) is True
    [sent] = server.app.world.outbox.find(provider="jframework")
    assert (sent.sender, sent.to, sent.text) == ("+15005550006", "+15550100001", "Your code is 123456")


def test_test_send_refuses_bad_numbers_and_wrong_providers(server, jfw, state):
    before = state()
    sms = {
        "username": "u",
        "password": "p",
        "phoneNumberFrom": "+15005550006",
        "phoneNumberTo": "555",
        "message": "",
    }
    envelope = assert_error(
        jfw.post("/api/v1/app-integrations/twilio/sms/test", json=sms), 400, "InvalidInput"
    )
    assert sorted(i["details"] for i in envelope["errors"]) == ["/message", "/phoneNumberTo"]
    good = dict(sms, phoneNumberTo="+15550100001", message="hi")
    assert_error(
        jfw.post("/api/v1/app-integrations/stripe/sms/test", json=good), 409, "AppIntegrationUnsupported"
    )
    assert_error(jfw.post("/api/v1/app-integrations/nope/sms/test", json=good), 404, "AppIntegrationNotFound")
    assert state() == before
    assert server.app.world.outbox.messages() == []


# -- J14: media types and size ----------------------------------------------------------------
def test_a_body_that_is_not_json_is_415(jfw, state):
    before = state()
    for content_type in ("text/plain", "application/xml", "application/x-www-form-urlencoded"):
        response = jfw.put(DEMO, content=b"name=x", headers={"Content-Type": content_type})
        assert_error(response, 415, "UnsupportedMediaType")
    assert state() == before


def test_media_type_is_matched_case_insensitively_and_still_validated(jfw, state):
    before = state()
    response = jfw.put(
        DEMO, content=b'{"name": 1}', headers={"Content-Type": "Application/JSON; Charset=UTF-8"}
    )
    assert_error(response, 400, "InvalidInput")
    assert state() == before
    response = jfw.put(DEMO, json=body(), headers={"Content-Type": "APPLICATION/JSON"})
    assert assert_ok(response)["name"] == "Backup Twilio"


def test_an_unknown_charset_is_415(jfw, state):
    before = state()
    response = jfw.put(DEMO, json=body(), headers={"Content-Type": "application/json; charset=klingon"})
    assert_error(response, 415, "UnsupportedMediaType")
    assert state() == before


@pytest.mark.parametrize("accept", ["application/xml", "text/plain", "application/json;q=0, text/html"])
def test_an_accept_that_excludes_json_is_406(jfw, state, accept):
    before = state()
    assert_error(jfw.put(DEMO, json=body(), headers={"Accept": accept}), 406, "NotAcceptable")
    assert state() == before


@pytest.mark.parametrize(
    "accept", ["*/*", "application/*", "application/json", "text/html, application/json;q=0.1"]
)
def test_an_accept_that_allows_json_is_served(jfw, accept):
    assert assert_ok(jfw.get(DEMO, headers={"Accept": accept}))["id"] == "demoSmsSetting0001"


def test_a_body_over_1_mib_is_413_whether_declared_or_streamed(jfw, state):
    before = state()
    big = b'{"name": "' + b"x" * (1024 * 1024) + b'"}'
    assert_error(
        jfw.put(DEMO, content=big, headers={"Content-Type": "application/json"}), 413, "PayloadTooLarge"
    )

    def chunks():
        for i in range(0, len(big), 64 * 1024):
            yield big[i : i + 64 * 1024]

    streamed = jfw.put(DEMO, content=chunks(), headers={"Content-Type": "application/json"})
    assert_error(streamed, 413, "PayloadTooLarge")
    assert state() == before


def test_a_chunked_body_is_validated_like_any_other(jfw):
    import json

    raw = json.dumps(body(name="Chunked")).encode()
    response = jfw.put(DEMO, content=iter([raw[:10], raw[10:]]), headers={"Content-Type": "application/json"})
    assert assert_ok(response)["name"] == "Chunked"


# -- Envelope on Connexion's own errors --------------------------------------------------------
def test_unknown_route_and_method_are_in_the_envelope(jfw):
    assert_error(jfw.get("/api/v1/nothing-here"), 404, "NotFound")
    response = jfw.patch(DEMO, json=body())
    assert_error(response, 405, "MethodNotAllowed")
    assert sorted(response.headers["allow"].split(", ")) == ["DELETE", "GET", "HEAD", "PUT"]


def test_no_problem_json_ever(jfw):
    responses = [
        jfw.put(DEMO, content=b"{", headers={"Content-Type": "application/json"}),
        jfw.put(DEMO, content=b"x", headers={"Content-Type": "text/plain"}),
        jfw.get(DEMO, headers={"Accept": "application/xml"}),
        jfw.get("/nope"),
        jfw.post(DEMO, json=body()),
    ]
    assert {r.headers["content-type"] for r in responses} == {"application/json"}


def test_an_unexpected_exception_is_a_500_envelope_with_a_logged_correlation_id(jfw, monkeypatch, caplog):
    from mockserver.providers.jframework.model import JFramework

    def explode(self, caller, setting_id):
        raise RuntimeError("boom")

    monkeypatch.setattr(JFramework, "get_setting", explode)
    with caplog.at_level("ERROR", logger="mockserver"):
        envelope = assert_error(jfw.get(DEMO), 500, "InternalServerError")
    correlation = envelope["errors"][0]["correlationId"]
    assert "boom" not in response_text(envelope)
    assert any(correlation in r.getMessage() and r.exc_info for r in caplog.records)


def response_text(envelope: dict) -> str:
    import json

    return json.dumps(envelope)


def test_swagger_ui_is_served_under_the_prefix(server):
    with httpx.Client(base_url=server.url) as client:
        ui = client.get("/jframework/ui/")
        spec = client.get("/jframework/openapi.json")
    assert ui.status_code == 200 and "swagger" in ui.text.lower()
    assert spec.json()["info"]["title"].startswith("JFramework")


# -- J15: configured rate limit ----------------------------------------------------------------
def test_a_configured_rate_limit_answers_429_with_retry_after(tmp_path):
    from datetime import UTC, datetime, timedelta

    from mockserver import MockServer

    limits = tmp_path / "limits.yaml"
    limits.write_text(
        "jframework:\n  brands:\n    - url: demo.example.com\n      authKeys:\n"
        "        - {key: limited-key, role: admin, rateLimit: {requests: 3, perSeconds: 60}}\n"
    )
    with MockServer(["default", limits]) as server:
        server.app.world.clock.freeze(datetime(2026, 5, 1, 10, 0, 0, tzinfo=UTC))
        headers = {"Brand-URL": "demo.example.com", "Auth-Key": "limited-key"}
        with httpx.Client(base_url=server.url_for("jframework"), headers=headers) as client:
            assert [client.get(SMS).status_code for _ in range(3)] == [200] * 3
            limited = client.get(SMS)
            envelope = assert_error(limited, 429, "RateLimitExceeded")
            assert limited.headers["retry-after"] == "60"
            assert "rate limit" in envelope["message"]
            server.app.world.clock.advance(timedelta(seconds=60))
            assert client.get(SMS).status_code == 200


def test_a_viewers_write_is_a_403_before_its_body_is_checked(server):
    """J3: who may do it comes before what was sent (a viewer's invalid PUT was a 400)."""
    viewer = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-viewer-key"}
    url = f"{server.url_for('jframework')}/api/v1/app-integrations/sms/demoSmsSetting0001"
    answer = httpx.put(url, json={"name": "", "phoneNumber": "555"}, headers=viewer)
    assert answer.status_code == 403 and answer.json()["errors"][0]["code"] == "AccessDenied"
    assert httpx.get(url, headers=viewer).status_code == 200  # reading stays allowed
