"""2SMS binds bodies as ASP.NET Web API 2 does (Json.NET, XmlSerializer) and says what it forgave.

By default the fake answers as the real server would and records a client warning; `--strict` (and
`MockServer(strict=True)`, the plugin's `--mockserver-strict`) forgives nothing: the provider's 400,
with no change to the state. JFramework keeps the schema's meaning (J14: unknown members ignored, names
exact), so it never warns.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator

import httpx
import pytest

from mockserver import MockServer
from mockserver.providers.twosms.records import Message
from tests.api.twosms_helpers import DEMO_MESSAGE as MESSAGE
from tests.api.twosms_helpers import details, stored_message
from tests.conftest import ADMIN

UPDATE = f"/api/v1/sms/messages/{MESSAGE}"
DETAILS = details(content=None)
"""The header fields the docs mark required, and no Content."""
XML_DETAILS = (
    '<MessageDetails xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><ID>{id}</ID>'
    "<DateReceived>x</DateReceived><DateToSend>x</DateToSend><DateSent>x</DateSent><Sender>x</Sender>"
    "<DateModified>x</DateModified>{extra}<AdditionalContactID>0</AdditionalContactID>"
    "<AuthenticationMethod>ANONYMOUS</AuthenticationMethod></MessageDetails>"
)


def xml_details(extra: str) -> bytes:
    return XML_DETAILS.format(id=MESSAGE, extra=extra).encode()


@pytest.fixture(scope="module", params=[False, True], ids=["default", "strict"])
def live(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    with MockServer(seed=7, strict=request.param) as server:
        yield server


def message(live: MockServer) -> Message:
    return stored_message(live, MESSAGE)


# Each forgiven input: the body, what the update then did, and the warning it draws.
FORGIVEN_JSON = {
    "member-case": ({**DETAILS, "content": "Lower-case name"}, ("content", "Lower-case name"), "/content"),
    "unknown-member": ({**DETAILS, "Content": "With a stray", "Mood": "happy"}, ("content", "With a stray"), "/Mood"),
    "null-member": ({**DETAILS, "Content": "Reads unset", "NoOfReads": None}, ("content", "Reads unset"), "/NoOfReads"),
    "date-without-zone": (
        {**DETAILS, "ExpiryDate": "2099-06-30T08:00:00"},
        ("expiry", "2099-06-30T08:00:00+00:00"),
        "/ExpiryDate",
    ),
}  # fmt: skip


def applied(live: MockServer, what: tuple[str, str]) -> bool:
    field, expected = what
    value = getattr(message(live), field)
    return (value.isoformat() if hasattr(value, "isoformat") else value) == expected


@pytest.mark.parametrize("code", sorted(FORGIVEN_JSON))
def test_json_the_real_server_forgives_is_applied_with_a_warning_or_refused_under_strict(live, twosms, code):
    body, effect, where = FORGIVEN_JSON[code]
    before = live.app.world.store.snapshot()
    answer = twosms.put(UPDATE, json=body)
    if live.app.settings.strict:
        assert answer.status_code == 400, answer.text
        assert answer.json()["Error"]["ErrorCode"] == "INVALID_REQUEST"
        assert live.app.world.store.snapshot() == before
        assert "x-mockserver-warnings" not in answer.headers
        assert live.journal.warnings() == []
        return
    assert answer.status_code == 200, answer.text
    assert applied(live, effect)
    assert answer.headers["x-mockserver-warnings"] == "1"
    (entry,) = live.journal.entries(warned=True)
    assert [(w["code"], w["where"]) for w in entry["warnings"]] == [(code, where)]
    assert live.journal.entries(warned=False)[0]["path"].endswith("/Token")


XML_CASES = {
    "null-member": ('<NoOfReads xsi:nil="true"/>', "/MessageDetails/NoOfReads"),
    "member-case": ("<content>ignored</content>", "/MessageDetails/content"),
    "unknown-member": ("<Mood>happy</Mood>", "/MessageDetails/Mood"),
}


@pytest.mark.parametrize("code", sorted(XML_CASES))
def test_xml_forgiven_as_xmlserializer_does(live, twosms, code):
    extra, where = XML_CASES[code]
    content_before = message(live).content
    answer = twosms.put(UPDATE, content=xml_details(extra), headers={"Content-Type": "application/xml"})
    if live.app.settings.strict:
        assert answer.status_code == 400 and "INVALID_REQUEST" in answer.text  # `*/*`: JSON (T6)
        return
    assert answer.status_code == 200, answer.text
    assert message(live).content == content_before  # XmlSerializer matches <Content> exactly
    warnings = live.journal.warnings()
    assert len(warnings) == 1 and f" {code} {where}: " in warnings[0], warnings


def test_a_wrong_case_xml_element_names_the_right_one(live, twosms):
    twosms.put(UPDATE, content=xml_details("<content>x</content>"), headers={"Content-Type": "text/xml"})
    if not live.app.settings.strict:
        assert "is not <Content>" in live.journal.warnings()[0]


def test_a_case_insensitive_match_still_checks_the_value(live, twosms):
    before = live.app.world.store.snapshot()
    answer = twosms.put(UPDATE, json={**DETAILS, "noofreads": "three"})
    assert answer.status_code == 400
    assert "/NoOfReads" in answer.json()["Error"]["ErrorReason"] or live.app.settings.strict
    assert live.app.world.store.snapshot() == before


def test_null_for_a_required_member_is_still_a_400(live, twosms):
    answer = twosms.put(UPDATE, json={**DETAILS, "Sender": None})
    assert answer.status_code == 400
    assert "/Sender" in answer.json()["Error"]["ErrorReason"]


def test_the_later_of_two_spellings_counts_as_in_json_net(live, twosms):
    answer = twosms.put(UPDATE, json={**DETAILS, "Content": "first", "CONTENT": "second"})
    if live.app.settings.strict:
        assert answer.status_code == 400
    else:
        assert answer.status_code == 200 and message(live).content == "second"


def test_a_send_binds_nested_members_and_leaves_map_keys_alone(live, twosms):
    send = {
        "type": 1,
        "content": "Hello",
        "contacts": {"quickRecipients": {"+15550100777": 2}},
        "options": {"sender": "Clinic", "reference": None},
    }
    answer = twosms.post("/api/v2/sms/messages", json=send)
    if live.app.settings.strict:
        assert answer.status_code == 400
        return
    assert answer.status_code == 200, answer.text
    (entry,) = live.journal.entries(warned=True)
    assert [(w["code"], w["where"]) for w in entry["warnings"]] == [
        ("member-case", "/type"),
        ("member-case", "/content"),
        ("member-case", "/contacts"),
        ("member-case", "/contacts/quickRecipients"),
        ("member-case", "/options"),
        ("member-case", "/options/sender"),
        ("member-case", "/options/reference"),
        ("null-member", "/options/reference"),
    ]
    assert live.outbox.wait_for(to="+15550100777").text == "Hello"


def test_jframework_never_warns(live):
    live.reset()
    body = {"appIntegrationId": "twilio", "name": "n", "username": "u", "password": "p", "phoneNumber": "+15550100123", "Mood": 1}  # fmt: skip
    answer = httpx.post(f"{live.url_for('jframework')}/api/v1/app-integrations/sms", headers=ADMIN, json=body)
    assert answer.status_code == 201, answer.text  # J14: unknown JSON fields are ignored, as documented
    assert live.journal.warnings() == []


def test_assert_no_warnings_names_each_warning(live, twosms):
    twosms.put(UPDATE, json={**DETAILS, "content": "x"})
    if live.app.settings.strict:
        live.assert_no_warnings()
        return
    with pytest.raises(AssertionError, match=r"(?s)1 client warning.*member-case /content"):
        live.assert_no_warnings()


# -- the command line and the plugin -------------------------------------------------------------------
def _serve(*options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "mockserver", "serve", "--port", "0", *options]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("strict", [False, True], ids=["access-log", "strict"])
def test_serve_logs_warnings_with_the_access_log_and_refuses_under_strict(strict):
    server = _serve("--access-log", *(["--strict"] if strict else []))
    try:
        banner = server.stdout.readline()
        url = banner.rsplit(" ", 1)[-1].strip()
        lines = [server.stdout.readline()]
        while lines[-1] and not lines[-1].startswith("Press Ctrl-C") and len(lines) < 50:
            lines.append(server.stdout.readline())
        assert any(("lint" in line and ("strict" in line) == strict) for line in lines), lines
        token = httpx.post(f"{url}/twosms/Token", data={"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}).json()["access_token"]  # fmt: skip
        answer = httpx.put(
            f"{url}/twosms{UPDATE}",
            headers={"Authorization": f"Bearer {token}"},
            json={**DETAILS, "content": "x"},
        )
        assert answer.status_code == (400 if strict else 200), answer.text
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=10)
    logged = f"PUT /twosms{UPDATE}: client warning member-case at /content"
    assert (logged in errors) != strict, errors[-2000:]


PLUGIN_TEST = """
import httpx
import pytest

def update(server):
    token = httpx.post(f"{server.url_for('twosms')}/Token", data={"grant_type": "client_credentials",
        "client_id": "demo-client", "client_secret": "demo-secret"}).json()["access_token"]
    return httpx.put(f"{server.url_for('twosms')}/api/v1/sms/messages/MESSAGE",
        headers={"Authorization": f"Bearer {token}"}, json=BODY)

@pytest.mark.mockserver_strict
def test_marked(mockserver):
    assert update(mockserver).status_code in (200, 400)

def test_unmarked(mockserver):
    assert update(mockserver).status_code in (200, 400)
""".replace("MESSAGE", MESSAGE).replace("BODY", repr({**DETAILS, "content": "typo"}))


def test_the_plugin_fails_a_marked_test_whose_requests_drew_warnings(pytester):
    pytester.makepyfile(textwrap.dedent(PLUGIN_TEST))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_marked*", "*member-case /content*"])


def test_the_plugin_strict_option_makes_the_fake_refuse(pytester):
    pytester.makepyfile(textwrap.dedent(PLUGIN_TEST).replace("in (200, 400)", "== 400"))
    pytester.runpytest("-p", "no:cacheprovider", "--mockserver-strict").assert_outcomes(passed=2)


def test_a_jquery_form_is_read_as_web_api_reads_it_or_flat_under_strict(live, twosms):
    form = b"Type=STANDARD&Content=Hi&Contacts[QuickRecipients][%2B15550100778]=2&Options[Sender]=Clinic"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = twosms.post("/api/v2/sms/messages", content=form, headers=headers)
    # Strict reads a form as Connexion does: flat fields, so `Contacts[...]` is no member of MessageV2.
    assert answer.status_code == (400 if live.app.settings.strict else 200), answer.text
