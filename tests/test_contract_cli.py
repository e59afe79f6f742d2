"""`mockserver contract` against live servers: it catches a drifting server and passes the fake."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver import MockServer
from tests.standin import serving


def contract(*args: str, timeout: int = 600, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command, in a folder of its own (it keeps its report in the working folder)."""
    command = [sys.executable, "-m", "mockserver", "contract", "--max-examples", "5", *args]
    folder = cwd or Path(tempfile.mkdtemp(prefix="contract-cli-"))
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, cwd=folder)


@pytest.fixture(scope="module")
def drifting_server() -> Iterator[str]:
    from tests.drift_server import app

    with serving(app) as url:
        yield url


def test_contract_fails_a_drifting_server_and_names_the_drift(drifting_server, tmp_path):
    junit = tmp_path / "report.xml"
    result = contract(
        "--provider", "jframework", "--base-url", drifting_server,
        "--brand-url", "demo.example.com", "--auth-key", "demo-admin-key", "--junit", str(junit),
    )  # fmt: skip
    assert result.returncode != 0
    table = result.stdout[result.stdout.rindex("operation ") :]
    catalogue = next(line for line in table.splitlines() if line.startswith("GET /api/v1/app-integrations "))
    assert "ST108 Response violates schema" in catalogue  # statusCode as a string
    settings = next(
        line for line in table.splitlines() if line.startswith("GET /api/v1/app-integrations/sms ")
    )
    assert "ST103 Undocumented status code" in settings  # 418
    one = next(
        line for line in table.splitlines() if line.startswith("GET /api/v1/app-integrations/sms/{id}")
    )
    assert "ST105 Undocumented Content-Type" in one  # problem+json
    assert "<failure" in junit.read_text()


@pytest.fixture(scope="module")
def fake() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


def test_contract_passes_the_fake_on_a_live_port(fake, tmp_path):
    junit = tmp_path / "jframework.xml"
    result = contract(
        "--provider", "jframework", "--base-url", fake.url_for("jframework"),
        "--brand-url", "demo.example.com", "--auth-key", "demo-admin-key", "--junit", str(junit),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "PUT /api/v1/app-integrations/sms/{id}" in result.stdout
    assert Path(junit).exists() and "<failure" not in junit.read_text()
    # The report is kept where the user ran it, and named; the warnings these specs draw are explained.
    report = tmp_path / "mockserver-contract-report" / "report.json"
    assert (
        report.exists()
        and "Schemathesis' JSON report: mockserver-contract-report/report.json" in result.stdout
    )
    assert "missing_test_data: operations whose path ids" in result.stdout


def test_contract_passes_the_fake_2sms_with_credentials_from_the_environment(fake, tmp_path):
    env_result = subprocess.run(
        [sys.executable, "-m", "mockserver", "contract", "--provider", "twosms", "--base-url", fake.url_for("twosms"),
         "--max-examples", "5", "--no-stateful", "--operation", "update_message", "--operation", "get_account"],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
        env={**__import__("os").environ, "MOCKSERVER_CLIENT_ID": "demo-client", "MOCKSERVER_CLIENT_SECRET": "demo-secret"},
    )  # fmt: skip
    assert env_result.returncode == 0, env_result.stdout[-3000:] + env_result.stderr[-2000:]
    assert "PUT /api/v1/sms/messages/{messageID}" in env_result.stdout
    assert "GET /api/v1/admin/accounts" in env_result.stdout
    assert "POST /api/v2/sms/messages" not in env_result.stdout  # only the operations asked for


@pytest.mark.parametrize(
    ("provider", "credentials"),
    [
        ("jframework", ["--brand-url", "demo.example.com", "--auth-key", "k"]),
        ("twosms", ["--client-id", "c", "--client-secret", "s"]),  # its token request fails first
    ],
)
def test_contract_with_nothing_listening_says_so_at_once(provider, credentials, tmp_path):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{free.getsockname()[1]}"  # closed again: nothing listens there
    started = time.monotonic()
    result = contract("--provider", provider, "--base-url", url, *credentials, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        == f"cannot reach {url}: nothing answers there (is the server running? is --base-url right?)"
    )
    assert time.monotonic() - started < 10  # was 12 s and 411 errored cases


def test_contract_says_which_credentials_are_missing():
    result = contract("--provider", "twosms", "--base-url", "http://127.0.0.1:9")
    assert result.returncode != 0
    assert "--client-id" in result.stderr


def test_an_operation_the_spec_lacks_is_a_usage_error():
    result = contract(
        "--provider", "jframework", "--base-url", "http://127.0.0.1:9", "--brand-url", "b", "--auth-key", "k",
        "--operation", "list_sms_settings", "--operation", "no_such_operation",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == "jframework.yaml has no operation no_such_operation"
