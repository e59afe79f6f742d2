"""proxy/checker.py: requests and answers held to a provider's spec as the engine reads them."""

from __future__ import annotations

import json

import pytest

from mockserver.providers.jframework import PROVIDER as JFRAMEWORK
from mockserver.providers.twosms import PROVIDER as TWOSMS
from mockserver.proxy.checker import Checker, Violation
from tests.api.twosms_helpers import DEMO_MESSAGE, details, details_xml
from tests.conftest import ADMIN

SETTING = "/api/v1/app-integrations/sms/demoSmsSetting0001"
COMMAND = {
    "appIntegrationId": "twilio",
    "name": "n",
    "username": "u",
    "password": "p",
    "phoneNumber": "+15005550006",
}


@pytest.fixture(scope="module")
def jframework() -> Checker:
    return Checker(JFRAMEWORK)


@pytest.fixture(scope="module")
def twosms() -> Checker:
    return Checker(TWOSMS)


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def put(
    checker: Checker, body: object, headers: dict[str, str] | None = None
) -> tuple[str | None, list[Violation]]:
    sent = lower({**ADMIN, "Content-Type": "application/json", **(headers or {})})
    return checker.request("PUT", SETTING, b"", sent, json.dumps(body).encode())


def test_a_request_as_the_spec_says_has_no_violation(jframework):
    assert put(jframework, COMMAND) == ("update_sms_setting", [])


def test_each_kind_of_request_violation_names_its_operation_rule_and_place(jframework):
    operation, found = put(jframework, {**COMMAND, "name": "", "phoneNumber": 5})
    assert operation == "update_sms_setting"
    assert [(v.side, v.rule, v.where) for v in found] == [("request", "body", "/name"),
                                                          ("request", "body", "/phoneNumber")]  # fmt: skip
    assert "/name" in found[0].message and "/phoneNumber" in found[1].message
    unsigned = {"brand-url": "demo.example.com", "content-type": "application/json"}
    _, missing = jframework.request("PUT", SETTING, b"", unsigned, json.dumps(COMMAND).encode())
    assert [(v.rule, v.where) for v in missing] == [("security", "header:Auth-Key")]
    assert jframework.request("GET", "/api/v1/nowhere", b"", {}, b"")[0] is None
    [route] = jframework.request("DELETE", "/api/v1/app-integrations", b"", lower(ADMIN), b"")[1]
    assert (route.operation, route.rule) == ("DELETE /api/v1/app-integrations", "route")
    _, query = jframework.request("GET", "/api/v1/app-integrations", b"type=Fax", lower(ADMIN), b"")
    assert [(v.rule, v.where) for v in query] == [("parameters", "query:type")]
    _, media = put(jframework, COMMAND, {"Content-Type": "application/xml"})
    assert [v.rule for v in media] == ["media-type"]


def test_xml_is_read_from_the_specs_xml_objects_and_forgiveness_is_said(twosms):
    bearer = {"authorization": "Bearer t", "content-type": "application/xml"}
    path = f"/api/v1/sms/messages/{DEMO_MESSAGE}"
    assert twosms.request("PUT", path, b"", bearer, details_xml(details())) == ("update_message", [])
    renamed = details_xml(details()).replace(b"<ID>", b"<messageId>").replace(b"</ID>", b"</messageId>")
    _, found = twosms.request("PUT", path, b"", bearer, renamed)
    assert [(v.rule, v.where) for v in found] == [
        ("unknown-member", "/MessageDetails/messageId"),  # what Web API would ignore, said
        ("body", "/MessageDetails/ID"),
    ]
    form = {"authorization": "Bearer t", "content-type": "application/x-www-form-urlencoded"}
    assert (
        twosms.request("DELETE", "/api/v1/sms/messages", b"", form, f"MessageIDs={DEMO_MESSAGE}".encode())[1]
        == []
    )


def test_an_answer_is_held_to_the_statuses_media_types_and_schemas_the_spec_lists(jframework, jfw):
    real = jfw.get("/api/v1/app-integrations/sms/demoSmsSetting0001")  # the fake's own answer conforms
    assert (
        jframework.response("get_sms_setting", real.status_code, real.headers["content-type"], real.content)
        == []
    )
    assert [v.rule for v in jframework.response("get_sms_setting", 418, "application/json", b"{}")] == [
        "status"
    ]
    assert [v.rule for v in jframework.response("get_sms_setting", 200, "text/html", b"<p>")] == [
        "answer-media-type"
    ]
    drifted = json.loads(real.content)
    drifted["data"]["isDefault"] = "yes"
    [found] = jframework.response("get_sms_setting", 200, "application/json", json.dumps(drifted).encode())
    assert (found.side, found.rule, found.where) == ("response", "answer-body", "/data/isDefault")
    [broken] = jframework.response("get_sms_setting", 200, "application/json", b"{not json")
    assert broken.rule == "answer-body" and "does not parse" in broken.message
