"""A provider that is not bundled, installed the way a user installs one (examples/acme-sms into a
fresh virtual environment, found through its entry point), runs every step of
docs/adding-a-provider.md, and gets everything the bundled providers get, with no edit in mockserver/.
"""

from __future__ import annotations

import queue
import re
import shlex
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.test_admin_api import AdminClient

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "acme-sms"
DOC = ROOT / "docs" / "adding-a-provider.md"
DOC_URL = "http://127.0.0.1:8080"
AUTH = ("AC-demo", "demo-acme-token")
KEY = {"key": "demo-project-key"}


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment that sees this one's packages (sms-mockserver and its
    dependencies) and gets the example installed as the doc says (`pip install ./examples/acme-sms`)."""
    assert "pip install ./examples/acme-sms" in doc_blocks("sh")[0]
    where = tmp_path_factory.mktemp("acme") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=120)
    site = next(where.glob("lib/python*/site-packages"))
    ours = sysconfig.get_paths()["purelib"]
    (site / "sms_mockserver_env.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    subprocess.run(
        [str(where / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", str(EXAMPLE)],
        check=True,
        timeout=300,
        cwd=ROOT,
    )
    return where / "bin" / "python"


def mockserver(python: Path, *arguments: str, **options) -> subprocess.CompletedProcess[str]:
    options.setdefault("cwd", ROOT)
    return subprocess.run(
        [str(python), "-m", "mockserver", *arguments], capture_output=True, text=True, **options
    )


@pytest.fixture(scope="module")
def served(venv: Path) -> Iterator[tuple[str, str]]:
    """`mockserver serve` as the doc runs it (on a free port); yields (base URL, banner)."""
    serve_line = next(
        line for line in doc_blocks("sh")[0].splitlines() if line.startswith("mockserver serve")
    )
    command = [str(venv), "-m", "mockserver", *shlex.split(serve_line)[1:], "--port", "0"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in server.stdout], daemon=True).start()
    banner: list[str] = []
    try:
        while not banner or not banner[-1].startswith("Press Ctrl-C"):
            try:
                banner.append(lines.get(timeout=30).rstrip("\n"))
            except queue.Empty:
                raise AssertionError("no banner:\n" + "\n".join(banner)) from None
        url = banner[0].rsplit(" ", 1)[-1]
        yield url, "\n".join(banner)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def acme(served: tuple[str, str]) -> Iterator[httpx.Client]:
    url, _ = served
    httpx.post(f"{url}/__admin/reset", json={}).raise_for_status()
    with httpx.Client(base_url=f"{url}/acme", auth=AUTH, params=KEY, timeout=10) as client:
        yield client


def test_nothing_in_mockserver_names_the_example():
    named = [p for p in (ROOT / "mockserver").rglob("*") if p.is_file() and b"acme" in p.read_bytes().lower()]
    assert named == []


def test_it_is_found_through_its_entry_point_and_served_with_banner_and_docs(served, acme):
    url, banner = served
    assert f"acme        {url}/acme   docs: {url}/acme/ui/" in banner
    assert "HTTP Basic AC-demo / demo-acme-token  ?key=demo-project-key  (1000 credits)" in banner
    assert httpx.get(f"{url}/acme/ui/").status_code == 200
    assert httpx.get(f"{url}/acme/openapi.json").json()["info"]["title"] == "Acme SMS"


def test_the_doc_examples_work_against_it(served, acme):
    url, _ = served
    calls = [block for block in doc_blocks("sh") if block.startswith("curl")]
    assert len(calls) == 3
    outputs = [
        subprocess.run(
            ["bash", "-e", "-c", block.replace(DOC_URL, url)], capture_output=True, text=True, check=True
        )
        for block in calls
    ]
    sent = httpx.Response(200, content=outputs[0].stdout).json()
    assert sent["status"] == "delivered" and sent["segments"] == 1
    assert '"credits":999' in outputs[1].stdout
    outbox, journal = outputs[2].stdout.splitlines()
    assert sent["id"] in outbox
    assert "demo-acme-token" not in journal and '"provider":"acme"' in journal


def test_its_stateful_rule_holds_and_a_refused_send_changes_nothing(served, acme):
    url, _ = served
    poor = {
        "acme": {
            "accounts": [
                {"sid": "AC-poor", "authToken": "poor-token", "credits": 1, "projectKeys": ["poor-key-1"]}
            ]
        }
    }
    assert httpx.post(f"{url}/__admin/fixtures", json=poor, params={"baseline": "false"}).status_code == 200
    client = httpx.Client(
        base_url=f"{url}/acme", auth=("AC-poor", "poor-token"), params={"key": "poor-key-1"}
    )
    refused = client.post("/v1/messages", json={"to": "+15550100002", "from": "Acme", "text": "x" * 161})
    assert refused.status_code == 402
    assert refused.json() == {
        "error": {"code": "insufficient_credits", "message": "Sending needs 2 credits; 1 left."}
    }
    assert client.get("/v1/balance").json() == {"account": "AC-poor", "credits": 1}
    assert httpx.get(f"{url}/__admin/outbox", params={"provider": "acme"}).json() == {"messages": []}


def test_its_auth_and_errors_are_in_its_own_envelope(served, acme):
    url, _ = served
    assert acme.get("/v1/balance", auth=("AC-demo", "wrong")).status_code == 401
    missing_key = httpx.get(f"{url}/acme/v1/balance", auth=AUTH)
    assert missing_key.status_code == 401 and set(missing_key.json()["error"]) == {"code", "message"}
    bad_body = acme.post("/v1/messages", json={"to": "555", "from": "Acme", "text": "hi"})
    assert bad_body.status_code == 400 and bad_body.json()["error"]["code"] == "invalid_request"
    assert acme.get("/v1/messages/nope").json()["error"]["code"] == "not_found"


def test_faults_snapshots_reset_and_tenants_work_on_it(served, acme):
    url, _ = served
    admin = AdminClient(base_url=f"{url}/__admin", timeout=10)
    fault = {"provider": "acme", "status": 503, "times": 1}
    assert admin.post("/faults", json=fault).status_code == 201
    unavailable = acme.get("/v1/balance")
    assert unavailable.status_code == 503 and unavailable.json()["error"]["code"] == "unavailable"
    assert acme.get("/v1/balance").json()["credits"] == 1000

    assert admin.put("/snapshots/before").status_code == 200
    acme.post("/v1/messages", json={"to": "+15550100003", "from": "Acme", "text": "one"})
    assert acme.get("/v1/balance").json()["credits"] == 999
    assert admin.post("/snapshots/before/restore").status_code == 200
    assert acme.get("/v1/balance").json()["credits"] == 1000

    tenant = admin.post("/tenants").json()
    mine = tenant["acme"]
    own = httpx.Client(base_url=f"{url}/acme", auth=(mine["accountSid"], mine["authToken"]))
    sent = own.post(
        "/v1/messages",
        params={"key": mine["projectKey"]},
        json={"to": "+15550100004", "from": "T", "text": "t"},
    )
    assert sent.status_code == 201
    theirs = admin.get("/outbox", params={"tenant": tenant["id"]}).json()["messages"]
    assert [m["messageId"] for m in theirs] == [sent.json()["id"]]
    assert acme.get(f"/v1/messages/{sent.json()['id']}").status_code == 404  # not the demo account's
    assert own.get("/v1/balance", params=KEY).status_code == 403  # someone else's project key

    admin.post("/reset")
    assert admin.get("/outbox", params={"provider": "acme"}).json() == {"messages": []}


def test_its_fixture_sections_are_validated(venv, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("acme:\n  accounts:\n    - {sid: AC-x, authToken: long-enough, credits: -1}\n")
    checked = mockserver(venv, "fixtures", "check", str(bad), timeout=60)
    assert checked.returncode == 1
    assert "/acme/accounts/0/credits" in checked.stderr
    schema = mockserver(venv, "fixtures", "schema", timeout=60)
    assert '"acme"' in schema.stdout


def test_the_contract_command_passes_against_it(served, venv, tmp_path):
    url, _ = served
    command = shlex.split(doc_blocks("sh")[-1].replace("\\\n", " ").replace(DOC_URL, url))
    assert command[:2] == ["mockserver", "contract"]
    checked = mockserver(venv, *command[1:], "--max-examples", "10", timeout=600, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]
    assert "POST /v1/messages" in checked.stdout
