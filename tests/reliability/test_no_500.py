"""Input never gets a 500 or a traceback: odd paths, odd flags, odd methods."""

from __future__ import annotations

import socket
import subprocess
import sys

import httpx
import pytest

from mockserver import MockServer

JFRAMEWORK_AUTH = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}


@pytest.fixture(scope="module")
def server():
    with MockServer() as live:
        yield live


@pytest.mark.parametrize(
    "path", ["/jframework/ui/nope.js", "/jframework/ui/%2e%2e/%2e%2e/etc/passwd", "/__admin/ui/x/y/z.css"]
)
def test_an_unknown_docs_asset_is_a_quiet_404(server, path):
    answer = httpx.get(server.url + path)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json" and "Traceback" not in answer.text


def test_head_on_a_get_operation_is_its_headers_without_the_body(server):
    url = f"{server.url_for('jframework')}/api/v1/app-integrations/sms/demoSmsSetting0001"
    got, head = httpx.get(url, headers=JFRAMEWORK_AUTH), httpx.head(url, headers=JFRAMEWORK_AUTH)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers["content-type"] == got.headers["content-type"]
    assert httpx.head(url).status_code == 401  # the same checks as GET


def serve(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mockserver", "serve", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["--port", "70000"], "is not a port"),
        (["--journal-limit", "-1"], "'-1' is not a count: a whole number, 0 or more"),
        (["--port", "x"], "'x' is not a port: a number from 0 to 65535"),  # not "invalid port value"
    ],
)
def test_flags_out_of_range_are_usage_errors_not_tracebacks(arguments, complaint):
    done = serve(*arguments)
    assert done.returncode == 2 and complaint in done.stderr and "Traceback" not in done.stderr


def test_a_port_in_use_says_how_to_get_a_free_one():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        done = serve("--port", str(holder.getsockname()[1]))
    assert done.returncode == 2 and "--port 0 picks a free port" in done.stderr
