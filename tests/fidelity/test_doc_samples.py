"""The docs' own samples, replayed: held in so the fake cannot drift from what the providers print.

Every request sample of the seed documents (copies in tests/data: the 2SMS help page of the update,
the JFramework page of the update) and of the JFramework reference notes is sent as printed, with
generator placeholders ("sample string N", "text") swapped for demo-world values and nothing else.
Each answer's status, media type, envelope, member names and member order are compared with the
docs' response sample. The 2SMS samples are also sent as a .NET client sends them (no Accept,
PascalCase names, nulls for the members it leaves unset) and with a browser's Accept; those must
succeed too, the .NET client's with the client warnings the real server would not give.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from mockserver import MockServer
from tests.api.twosms_helpers import DEMO_MESSAGE as MESSAGE
from tests.conftest import ADMIN

DATA = Path(__file__).resolve().parents[1] / "data"
TWOSMS_PAGE = (DATA / "twosms-seed.txt").read_text()
JFRAMEWORK_PAGE = (DATA / "jframework-seed.txt").read_text()
JFRAMEWORK_NOTES = (DATA / "jframework-reference.md").read_text()
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# Demo-world values for the 2SMS generator's "sample string N" placeholders, by member.
TWOSMS_VALUES = {
    "DateReceived": "2026-01-01T09:00:00Z",
    "DateToSend": "2026-01-01T09:00:00Z",
    "DateSent": "2026-01-01T09:00:00Z",
    "DateModified": "2026-01-01T09:00:00Z",
    "Sender": "Demo Clinic",
    "StatusID": "Sent",
    "Content": "Your results are ready: please call us.",
    "Reference": "results-2026",
    "ExpiryDate": "2099-06-30T00:00:00Z",
    "MessageType": "ADVANCED",
}
# ... and for JFramework's "text" placeholders. `"0 - Inactive"` is how its docs print an enum
# value; J5 accepts it as printed, so it stays.
JFRAMEWORK_VALUES = {
    "appIntegrationId": "twilio",
    "name": "Front desk SMS",
    "username": "AC0123456789",
    "password": "s3cret-token",
    "phoneNumber": "+15550100123",
    "description": "Sends the appointment reminders",
}


def samples(page: str) -> list[str]:
    """The page's samples in order (request JSON, request XML, response JSON, response XML)."""
    found = re.findall(r"Sample:\n(\{.*?\n\}|<(\w+) .*?</\2>)", page, flags=re.DOTALL)
    return [text for text, _ in found]


def twosms_samples() -> tuple[dict, bytes, dict, bytes]:
    request_json, request_xml, response_json, response_xml = samples(TWOSMS_PAGE)
    body = json.loads(request_json)
    body = {k: TWOSMS_VALUES[k] if str(v).startswith("sample string") else v for k, v in body.items()}

    def swap(match: re.Match[str]) -> str:
        return f"<{match[1]}>{TWOSMS_VALUES[match[1]]}</{match[1]}>"

    xml = re.sub(r"<(\w+)>sample string \d+</\1>", swap, request_xml).encode()
    return body, xml, json.loads(response_json), response_xml.encode()


def member_order(value: Any) -> Any:
    """The names of a JSON value's members, nested, in order (what the docs' sample fixes)."""
    if isinstance(value, dict):
        return [(k, member_order(v)) for k, v in value.items()]
    return None


def element_order(element: etree._Element) -> Any:
    return [(etree.QName(child).localname, element_order(child)) for child in element] or None


UNDOCUMENTED = {"createdDate"}
"""Served members the docs' samples leave out, each a decision (J16), served after the documented ones."""


def same_shape(documented: Any, served: Any) -> None:
    """The served members are the documented ones, in the documented order. Where the docs show a
    member the served answer leaves null (`Error` on a success), only the name is compared."""
    names = [name for name, _ in served]
    documented_names = [name for name, _ in documented]
    assert names[: len(documented_names)] == documented_names
    assert set(names[len(documented_names) :]) <= UNDOCUMENTED, names
    for (_, want), (_, got) in zip(documented, served, strict=False):
        if want is not None and got is not None:
            same_shape(want, got)


@pytest.fixture(scope="module")
def live() -> Iterator[MockServer]:
    with MockServer(seed=7) as server:
        yield server


def _without_accept(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    request = client.build_request(method, url, **kwargs)
    del request.headers["Accept"]  # httpx sends `Accept: */*` unless told otherwise; .NET sends none
    return client.send(request)


# -- 2SMS: the update's samples --------------------------------------------------------------------
def test_the_json_sample_as_printed_is_answered_in_the_documented_shape(twosms, live):
    body, _, documented, _ = twosms_samples()
    answer = twosms.put(f"/api/v1/sms/messages/{MESSAGE}", json=body, headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    envelope = answer.json()
    same_shape(member_order(documented), member_order(envelope))
    assert envelope["Error"] is None and envelope["ResponseData"]["Result"] == "Success"
    assert live.journal.warnings() == []


def test_the_xml_sample_as_printed_is_answered_in_the_documented_shape(twosms, live):
    _, body, _, documented = twosms_samples()
    answer = twosms.put(
        f"/api/v1/sms/messages/{MESSAGE}",
        content=body,
        headers={"Content-Type": "application/xml", "Accept": "application/xml"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/xml; charset=utf-8"
    assert not answer.content.startswith(b"<?xml")
    served = etree.fromstring(answer.content)
    sample = etree.fromstring(documented)
    assert served.tag == sample.tag == "ResponseOfSmsTransaction"
    # A success has no <Error> (T4); everything else is where the docs put it.
    same_shape([m for m in element_order(sample) if m[0] != "Error"], element_order(served))
    assert live.journal.warnings() == []


def dotnet_client_body(body: dict) -> dict:
    """What a .NET client's model sends: PascalCase names (`messageId` is `MessageId` there) and, by
    Json.NET's default, null for each member it leaves unset."""
    sent = {k[0].upper() + k[1:]: v for k, v in body.items()}
    for unset in ("Reference", "StatusID", "GroupID", "MessageType", "NoOfContacts"):
        sent[unset] = None
    return sent


def test_a_dotnet_client_json_update_works_and_draws_warnings(twosms, live):
    body, _, documented, _ = twosms_samples()
    answer = _without_accept(twosms, "PUT", f"/api/v1/sms/messages/{MESSAGE}", json=dotnet_client_body(body))
    assert answer.status_code == 200, answer.text
    assert (
        answer.headers["content-type"] == "application/json; charset=utf-8"
    )  # no Accept: the body's own type
    assert answer.headers["x-mockserver-warnings"] == "6"
    same_shape(member_order(documented), member_order(answer.json()))
    warnings = live.journal.warnings()
    assert any("member-case /MessageId:" in w for w in warnings), warnings
    assert sum(" null-member " in w for w in warnings) == 5, warnings


def test_a_dotnet_client_xml_update_is_answered_in_xml(twosms, live):
    _, body, _, _ = twosms_samples()
    answer = _without_accept(
        twosms, "PUT", f"/api/v1/sms/messages/{MESSAGE}", content=body, headers={"Content-Type": "text/xml"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/xml; charset=utf-8"
    assert etree.fromstring(answer.content).tag == "ResponseOfSmsTransaction"


@pytest.mark.parametrize("media_type", ["application/json", "application/xml"])
def test_a_browser_gets_xml_as_web_api_answers_it(twosms, media_type):
    body, xml, _, _ = twosms_samples()
    content = json.dumps(body).encode() if media_type.endswith("json") else xml
    answer = twosms.put(
        f"/api/v1/sms/messages/{MESSAGE}",
        content=content,
        headers={"Content-Type": media_type, "Accept": BROWSER_ACCEPT},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/xml; charset=utf-8"  # the browser's best match


# -- JFramework: the update's sample and the create's (reference notes) ---------------------------
def jframework_request(text: str) -> dict:
    body = json.loads(text)
    return {k: JFRAMEWORK_VALUES[k] if v == "text" else v for k, v in body.items()}


def test_the_jframework_samples_as_printed_are_answered_in_the_documented_shape(live):
    live.reset()
    update_sample, update_answer = (
        samples(JFRAMEWORK_PAGE)[:1],
        re.search(r"\n(\{\n  \"success\".*?\n\})", JFRAMEWORK_PAGE, flags=re.DOTALL),
    )
    assert update_answer is not None
    create_sample, create_answer = re.findall(r"```json\n(.*?)```", JFRAMEWORK_NOTES, flags=re.DOTALL)[:2]
    put_body = re.search(r"\n(\{\n  \"appIntegrationId\".*?\n\})", JFRAMEWORK_PAGE, flags=re.DOTALL)
    assert put_body is not None and update_sample == []  # GitBook pages print no "Sample:" label
    with httpx.Client(base_url=live.url_for("jframework"), headers=ADMIN, timeout=10) as client:
        created = client.post("/api/v1/app-integrations/sms", json=jframework_request(create_sample))
        assert created.status_code == 201, created.text
        assert created.headers["content-type"] == "application/json"
        same_shape(member_order(json.loads(create_answer)), member_order(created.json()))
        setting = created.json()["data"]["id"]
        updated = client.put(f"/api/v1/app-integrations/sms/{setting}", json=jframework_request(put_body[1]))
        assert updated.status_code == 200, updated.text
        same_shape(member_order(json.loads(update_answer[1])), member_order(updated.json()))
        assert updated.json()["data"]["status"] == "Inactive"  # "0 - Inactive", as the docs print it
        # A browser's Accept allows JSON (`*/*`), the only type JFramework's docs list (J14).
        listed = client.get("/api/v1/app-integrations/sms", headers={"Accept": BROWSER_ACCEPT})
        assert listed.status_code == 200 and listed.headers["content-type"] == "application/json"
        assert live.journal.warnings() == []
