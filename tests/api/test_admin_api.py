"""The control plane over HTTP: every endpoint, its bad input, and what it does to the providers."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import httpx
import pytest

from tests.conftest import ADMIN, TWOSMS_DEMO, twosms_token

SMS = "/api/v1/app-integrations/sms"


class AdminClient(httpx.Client):
    """Sends `{}` as JSON with every change that has nothing else to send, as the control plane asks."""

    def request(self, method: str, url, **kwargs):  # type: ignore[override]
        if method.upper() != "GET" and all(kwargs.get(k) is None for k in ("json", "content", "data")):
            kwargs["json"] = {}
        return super().request(method, url, **kwargs)


@pytest.fixture
def admin(server):
    with AdminClient(base_url=f"{server.url}/__admin", timeout=30) as client:
        yield client


def send_sms(server, phone: str, text: str, **options) -> dict:
    headers = {"Authorization": f"Bearer {twosms_token(server)}"}
    body = {"Type": 1, "Content": text, "Contacts": {"QuickRecipients": {phone: 2}}, "Options": options}
    response = httpx.post(f"{server.url_for('twosms')}/api/v2/sms/messages", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["ResponseData"]["Detail"]


def test_health(admin):
    assert admin.get("/health").json()["status"] == "ok"


def test_reset_returns_to_the_baseline(server, admin, jfw):
    jfw.delete(f"{SMS}/demoSmsSetting0001")
    send_sms(server, "+15550100001", "hi")
    assert admin.post("/reset").json() == {"ok": True}
    assert admin.get("/outbox").json() == {"messages": []}
    assert admin.get("/journal").json()["total"] == 0
    assert jfw.get(f"{SMS}/demoSmsSetting0001").status_code == 200


def test_fixtures_load_yaml_and_json_and_join_the_baseline(admin, jfw):
    yaml_doc = (
        b"jframework:\n  brands:\n    - url: y.example.com\n      authKeys: [{key: y-key, role: admin}]\n"
    )
    assert (
        admin.post("/fixtures", content=yaml_doc, headers={"Content-Type": "application/yaml"}).status_code
        == 200
    )
    json_doc = {
        "jframework": {"brands": [{"url": "j.example.com", "authKeys": [{"key": "j-key", "role": "viewer"}]}]}
    }
    assert admin.post("/fixtures", json=json_doc).status_code == 200
    admin.post("/reset")
    for brand, key in (("y.example.com", "y-key"), ("j.example.com", "j-key")):
        assert jfw.get(SMS, headers={"Brand-URL": brand, "Auth-Key": key}).status_code == 200


def test_fixtures_joining_the_baseline_do_not_keep_what_was_done_before_them(admin, jfw):
    """The baseline gains the fixtures only: a reset still undoes a delete made before the load."""
    assert jfw.delete(f"{SMS}/demoSmsSetting0001").status_code == 200
    doc = {
        "jframework": {"brands": [{"url": "b.example.com", "authKeys": [{"key": "b-key", "role": "admin"}]}]}
    }
    assert admin.post("/fixtures", json=doc).status_code == 200
    assert jfw.get(f"{SMS}/demoSmsSetting0001").status_code == 404
    admin.post("/reset")
    assert jfw.get(f"{SMS}/demoSmsSetting0001").status_code == 200
    assert jfw.get(SMS, headers={"Brand-URL": "b.example.com", "Auth-Key": "b-key"}).status_code == 200


def test_fixtures_can_be_loaded_without_changing_the_baseline(admin, jfw):
    doc = {
        "jframework": {"brands": [{"url": "t.example.com", "authKeys": [{"key": "t-key", "role": "admin"}]}]}
    }
    assert admin.post("/fixtures", json=doc, params={"baseline": "false"}).status_code == 200
    assert jfw.get(SMS, headers={"Brand-URL": "t.example.com", "Auth-Key": "t-key"}).status_code == 200
    admin.post("/reset")
    assert jfw.get(SMS, headers={"Brand-URL": "t.example.com", "Auth-Key": "t-key"}).status_code == 401


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        (b"jframework: [unclosed", "application/yaml", "not valid YAML"),
        (b"jframework: {brands: 3}", "text/yaml", "/jframework/brands: must be of type array"),
        (b'{"jframework": {"colour": 1}}', "application/json", "'colour' was unexpected"),
        # a valid brand and an invalid one: refused whole, nothing half-loaded
        (
            b"jframework:\n  brands:\n    - url: ok.example.com\n      authKeys: [{key: ok-key, role: admin}]\n"
            b"    - url: bad.example.com\n      authKeys: [{key: demo-admin-key, role: admin}]\n",
            "application/yaml",
            "already belongs to brand demo.example.com",
        ),
    ],
)
def test_a_bad_fixture_document_is_refused_whole(admin, state, content, content_type, expected):
    before = state()
    response = admin.post("/fixtures", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert expected in " ".join(response.json()["errors"])
    assert state() == before


def test_fixtures_need_yaml_or_json(admin, state):
    before = state()
    assert admin.post("/fixtures", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415
    assert state() == before


def test_state_is_dumped_with_secrets_masked(admin):
    dump = admin.get("/state").text
    assert "demoSmsSetting0001" in dump and "Demo Account" in dump
    for secret in ("demo-auth-token", "demo-secret", "demo-admin-key", "other-vonage-secret"):
        assert secret not in dump


def test_snapshots_restore_what_was_taken(admin, jfw):
    assert admin.put("/snapshots/before").status_code == 200
    jfw.delete(f"{SMS}/demoSmsSetting0001")
    assert admin.post("/snapshots/before/restore").status_code == 200
    assert jfw.get(f"{SMS}/demoSmsSetting0001").status_code == 200
    missing = admin.post("/snapshots/nothing/restore")
    assert missing.status_code == 404 and "nothing" in missing.json()["errors"][0]
    assert admin.put("/snapshots/bad name!").status_code == 400


def test_outbox_filters(server, admin):
    send_sms(server, "+15550100001", "Your code is 1111")
    send_sms(server, "+15550100002", "Hello")
    assert [m["to"] for m in admin.get("/outbox", params={"contains": "code"}).json()["messages"]] == [
        "+15550100001"
    ]
    # As the inbox page searches: any case (docs/admin-api.md).
    assert [m["to"] for m in admin.get("/outbox", params={"contains": "CODE"}).json()["messages"]] == [
        "+15550100001"
    ]
    assert [m["text"] for m in admin.get("/outbox", params={"to": "+15550100002"}).json()["messages"]] == [
        "Hello"
    ]
    assert admin.get("/outbox", params={"provider": "jframework"}).json()["messages"] == []
    assert admin.get("/outbox", params={"since": "2999-01-01T00:00:00Z"}).json()["messages"] == []
    assert admin.get("/outbox", params={"since": "yesterday"}).status_code == 400
    assert admin.delete("/outbox").status_code == 200
    assert admin.get("/outbox").json()["messages"] == []


def test_outbox_long_poll_returns_the_delivery_it_waited_for(server, admin):
    result: dict = {}

    def poll() -> None:
        result["response"] = admin.get("/outbox", params={"to": "+15550100009", "wait": 20})

    waiter = threading.Thread(target=poll)
    waiter.start()
    send_sms(server, "+15550100009", "Here it is")  # before or after the poll began: either way it is found
    waiter.join(timeout=30)
    assert [m["text"] for m in result["response"].json()["messages"]] == ["Here it is"]


def test_outbox_wait_is_capped_at_60_seconds(admin):
    assert admin.get("/outbox", params={"wait": 61}).status_code == 400


def test_a_client_leaving_a_long_poll_frees_the_server(server, admin):
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{server.url}/__admin/outbox", params={"to": "+1nobody", "wait": 30}, timeout=0.3)
    outbox = server.app.world.outbox
    for _ in range(200):  # each request gives the server's loop a turn to notice the disconnect
        admin.get("/health")
        if not outbox.listening():
            break
    assert outbox.listening() == 0


def test_journal_records_masks_filters_and_pages(server, admin, jfw):
    jfw.get(f"{SMS}/demoSmsSetting0001")
    jfw.put(f"{SMS}/demoSmsSetting0001", json={"name": ""})
    twosms_token(server)
    page = admin.get("/journal", params={"provider": "jframework"}).json()
    assert page["total"] == 2
    newest, oldest = page["entries"]
    assert (newest["method"], newest["status"], oldest["status"]) == ("PUT", 400, 200)
    assert newest["requestHeaders"]["auth-key"] == "****"
    assert json.loads(newest["requestBody"]) == {"name": ""}
    token_call = admin.get("/journal", params={"path": "/Token"}).json()["entries"][0]
    assert (
        "demo-secret" not in token_call["requestBody"]
        and "client_secret=%2A%2A%2A%2A" in token_call["requestBody"]
    )
    assert admin.get("/journal", params={"status": 400}).json()["total"] == 1
    assert len(admin.get("/journal", params={"limit": 1, "offset": 1}).json()["entries"]) == 1
    assert admin.get("/journal", params={"limit": 0}).status_code == 400
    admin.delete("/journal")
    assert admin.get("/journal").json()["total"] == 0


def test_the_journal_keeps_what_each_request_was_answered_successes_too_secrets_masked(server, admin, jfw):
    jfw.get(f"{SMS}/demoSmsSetting0001")
    jfw.put(f"{SMS}/demoSmsSetting0001", json={"name": ""})
    token = twosms_token(server)
    refused, found = admin.get("/journal", params={"provider": "jframework"}).json()["entries"]
    assert found["responseType"] == "application/json"
    assert json.loads(found["responseBody"])["data"]["id"] == "demoSmsSetting0001"
    assert json.loads(refused["responseBody"])["success"] is False
    token_answer = admin.get("/journal", params={"path": "/Token"}).json()["entries"][0]
    assert (
        token not in token_answer["responseBody"] and '"access_token": "****"' in token_answer["responseBody"]
    )


def test_the_journal_stays_bounded():
    from mockserver import MockServer

    with MockServer(journal_limit=5) as small:
        for n in range(20):
            httpx.get(f"{small.url_for('jframework')}{SMS}/id{n}", headers=ADMIN)
        assert len(small.app.world.journal) == 5
        assert [e.path.rsplit("/", 1)[-1] for e in small.app.world.journal.entries()] == [
            f"id{n}" for n in range(19, 14, -1)
        ]


# -- faults ------------------------------------------------------------------------------------------
def test_a_fault_answers_in_the_providers_own_envelope_then_stops(server, admin, jfw):
    rule = admin.post(
        "/faults",
        json={"provider": "jframework", "operationId": "get_sms_setting", "status": 429, "times": 2},
    )
    assert rule.status_code == 201
    for _ in range(2):
        limited = jfw.get(f"{SMS}/demoSmsSetting0001")
        assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
        assert limited.json()["errors"][0]["code"] == "RateLimitExceeded"
    assert jfw.get(f"{SMS}/demoSmsSetting0001").status_code == 200
    assert admin.get("/faults").json()["faults"] == []


def test_a_2sms_fault_speaks_2sms_xml(server, admin):
    admin.post(
        "/faults",
        json={"provider": "twosms", "method": "GET", "path": "/twosms/api/v1/admin/*", "status": 503},
    )
    headers = {"Authorization": f"Bearer {twosms_token(server)}", "Accept": "application/xml"}
    response = httpx.get(f"{server.url_for('twosms')}/api/v1/admin/accounts", headers=headers)
    assert (
        response.status_code == 503 and response.headers["content-type"] == "application/xml; charset=utf-8"
    )
    assert b"<ErrorCode>SERVICE_UNAVAILABLE</ErrorCode>" in response.content


def test_faults_match_headers_and_body_fields(admin, jfw):
    admin.post("/faults", json={"header": {"Auth-Key": "demo-viewer-key"}, "status": 500})
    admin.post("/faults", json={"bodyField": {"name": "explode"}, "status": 502})
    assert jfw.get(f"{SMS}/demoSmsSetting0001").status_code == 200
    assert jfw.get(f"{SMS}/demoSmsSetting0001", headers={"Auth-Key": "demo-viewer-key"}).status_code == 500
    body = {
        "appIntegrationId": "twilio",
        "name": "explode",
        "username": "u",
        "password": "p",
        "phoneNumber": "+15005550006",
    }
    assert jfw.put(f"{SMS}/demoSmsSetting0001", json=body).status_code == 502
    assert jfw.put(f"{SMS}/demoSmsSetting0001", json=dict(body, name="fine")).status_code == 200


def test_probability_with_a_seed_is_repeatable(admin, jfw):
    def pattern() -> list[int]:
        admin.delete("/faults")
        admin.post("/faults", json={"provider": "jframework", "status": 500, "probability": 0.5, "seed": 7})
        return [jfw.get(SMS).status_code for _ in range(20)]

    first = pattern()
    assert first == pattern()
    assert 0 < first.count(500) < 20


def test_delay_and_drop(admin, jfw):
    admin.post("/faults", json={"operationId": "list_sms_settings", "delayMs": 50, "times": 1})
    assert jfw.get(SMS).status_code == 200
    slowest = admin.get("/journal", params={"path": SMS}).json()["entries"][0]
    assert slowest["durationMs"] >= 50  # the injected delay is a floor, not a performance claim
    admin.post("/faults", json={"operationId": "list_sms_settings", "drop": True, "times": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        jfw.get(SMS)
    assert jfw.get(SMS).status_code == 200
    dropped = admin.get("/journal", params={"path": SMS}).json()["entries"][1]
    assert dropped.get("dropped") is True


def test_a_drop_after_fault_runs_the_operation_and_loses_the_answer(admin, jfw):
    rule = {"operationId": "delete_sms_setting", "dropAfter": True, "times": 1}
    assert admin.post("/faults", json=rule).status_code == 201
    with pytest.raises(httpx.RemoteProtocolError):
        jfw.delete(f"{SMS}/demoSmsSetting0001")
    assert jfw.get(f"{SMS}/demoSmsSetting0001").status_code == 404  # it did take effect
    entry = admin.get("/journal", params={"method": "DELETE"}).json()["entries"][0]
    assert (entry["status"], entry["dropped"]) == (200, True)


def test_faults_never_touch_the_control_plane_and_need_an_action(admin):
    assert admin.post("/faults", json={"path": "*", "status": 500}).status_code == 201
    assert admin.get("/health").status_code == 200
    assert admin.post("/faults", json={"provider": "jframework"}).status_code == 400
    assert admin.post("/faults", json={"status": 200}).status_code == 400
    assert admin.post("/faults", json={"status": 500, "colour": "red"}).status_code == 400


# -- clock -------------------------------------------------------------------------------------------
def test_clock_freeze_advance_unfreeze(admin):
    frozen = admin.post("/clock", json={"freeze": "2030-01-01T00:00:00Z"}).json()
    assert frozen == {"now": "2030-01-01T00:00:00Z", "frozen": True}
    assert admin.post("/clock", json={"advance": "P1DT2H"}).json()["now"] == "2030-01-02T02:00:00Z"
    assert admin.post("/clock", json={"advance": "-3600"}).json()["now"] == "2030-01-02T01:00:00Z"
    assert admin.post("/clock", json={"unfreeze": True}).json()["frozen"] is False
    for bad in ({"advance": "soon"}, {"freeze": "tomorrow"}, {}, {"advance": "PT1H", "unfreeze": True}):
        assert admin.post("/clock", json=bad).status_code == 400


@pytest.mark.parametrize(
    "setting",
    [{"advance": "-999999999"}, {"advance": "P99999D"}, {"advance": "PT999999H"}],
)
def test_the_clock_refuses_a_setting_past_its_bounds_in_words_and_keeps_working(server, admin, setting):
    admin.post("/clock", json={"freeze": "2030-01-01T00:00:00Z"})
    for _ in range(64):  # as many times as it took to overflow it
        refused = admin.post("/clock", json=setting)
        if refused.status_code != 200:
            break
    assert refused.status_code == 400, refused.text
    assert "stays between 1900-01-01T00:00:00Z and 8999-12-31T23:59:59Z" in refused.json()["errors"][0]
    assert admin.get("/clock").status_code == 200
    token = httpx.post(f"{server.url}/twosms/Token", data={"grant_type": "client_credentials", **TWOSMS_DEMO})
    assert token.status_code == 200 and httpx.get(f"{server.url}/_/inbox").status_code == 200


def test_advancing_the_clock_delivers_queued_messages_and_expires_tokens(server, admin):
    admin.post("/clock", json={"freeze": "now"})
    now = server.app.world.clock.now()
    token = twosms_token(server)
    send_sms(server, "+15550100005", "Later", DateToSend=(now + timedelta(hours=1)).isoformat())
    assert admin.get("/outbox").json()["messages"] == []
    admin.post("/clock", json={"advance": "PT1H"})
    assert [m["text"] for m in admin.get("/outbox").json()["messages"]] == ["Later"]
    admin.post("/clock", json={"advance": "PT7H"})
    expired = httpx.get(
        f"{server.url_for('twosms')}/api/v1/admin/accounts", headers={"Authorization": f"Bearer {token}"}
    )
    assert expired.status_code == 401


# -- tenants -----------------------------------------------------------------------------------------
def test_a_tenant_is_isolated_in_both_providers(server, admin):
    tenant = admin.post("/tenants").json()
    jf = {"Brand-URL": tenant["jframework"]["brandUrl"], "Auth-Key": tenant["jframework"]["authKey"]}
    mine = httpx.get(f"{server.url_for('jframework')}{SMS}", headers=jf).json()["data"]
    assert mine == []
    assert httpx.get(f"{server.url_for('jframework')}{SMS}/demoSmsSetting0001", headers=jf).status_code == 404
    creds = {"client_id": tenant["twosms"]["clientId"], "client_secret": tenant["twosms"]["clientSecret"]}
    token = twosms_token(server, creds)
    headers = {"Authorization": f"Bearer {token}"}
    account = httpx.get(f"{server.url_for('twosms')}/api/v1/admin/accounts", headers=headers).json()[
        "ResponseData"
    ]["Detail"]
    assert (account["AccountID"], account["AnyTimeBalance"]) == (tenant["twosms"]["accountId"], 1000)
    body = {"Type": 1, "Content": "tenant hello", "Contacts": {"ContactID": {"16": 2}}, "Options": {}}
    assert (
        httpx.post(f"{server.url_for('twosms')}/api/v2/sms/messages", json=body, headers=headers).status_code
        == 200
    )
    send_sms(server, "+15550100006", "demo hello")
    only_mine = admin.get("/outbox", params={"tenant": tenant["id"]}).json()["messages"]
    assert [(m["to"], m["text"], m["tenant"]) for m in only_mine] == [
        ("+15550100016", "tenant hello", tenant["id"])
    ]
    journal = admin.get("/journal", params={"tenant": tenant["id"]}).json()["entries"]
    assert {e["path"] for e in journal} == {
        f"/jframework{SMS}",
        f"/jframework{SMS}/demoSmsSetting0001",
        "/twosms/api/v1/admin/accounts",
        "/twosms/api/v2/sms/messages",
    }


def test_one_fault_rule_is_removed_by_its_id_and_an_unknown_id_is_a_404(admin):
    first = admin.post("/faults", json={"provider": "twosms", "status": 503}).json()
    second = admin.post("/faults", json={"provider": "jframework", "status": 429}).json()
    assert admin.delete(f"/faults/{first['id']}").json() == {"ok": True}
    assert [f["id"] for f in admin.get("/faults").json()["faults"]] == [second["id"]]
    missing = admin.delete(f"/faults/{first['id']}")
    assert missing.status_code == 404 and "no fault rule" in missing.json()["errors"][0]


@pytest.mark.parametrize(
    ("path", "body", "says"),
    [
        (
            "/clock",
            {"advance": "8 hours"},
            "advance: must be a duration such as PT8H or P1DT30M (ISO 8601), or a number of seconds",
        ),
        ("/clock", {"freeze": "tomorrow"}, "freeze: must be an instant between the years 1900 and 9000"),
        ("/faults", {"status": "abc"}, "status: must be of type integer, not a string"),
        ("/faults", {"status": 200}, "status: must be at least 400"),
        (
            "/faults",
            {"probability": 0.5},
            "the body: must be a rule with an action: status, delayMs above 0, drop or dropAfter",
        ),
    ],
)
def test_control_plane_refusals_name_the_field_and_say_what_is_expected(admin, path, body, says):
    refused = admin.post(path, json=body)
    assert refused.status_code == 400 and any(e.startswith(says) for e in refused.json()["errors"])
    assert not any("pattern" in e for e in refused.json()["errors"])  # no regular expression shown


def test_a_query_parameter_refusal_names_where_the_parameter_is(admin):
    refused = admin.get("/outbox", params={"provider": "nope"})
    assert refused.json()["errors"] == ['provider (in the query): must be one of "jframework", "twosms"']
