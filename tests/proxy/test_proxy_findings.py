"""What the proxy says about the traffic, through the CLI: violations in its journal and pages
(grouped by operation and rule, values masked), in an optional bounded header, and hints where the
spec and the provider disagree, once per operation; XML drift named by XML path (issue 27, items 2,
3 and 6)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from tests.proxy.proxying import run_proxy
from tests.proxy.standins import TOKEN, app, twosms_app
from tests.standin import serving

AUTH_KEY = "Findings-Auth-Key-42"
PASSWORD = "Findings-Password-99"
AUTH = {"Brand-URL": "demo.example.com", "Auth-Key": AUTH_KEY}
PUT = {"appIntegrationId": "twilio", "name": "Main", "username": "AC1", "password": PASSWORD,
       "phoneNumber": "+15005550006"}  # fmt: skip
SETTING = "/api/v1/app-integrations/sms/"


@pytest.fixture(scope="module")
def jframework_standin() -> Iterator[str]:
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def twosms_standin() -> Iterator[str]:
    with serving(twosms_app) as url:
        yield url


@pytest.fixture(scope="module")
def findings(jframework_standin, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("findings")
    calls = [
        ["GET", SETTING + "extra", None, AUTH],
        ["GET", SETTING + "extra", None, AUTH],  # the same hint again: said once
        ["PUT", SETTING + "x1", {**PUT, "name": "", "password": 7}, AUTH],  # invalid, answered 200
        ["PUT", SETTING + "strict", PUT, AUTH],  # valid, answered 400
        ["GET", SETTING + "redirect", None, AUTH],  # 302: not in the spec
        ["GET", "/_/requests", None, {}],
        ["GET", "/_/violations", None, {}],
        ["GET", "/_/requests/3", None, {}],
        ["GET", "/_/requests?violations=1", None, {}],
    ]
    done, answers = run_proxy("jframework", jframework_standin, calls, tmp, "--violations-header",
                              "--report-json", "r.json")  # fmt: skip
    return done, answers, json.loads((tmp / "r.json").read_text())


def test_each_violation_is_in_the_journal_and_the_pages_grouped_by_operation_and_rule(findings):
    _, answers, _ = findings
    requests, violations, detail, only = (a[2] for a in answers[5:9])
    assert [a[0] for a in answers[5:9]] == [200, 200, 200, 200]
    listed = re.findall(r'<td><a href="/_/requests/(\d+)">', requests)
    assert listed == ["5", "4", "3", "2", "1"]  # newest first; the proxy's own pages are not journaled
    assert re.findall(r'<a href="/_/requests/(\d+)#violations"', requests) == ["5", "4", "3"]
    assert re.findall(r'<td><a href="/_/requests/(\d+)">', only) == ["5", "4", "3"]
    assert "update_sms_setting" in violations and "/name" in violations and "/password" in violations
    assert "<td>request</td><td>body</td><td>2</td>" in violations.replace("\n    ", "")  # /name, /password
    assert 'id="request-violations"' in detail and "/name" in detail  # request 3's own violations
    assert 'id="hints"' in violations and "valid-request-refused" in violations


def test_a_violation_at_a_secret_field_masks_its_value_everywhere(findings):
    done, answers, report = findings
    written = done.stdout + done.stderr + json.dumps(report) + "".join(a[2] for a in answers[5:9])
    assert AUTH_KEY not in written and PASSWORD not in written
    assert "/password" in written  # the place is said, not the value


def test_the_violations_header_is_on_answers_with_violations_only_and_bounded(findings):
    _, answers, _ = findings
    header = [a[1].get("x-mockserver-violations") for a in answers[:5]]
    assert header[0] is None and header[1] is None  # a hint is not a violation
    assert header[2].startswith("4 violations: request body at /name; request body at /password;")
    assert all(len(h) <= 1024 for h in header if h)
    assert header[4] and "response status" in header[4]


def test_hints_are_said_once_per_operation_where_spec_and_provider_disagree(findings):
    done, _, report = findings
    hints = [
        line for line in done.stdout.splitlines() if line.endswith("(likely a spec, and so a fake, error)")
    ]
    kinds = {(h["operation"], h["kind"]) for h in report["hints"]}
    assert kinds == {
        ("get_sms_setting", "undocumented-member"),
        ("update_sms_setting", "invalid-request-accepted"),
        ("update_sms_setting", "valid-request-refused"),
        ("get_sms_setting", "undocumented-status"),
    }
    assert len(hints) == 4  # the second GET of `extra` said nothing new
    assert any("/data/region" in h for h in hints)


def test_an_xml_answer_drifting_from_the_spec_is_named_by_its_xml_path_and_the_token_is_masked(
    twosms_standin, tmp_path
):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    calls = [
        ["POST", "/Token", "grant_type=client_credentials&client_id=c&client_secret=Xml-Client-Secret", form],
        ["GET", "/api/v1/sms/templates/6a1f3c2e-8d4b-4e5f-9a7c-1b2d3e4f5a6b", None,
         {"Authorization": f"Bearer {TOKEN}", "Accept": "application/xml"}],
        ["GET", "/_/requests/2", None, {}],
    ]  # fmt: skip
    done, answers = run_proxy("twosms", twosms_standin, calls, tmp_path, "--junit", "j.xml")
    assert done.returncode == 1, done.stdout + done.stderr
    assert answers[1][2].startswith("<ResponseOfTemplate>")  # passed through as the stand-in sent it
    line = next(x for x in done.stdout.splitlines() if "(get_template) response answer-body" in x)
    assert "/ResponseData/Detail/Type" in line or "Type" in line, line
    written = done.stdout + done.stderr + (tmp_path / "j.xml").read_text() + answers[2][2]
    assert TOKEN not in written and "Xml-Client-Secret" not in written
    assert 'id="request-violations"' in answers[2][2] and "answer-body" in answers[2][2]
