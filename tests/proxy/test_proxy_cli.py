"""`mockserver proxy` as a user types it, against loopback stand-ins for the provider: the fake
itself (conforming), a drifting one, a slow, a redirecting and an oversize answer (issue 27, first
part: items 1, 2, 3 and 5 of it)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver import MockServer
from mockserver.providers.jframework.model import SETTINGS
from tests.conftest import ADMIN
from tests.standin import serving

SECRET_KEY = "demo-admin-key"
SECRET_PASSWORD = "Pr0xy-Secret-Password"
CLIENT = """
import json, os, sys, httpx
base = os.environ["MOCKSERVER_PROXY_URL"]
auth = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}
answers = []
for method, path, body, extra in json.loads(sys.argv[1]):
    answer = httpx.request(method, base + path, json=body, headers={**auth, **extra}, timeout=30)
    answers.append([answer.status_code, answer.headers.get("content-type", ""), answer.text])
print("ANSWERS " + json.dumps(answers))
"""


@pytest.fixture(scope="module")
def standin() -> Iterator[str]:
    from tests.proxy.standins import app

    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def fake() -> Iterator[MockServer]:
    with MockServer() as live:
        yield live


def proxy(
    target: str, calls: list, tmp_path: Path, *options: str
) -> tuple[subprocess.CompletedProcess[str], list]:
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    command = [sys.executable, "-m", "mockserver", "proxy", "--provider", "jframework", "--target", target,
               "--port", "0", *options, "--", sys.executable, str(script), json.dumps(calls)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    line = next((x for x in done.stdout.splitlines() if x.startswith("ANSWERS ")), "ANSWERS []")
    return done, json.loads(line.removeprefix("ANSWERS "))


GET = ["GET", "/api/v1/app-integrations/sms/demoSmsSetting0001", None, {}]
PUT = {"appIntegrationId": "twilio", "name": "Main", "username": "AC1", "password": SECRET_PASSWORD,
       "phoneNumber": "+15005550006"}  # fmt: skip


def test_a_conforming_provider_passes_byte_for_byte_and_exits_0(fake, tmp_path):
    setting = "/api/v1/app-integrations/sms/demoSmsSetting0001"
    done, answers = proxy(fake.url_for("jframework"), [GET, ["PUT", setting, PUT, {}], GET], tmp_path,
                          "--junit", "j.xml", "--report-json", "r.json")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert [a[0] for a in answers] == [200, 200, 200]
    stored = fake.app.world.store.snapshot()[SETTINGS]  # the PUT went through to the fake
    assert stored["demoSmsSetting0001"].name == "Main"
    direct = httpx.get(fake.url_for("jframework") + GET[1], headers=ADMIN)
    assert answers[2][2] == direct.text and answers[2][1] == direct.headers["content-type"]
    assert (
        "get_sms_setting | 2 | 200 x2 | none" in done.stdout
        and "never called: list_app_integrations" in done.stdout
    )
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["operations"]["update_sms_setting"]["calls"] == 1
    assert 'failures="0"' in (tmp_path / "j.xml").read_text()


def test_a_drifting_provider_and_a_bad_request_are_violations_and_exit_1(standin, tmp_path):
    calls = [["GET", "/api/v1/app-integrations/sms/x1", None, {"X-Echo": SECRET_PASSWORD}],
             ["GET", f"/api/v1/nowhere/{SECRET_KEY}", None, {}],  # its violation line names the path
             ["PUT", "/api/v1/app-integrations/sms/x1", {**PUT, "name": ""}, {}]]  # fmt: skip
    done, answers = proxy(standin, calls, tmp_path, "--junit", "j.xml", "--report-json", "r.json")
    assert done.returncode == 1, done.stdout + done.stderr
    assert [a[0] for a in answers] == [200, 404, 200]  # report mode: the provider's answers, as sent
    assert "(get_sms_setting) response answer-body" in done.stdout
    assert "(update_sms_setting) request body at" in done.stdout and "/name: must not be empty" in done.stdout
    printed = "\n".join(
        x for x in done.stdout.splitlines() if not x.startswith("ANSWERS ")
    )  # not the client's
    written = printed + done.stderr + (tmp_path / "j.xml").read_text() + (tmp_path / "r.json").read_text()
    assert SECRET_PASSWORD not in written and SECRET_KEY not in written  # the answer echoed the password
    assert "<secret-" in written
    only_requests, _ = proxy(standin, calls[:1], tmp_path, "--fail-on", "request")
    assert only_requests.returncode == 0  # the drift is in the answer only


def test_enforce_answers_an_invalid_request_with_the_providers_400_and_never_forwards_it(fake, tmp_path):
    fake.reset()
    before = fake.app.world.store.snapshot()
    bad = ["PUT", "/api/v1/app-integrations/sms/demoSmsSetting0001", {**PUT, "name": ""}, {}]
    done, [answer] = proxy(fake.url_for("jframework"), [bad], tmp_path, "--mode", "enforce")
    assert done.returncode == 1
    status, content_type, text = answer
    body = json.loads(text)
    assert status == 400 and content_type.startswith("application/json")
    assert body["success"] is False and body["errors"][0]["code"] == "InvalidInput"  # JFramework's envelope
    assert fake.app.world.store.snapshot() == before
    assert fake.journal.entries() == []  # the fake never heard of it


def test_slow_redirecting_and_oversize_answers(standin, tmp_path):
    calls = [["GET", "/api/v1/app-integrations/sms/slow", None, {}],
             ["GET", "/api/v1/app-integrations/sms/redirect", None, {}],
             ["GET", "/api/v1/app-integrations/sms/huge", None, {}]]  # fmt: skip
    done, answers = proxy(standin, calls, tmp_path, "--timeout", "0.5", "--max-answer-mib", "0.01")
    statuses = [a[0] for a in answers]
    assert statuses == [504, 302, 502], done.stdout + done.stderr
    assert (
        json.loads(answers[0][2])["errors"][0]["code"] == "GatewayTimeout"
        or "did not answer" in answers[0][2]
    )
    assert "over 10,485 bytes" in answers[2][2]
    assert "302" in done.stdout  # passed back, never followed; and undocumented, so said


def test_absolute_and_authority_form_targets_are_refused(fake, tmp_path):
    """A forward proxy's request forms (`GET http://host/`, `CONNECT host:443`) are refused by the
    HTTP layer: this proxy forwards to its one target only."""
    script = tmp_path / "raw.py"
    script.write_text(
        "import os, socket, urllib.parse\n"
        "u = urllib.parse.urlsplit(os.environ['MOCKSERVER_PROXY_URL'])\n"
        "for line in (b'GET http://example.com/ HTTP/1.1', b'CONNECT example.com:443 HTTP/1.1'):\n"
        "    s = socket.create_connection((u.hostname, u.port))\n"
        "    s.sendall(line + b'\\r\\nHost: example.com\\r\\n\\r\\n')\n"
        "    print('STATUS', s.recv(65536).split(b' ')[1].decode())\n"
    )
    command = [sys.executable, "-m", "mockserver", "proxy", "--provider", "jframework", "--target",
               fake.url_for("jframework"), "--port", "0", "--", sys.executable, str(script)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert [x.split()[1] for x in done.stdout.splitlines() if x.startswith("STATUS")] == ["400", "400"]


def test_a_target_that_is_not_a_url_is_a_usage_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "proxy", "--provider", "jframework", "--target", "example.com"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "--target must be an http:// or https:// URL" in done.stderr
