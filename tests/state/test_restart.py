"""Over HTTP, as a user runs it: `MockServer(state=...)` stopped and started again on the same file
keeps the fake clock, a send scheduled for later and a token's expiry; `mockserver serve` takes the
file from MOCKSERVER_STATE and says in its banner where the state came from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from mockserver import MockServer

DEMO = {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}


def token(server: MockServer) -> str:
    return httpx.post(f"{server.url_for('twosms')}/Token", data=DEMO, timeout=10).json()["access_token"]


def credits(server: MockServer, bearer: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}"}
    return httpx.get(f"{server.url_for('twosms')}/api/v1/admin/accounts", headers=headers, timeout=10)


def test_the_clock_a_scheduled_send_and_a_tokens_expiry_survive_a_restart(tmp_path):
    path = tmp_path / "world.db"
    with MockServer(state=path) as server:
        server.clock.freeze("2026-06-01T09:00:00Z")
        bearer = token(server)
        body = {"Type": 1, "Content": "Tomorrow's reminder", "Options": {"DateToSend": "2026-06-02T09:00:00Z"},
                "Contacts": {"QuickRecipients": {"+15550109999": 2}}}  # fmt: skip
        sent = httpx.post(
            f"{server.url_for('twosms')}/api/v2/sms/messages",
            json=body,
            headers={"Authorization": f"Bearer {bearer}"},
            timeout=10,
        )
        assert sent.status_code == 200, sent.text
        assert server.outbox.messages() == []

    with MockServer(state=path) as server:
        assert server.clock.now() == "2026-06-01T09:00:00Z"  # still frozen where it was left
        assert credits(server, bearer).status_code == 200  # the token is still known and valid
        assert server.outbox.messages() == []  # not due yet
        server.clock.advance(24 * 3600)
        assert credits(server, bearer).status_code == 401  # 8-hour tokens: expired by now
        [sms] = server.outbox.messages()  # and the request let the fake deliver what was due
        assert sms.text == "Tomorrow's reminder"


def test_serve_takes_the_file_from_the_environment_and_says_where_the_state_came_from(tmp_path):
    path = tmp_path / "world.db"
    banners = []
    for _ in range(2):
        environment = {**os.environ, "MOCKSERVER_STATE": str(path)}
        process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment,
        )  # fmt: skip
        lines = []
        try:
            while not lines or "Press Ctrl-C" not in lines[-1]:  # the banner's last line
                line = process.stdout.readline()  # type: ignore[union-attr]
                assert line, f"serve exited: {lines}"
                lines.append(line)
        finally:
            process.terminate()  # a clean stop: the server writes its checkpoint and releases the file
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()  # never leave a server behind, whatever went wrong
                raise
        banners.append(next(line for line in lines if line.strip().startswith("state")))
    assert f"{path}, new: built from the fixtures" in banners[0]
    assert f"{path}, as the last run left it" in banners[1]
    assert Path(path).exists()
