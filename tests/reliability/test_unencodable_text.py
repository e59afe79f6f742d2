"""Text that UTF-8 cannot carry (a lone UTF-16 surrogate) is a 400 in the provider's format where it
is read, wherever a string is read, and changes nothing; it was a 500 wherever a string was later
explained, stored or counted (issue 26, point 1)."""

from __future__ import annotations

import httpx
import pytest

from tests.api.twosms_helpers import READ_MESSAGE, envelope
from tests.conftest import ADMIN

LONE = '"\\ud800"'
SEND = '{"Type": 1, "Content": "Hi \\ud800", "Contacts": {"QuickRecipients": {"+15550100777": 2}}, "Options": {}}'


def test_a_jframework_body_is_refused_in_its_envelope(server, state):
    before = state()
    answer = httpx.post(
        f"{server.url_for('jframework')}/api/v1/app-integrations/sms",
        content=f'{{"name": {LONE}}}',
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert answer.status_code == 400, answer.text
    [error] = answer.json()["errors"]
    assert (error["code"], error["details"]) == ("InvalidInput", "/name")
    assert "surrogate" in error["message"]
    assert state() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/fixtures", f'{{"jframework": {{"brands": [{{"url": {LONE}}}]}}}}'),
        ("POST", "/clock", f'{{"freeze": {LONE}}}'),
        ("PUT", "/deliveries", f'{{"to": {LONE}, "status": "failed"}}'),
        ("POST", "/faults", f'{{"path": {LONE}, "status": 503}}'),
        ("POST", "/tenants", f'{{"name": {LONE}}}'),
        ("PUT", "/snapshots/a", f'{{"note": {LONE}}}'),
    ],
)
def test_every_admin_body_is_refused_in_the_fakes_format(server, state, method, path, body):
    before = state()
    answer = httpx.request(
        method, f"{server.url}/__admin{path}", content=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    assert "surrogate" in answer.json()["errors"][0]
    assert state() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/sms/messages/replies", f'{{"MessageID": "{READ_MESSAGE}", "From": "+15550100018", "Response": {LONE}}}'),
        ("/api/v2/sms/messages", SEND),  # its UTF-16 segment count was the 500
    ],
)  # fmt: skip
def test_a_twosms_body_is_refused_in_its_envelope(server, twosms, state, path, body):
    before = state()
    answer = twosms.post(path, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    error = envelope(answer)["Error"]
    assert error["ErrorCode"] == "INVALID_REQUEST" and "surrogate" in error["ErrorReason"]
    assert state() == before


@pytest.mark.parametrize("reference", ["&#xD800;", "&#55296;"])
def test_an_xml_character_reference_to_a_surrogate_is_refused(server, twosms, state, reference):
    before = state()
    xml = (
        "<MessageResponse><MessageID>" + READ_MESSAGE + "</MessageID><From>+15550100018</From>"
        f"<Response>Hi {reference}</Response></MessageResponse>"
    )
    answer = twosms.post(
        "/api/v1/sms/messages/replies",
        content=xml,
        headers={"Content-Type": "text/xml", "Accept": "text/xml"},
    )
    assert answer.status_code == 400, answer.text
    assert envelope(answer)["Error"]["ErrorCode"] == "INVALID_REQUEST"
    assert state() == before


def test_percent_encoded_surrogates_in_forms_queries_and_paths_never_reach_a_500(server, twosms):
    encoded = "%ED%A0%80"  # UTF-8's form of U+D800, which UTF-8 forbids: read as U+FFFD
    form = f"Type=STANDARD&Content=Hi{encoded}&Contacts[QuickRecipients][%2B15550100777]=2&Options[Sender]=Clinic"
    sent = twosms.post(
        "/api/v2/sms/messages", content=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    queried = httpx.get(
        f"{server.url_for('jframework')}/api/v1/app-integrations?keywords={encoded}", headers=ADMIN
    )
    pathed = httpx.get(f"{server.url_for('jframework')}/api/v1/app-integrations/sms/{encoded}", headers=ADMIN)
    assert [a.status_code for a in (sent, queried, pathed)] == [200, 200, 404], sent.text


def test_the_connexion_engine_refuses_them_as_the_compiled_one_does():
    """`--engine connexion`: Connexion's own json.loads takes a lone surrogate, so the fake refuses
    it before the handler (a JFramework create stored it; a 2SMS send was a 500)."""
    from mockserver import MockServer
    from tests.conftest import TWOSMS_DEMO

    with MockServer(engine="connexion") as live:
        created = httpx.post(
            f"{live.url_for('jframework')}/api/v1/app-integrations/sms",
            content='{"appIntegrationId": "twilio", "name": "\\ud800", "username": "u", "password": "p", '
            '"phoneNumber": "+15005550006"}',
            headers={**ADMIN, "Content-Type": "application/json"},
        )
        token = httpx.post(
            f"{live.url}/twosms/Token", data={"grant_type": "client_credentials", **TWOSMS_DEMO}
        )
        sent = httpx.post(
            f"{live.url_for('twosms')}/api/v2/sms/messages",
            content=SEND,
            headers={
                "Authorization": f"Bearer {token.json()['access_token']}",
                "Content-Type": "application/json",
            },
        )
        assert created.status_code == 400 and created.json()["errors"][0]["details"] == "/name"
        assert sent.status_code == 400 and "/Content: the body holds a lone UTF-16 surrogate" in sent.text
        assert live.outbox.messages() == []
