"""Acknowledged means durable: `mockserver serve --state FILE` killed with SIGKILL in the middle of
concurrent writes, restarted on the same file, has every write it answered 2xx, none it refused, and
its invariants intact.

A write in flight when the server died (sent, never answered) may or may not have landed: the client
cannot know, and neither outcome is a fault.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

JFW = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}
SETTINGS = "/jframework/api/v1/app-integrations/sms"
SEND = "/twosms/api/v2/sms/messages"
ROUNDS = 400
"""At most this many writes per writer; the server is killed long before."""
DEADLINE_S = 60


@dataclass
class Writer:
    """One client thread: what the server acknowledged, refused, or left unanswered."""

    name: str
    acked: list[Any] = field(default_factory=list)
    refused: list[Any] = field(default_factory=list)
    in_flight: list[Any] = field(default_factory=list)


def serve(path: Path) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--state", str(path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    banner = process.stdout.readline()  # type: ignore[union-attr]
    assert "listening on" in banner, banner
    return process, banner.rsplit(" ", 1)[-1].strip()


@contextmanager
def running(path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process, url = serve(path)
    try:
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def token(url: str, client: str, secret: str) -> str:
    data = {"grant_type": "client_credentials", "client_id": client, "client_secret": secret}
    return httpx.post(f"{url}/twosms/Token", data=data, timeout=10).json()["access_token"]


def write_until_killed(
    writer: Writer, attempt: Callable[[httpx.Client, int], tuple[Any, bool]], url: str
) -> None:
    """Write rounds in order until the server stops answering; attempt(i) -> (what, acknowledged)."""
    deadline = time.monotonic() + DEADLINE_S
    with httpx.Client(base_url=url, timeout=10) as client:
        for i in range(ROUNDS):
            if time.monotonic() > deadline:
                return
            try:
                what, acknowledged = attempt(client, i)
            except httpx.TransportError:
                writer.in_flight.append(i)
                return
            (writer.acked if acknowledged else writer.refused).append(what)


def test_a_server_killed_mid_write_restarts_with_every_acknowledged_write_and_nothing_refused(tmp_path):
    path = tmp_path / "world.db"
    creates, updates, sends, poor = (Writer(n) for n in ("creates", "updates", "sends", "poor"))
    with running(path) as (process, url):
        demo, other = token(url, "demo-client", "demo-secret"), token(url, "other-client", "other-secret")

        def create(client: httpx.Client, i: int) -> tuple[Any, bool]:
            valid = i % 4 != 3  # every fourth one is invalid: refused, so it must never appear
            body = {"appIntegrationId": "vonage", "name": f"kill-{i}", "username": "u", "password": "p",
                    "phoneNumber": "+15005550007" if valid else "555", "isDefault": i % 3 == 0}  # fmt: skip
            response = client.post(SETTINGS, json=body, headers=JFW)
            return f"kill-{i}", response.status_code == 201

        def update(client: httpx.Client, i: int) -> tuple[Any, bool]:
            body = {"appIntegrationId": "twilio", "name": "Main Twilio", "username": "AC0", "password": "p",
                    "phoneNumber": "+15005550006", "description": f"v{i}", "isDefault": i % 5 == 0}  # fmt: skip
            response = client.put(f"{SETTINGS}/demoSmsSetting0001", json=body, headers=JFW)
            return i, response.status_code == 200

        def sender(bearer: str, prefix: str) -> Callable[[httpx.Client, int], tuple[Any, bool]]:
            def send(client: httpx.Client, i: int) -> tuple[Any, bool]:
                body = {"Type": 1, "Content": f"{prefix}-{i}", "Options": {"Sender": "Kill"},
                        "Contacts": {"QuickRecipients": {"+15550100099": 2}}}  # fmt: skip
                response = client.post(SEND, json=body, headers={"Authorization": f"Bearer {bearer}"})
                if response.status_code == 200:
                    return response.json()["ResponseData"]["Detail"]["MessageID"], True
                return f"{prefix}-{i}", False

            return send

        threads = [
            threading.Thread(target=write_until_killed, args=(w, a, url))
            for w, a in [
                (creates, create),
                (updates, update),
                (sends, sender(demo, "demo")),
                (poor, sender(other, "poor")),
            ]
        ]
        for thread in threads:
            thread.start()
        # Kill once every writer has had writes acknowledged (and the poor account ran dry), while all
        # are still writing: polled on what the writers saw, not on time.
        deadline = time.monotonic() + DEADLINE_S
        while (
            time.monotonic() < deadline
            and all(t.is_alive() for t in threads)
            and not (
                len(creates.acked) >= 20
                and len(updates.acked) >= 20
                and len(sends.acked) >= 20
                and poor.refused
            )
        ):
            time.sleep(0.005)
        killed_while_writing = all(t.is_alive() for t in threads)
        os.kill(process.pid, signal.SIGKILL)
        for thread in threads:
            thread.join(timeout=DEADLINE_S)
    assert killed_while_writing, "a writer stopped before the kill"
    assert len(creates.acked) >= 20 and len(sends.acked) >= 20 and poor.refused, (
        "the writers did not get going"
    )

    with running(path) as (_, url):
        state = httpx.get(f"{url}/__admin/state", timeout=10).json()
        outbox = httpx.get(f"{url}/__admin/outbox", timeout=10).json()

    settings = state["jframework.sms"]
    names = {s["name"] for s in settings}
    assert set(creates.acked) <= names
    assert not names & set(creates.refused)
    demo_setting = next(s for s in settings if s["id"] == "demoSmsSetting0001")
    last = max(updates.acked)
    assert demo_setting["description"] in {f"v{last}", *(f"v{i}" for i in updates.in_flight)}

    messages = state["twosms.messages"]
    ids = [m["id"] for m in messages]
    assert len(ids) == len(set(ids)), "message ids are unique"
    assert set(sends.acked) <= set(ids) and set(poor.acked) <= set(ids)
    contents = {m["content"] for m in messages}
    assert not contents & set(poor.refused), "a send refused for want of credits left no message"

    # Invariants: at most one default per brand (a PUT may clear it), credits never negative and
    # matching what was spent.
    defaults = Counter(s["brand"] for s in settings if s["is_default"])
    assert all(count == 1 for count in defaults.values())
    accounts = {a["name"]: a for a in state["twosms.accounts"]}
    assert all(a["credits"] >= 0 for a in accounts.values())
    spent = Counter(
        m["content"].split("-")[0] for m in messages if m["content"].startswith(("demo-", "poor-"))
    )
    assert accounts["Demo Account"]["credits"] == 1000 - spent["demo"]
    assert accounts["Other Account"]["credits"] == 10 - spent["poor"]
    delivered = Counter(
        m["text"].split("-")[0] for m in outbox["messages"] if m["text"].startswith(("demo-", "poor-"))
    )
    assert delivered == spent, "every stored send was delivered to the outbox, and nothing else"
