"""Record, then serve: `mockserver proxy --record` in front of a conforming provider (the fake)
writes a fixture file that passes `mockserver fixtures check` and that `mockserver serve --fixtures`
answers the recorded reads from as the provider did, secrets as their placeholders; `--har` writes
the masked exchanges, and `mockserver proxy check` re-validates them offline (issue 27, item 4)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
import yaml

from mockserver import MockServer
from tests.proxy.proxying import run_cli, run_proxy, serving_cli

AUTH_KEY, PASSWORD, CLIENT_SECRET = "demo-admin-key", "demo-auth-token", "demo-secret"
SECRETS = (AUTH_KEY, PASSWORD, CLIENT_SECRET)
JF = {"Brand-URL": "demo.example.com", "Auth-Key": AUTH_KEY}
SETTINGS = "/api/v1/app-integrations/sms"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TOKEN = [
    "POST",
    "/Token",
    f"grant_type=client_credentials&client_id=demo-client&client_secret={CLIENT_SECRET}",
    FORM,
]
BEARER = {"Authorization": "Bearer {token}", "Accept": "application/json"}
GROUPS = ("9b0c6f7e-2f5d-4c1a-8e1b-3a2d4c5e6f70", "3e13280a-5c26-412e-8e3b-ca41e0d3fea9",
          "55de749b-b8db-4491-a558-3b9ed525181d")  # fmt: skip
TWOSMS_READS = [
    ["GET", "/api/v1/admin/accounts", None, BEARER],
    ["GET", "/api/v3/addressbook/contacts", None, BEARER],
    ["GET", "/api/v2/addressbook/groups", None, BEARER],
    *(["GET", f"/api/v2/addressbook/groups/{group}/contacts", None, BEARER] for group in GROUPS),
    ["GET", "/api/v1/sms/templates/6a1f3c2e-8d4b-4e5f-9a7c-1b2d3e4f5a6b", None, {**BEARER, "Accept": "application/xml"}],
]  # fmt: skip
REPORT = ["GET", "/api/v1/reports/messages?paging.Page=1&paging.NoOfRecords=50", None, BEARER]


@pytest.fixture(scope="module")
def fake() -> Iterator[MockServer]:
    with MockServer() as live:
        yield live


def placeholders_as_secret(text: str) -> str:
    """Both sides with every secret, real or placeholder, as SECRET (and per-request ids as ID)."""
    for value in SECRETS:
        text = text.replace(value, "SECRET")
    text = re.sub(r"&lt;secret-\d+&gt;|<secret-\d+>", "SECRET", text)
    return re.sub(r'"correlationId":"[^"]+"', '"correlationId":"ID"', text)


def test_a_jframework_recording_serves_the_recorded_reads_as_the_provider_answered(fake, tmp_path):
    fake.reset()
    create = {"appIntegrationId": "vonage", "name": "Recorded", "username": "rec-user", "password": "Rec-Password-1",
              "phoneNumber": "+15005550007"}  # fmt: skip
    calls = [["GET", SETTINGS, None, JF], ["POST", SETTINGS, create, JF], ["GET", SETTINGS, None, JF]]
    done, answers = run_proxy("jframework", fake.url_for("jframework"), calls, tmp_path,
                              "--record", "rec.yaml", "--har", "out.har")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    recording = (tmp_path / "rec.yaml").read_text()
    assert not any(s in recording for s in (*SECRETS, "Rec-Password-1"))
    assert run_cli("fixtures", "check", str(tmp_path / "rec.yaml")).returncode == 0
    key = yaml.safe_load(recording)["jframework"]["brands"][0]["authKeys"][0]["key"]
    assert re.fullmatch(r"<secret-\d+>", key)
    with serving_cli("--fixtures", str(tmp_path / "rec.yaml")) as base:
        served = httpx.get(f"{base}/jframework{SETTINGS}", headers={**JF, "Auth-Key": key})
    assert served.status_code == 200
    listed = json.loads(served.text)["data"]
    assert [s["name"] for s in listed] == ["Main Twilio", "Recorded"]  # the created one too
    assert placeholders_as_secret(served.text).replace("Rec-Password-1", "SECRET") == placeholders_as_secret(
        answers[2][2]
    ).replace("Rec-Password-1", "SECRET")
    har = (tmp_path / "out.har").read_text()
    assert not any(s in har for s in (*SECRETS, "Rec-Password-1"))
    checked = run_cli("proxy", "check", str(tmp_path / "out.har"), "--provider", "jframework")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (
        "create_sms_setting | 1 | 201 x1 | none" in checked.stdout
        or "create_sms_setting | 1 |" in checked.stdout
    )


def test_a_twosms_recording_serves_account_contacts_groups_templates_and_messages(fake, tmp_path):
    fake.reset()
    calls = [TOKEN, *TWOSMS_READS, REPORT]
    done, answers = run_proxy("twosms", fake.url_for("twosms"), calls, tmp_path, "--record", "rec.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    recording = (tmp_path / "rec.yaml").read_text()
    assert not any(s in recording for s in SECRETS) and "access_token" not in recording
    assert run_cli("fixtures", "check", str(tmp_path / "rec.yaml")).returncode == 0
    secret = yaml.safe_load(recording)["twosms"]["accounts"][0]["clients"][0]["secret"]
    with serving_cli("--fixtures", str(tmp_path / "rec.yaml")) as base:
        body = f"grant_type=client_credentials&client_id=demo-client&client_secret={secret}"
        token = httpx.post(f"{base}/twosms/Token", content=body, headers=FORM).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        served = [
            httpx.get(f"{base}/twosms{path}", headers={**headers, **auth}).text
            for _, path, _, headers in [*TWOSMS_READS, REPORT]
        ]
    reads = len(TWOSMS_READS)
    for recorded, again in zip(answers[1 : 1 + reads], served[:reads], strict=True):
        assert again == recorded[2]  # byte for byte: the XML template too
    messages = json.loads(served[reads])["ResponseData"]["Detail"]
    original = json.loads(answers[1 + reads][2])["ResponseData"]["Detail"]
    fields = ("MessageID", "Content", "Sender", "Reference", "DateSent", "ExpiryDate")
    assert [[m[f] for f in fields] for m in messages] == [[m[f] for f in fields] for m in original]
    assert [[(r["PersonNumber"], r["NoOfReads"]) for r in m["Recipients"]] for m in messages] == [
        [(r["PersonNumber"], r["NoOfReads"]) for r in m["Recipients"]] for m in original
    ]


def test_proxy_check_finds_drift_in_a_har_against_todays_spec(fake, tmp_path):
    fake.reset()
    done, _ = run_proxy("jframework", fake.url_for("jframework"), [["GET", SETTINGS, None, JF]], tmp_path,
                        "--har", "out.har")  # fmt: skip
    assert done.returncode == 0
    har = json.loads((tmp_path / "out.har").read_text())
    content = har["log"]["entries"][0]["response"]["content"]
    answer = json.loads(content["text"])
    answer["data"][0]["isDefault"] = "yes"  # as a provider that drifted would answer
    content["text"] = json.dumps(answer)
    drifted = tmp_path / "drifted.har"
    drifted.write_text(json.dumps(har))
    checked = run_cli(
        "proxy", "check", str(drifted), "--provider", "jframework", "--junit", str(tmp_path / "j.xml")
    )
    assert checked.returncode == 1
    assert "(list_sms_settings) response answer-body at /data/0/isDefault" in checked.stdout
    assert 'failures="1"' in (tmp_path / "j.xml").read_text()
    not_har = tmp_path / "x.har"
    not_har.write_text("{}")
    refused = run_cli("proxy", "check", str(not_har), "--provider", "jframework")
    assert refused.returncode == 2 and "is not a HAR file" in refused.stderr
