"""The SMS guards through the CLI, against the fake as the real provider: `--allow-recipient GLOB`
forwards a send only to matching numbers and never one to contacts or groups it cannot see into;
`--read-only` forwards safe methods and the token request only (issue 27, item 5)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from mockserver import MockServer
from tests.proxy.proxying import run_proxy

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TOKEN = [
    "POST",
    "/Token",
    "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
    FORM,
]
AUTH = {"Authorization": "Bearer {token}", "Accept": "application/json"}
SEND = "/api/v1/sms/standardmessages"
READ = ["GET", "/api/v2/addressbook/groups", None, AUTH]


@pytest.fixture(scope="module")
def fake() -> Iterator[MockServer]:
    with MockServer() as live:
        yield live


def send(contacts: dict) -> list:
    body = {"Contacts": contacts, "Content": "Guarded", "MessageOptions": {}, "Reference": "g", "Sender": "S"}
    return ["POST", SEND, body, AUTH]


SENDS = [
    send({"QuickRecipients": {"+15550100099": 2}}),
    send({"QuickRecipients": {"+447000000001": 2}}),
    send({"ContactID": {"16": 2}}),  # a contact: the proxy cannot see its number
    send({"QuickRecipients": {"+16660001234": 2}}),
]


def guarded(fake: MockServer) -> list[str]:
    return sorted(m.to for m in fake.outbox.messages() if m.text == "Guarded")


def test_allow_recipient_forwards_matching_sends_only_and_refuses_what_it_cannot_see(fake, tmp_path):
    fake.reset()
    done, answers = run_proxy("twosms", fake.url_for("twosms"), [TOKEN, *SENDS, READ], tmp_path,
                              "--allow-recipient", "+1555*", "--allow-recipient", "+1666000*")  # fmt: skip
    assert [a[0] for a in answers] == [200, 200, 403, 403, 200, 200], done.stdout + done.stderr
    reasons = [json.loads(a[2])["Error"]["ErrorReason"] for a in answers[2:4]]  # 2SMS's own envelope
    assert reasons[0].endswith("+447000000001 matches none of +1555*, +1666000*")
    assert "names contacts or groups" in reasons[1]
    assert guarded(fake) == ["+15550100099", "+16660001234"]  # nothing else reached the provider
    assert done.stdout.count(f"refused: POST {SEND}") == 2


def test_read_only_forwards_safe_methods_and_the_token_request_only(fake, tmp_path):
    fake.reset()
    put = ["PUT", "/api/v2/addressbook/groups/3e13280a-5c26-412e-8e3b-ca41e0d3fea9/contacts",
           {"ContactIDs": [16]}, AUTH]  # fmt: skip
    done, answers = run_proxy("twosms", fake.url_for("twosms"), [TOKEN, SENDS[0], put, READ], tmp_path,
                              "--read-only")  # fmt: skip
    assert [a[0] for a in answers] == [200, 403, 403, 200], done.stdout + done.stderr
    assert "--read-only" in json.loads(answers[1][2])["Error"]["ErrorReason"]
    assert guarded(fake) == []
    assert len(json.loads(answers[3][2])["ResponseData"]["Detail"]["Groups"]) == 3  # the read went through


def test_environment_proxies_are_ignored_unless_asked(fake, tmp_path):
    """An HTTP_PROXY in the environment (here one that cannot be reached) is not used to reach the
    target; with `--trust-env` it is, so the same read is the proxy's own 502."""
    nowhere = {"HTTP_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9", "NO_PROXY": ""}
    direct, answers = run_proxy("twosms", fake.url_for("twosms"), [TOKEN], tmp_path, env=nowhere)
    assert [a[0] for a in answers] == [200], direct.stdout + direct.stderr
    _, answers = run_proxy("twosms", fake.url_for("twosms"), [TOKEN], tmp_path, "--trust-env", env=nowhere)
    assert [a[0] for a in answers] == [502]
    assert "cannot be reached" in answers[0][2]  # in the token endpoint's own error format
