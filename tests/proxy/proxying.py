"""Running `mockserver proxy` as a user types it, around a small client that makes the calls a test
asks for and saves what it got (pages of the proxy included), and `mockserver serve` on a port.

A call is `[method, path, body, headers]`: a str body is sent as it is, anything else as JSON; a
header value's `{token}` is the access token the last `/Token` call answered."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

CLIENT = """
import json, os, sys, httpx
base = os.environ["MOCKSERVER_PROXY_URL"]
answers, token = [], "none"
client = httpx.Client(trust_env=False, timeout=30)  # the app reaches the proxy directly
for method, path, body, headers in json.loads(sys.argv[1]):
    headers = {k: v.replace("{token}", token) for k, v in headers.items()}
    if isinstance(body, str):
        answer = client.request(method, base + path, content=body, headers=headers)
    else:
        answer = client.request(method, base + path, json=body, headers=headers)
    answers.append([answer.status_code, dict(answer.headers), answer.text])
    if path == "/Token" and answer.status_code == 200:
        token = answer.json()["access_token"]
print("ANSWERS " + json.dumps(answers))
"""


def run_proxy(
    provider: str, target: str, calls: list, tmp_path: Path, *options: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], list]:
    """The proxy's run (stdout without the client's line) and, per call, [status, headers, text]."""
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    command = [sys.executable, "-m", "mockserver", "proxy", "--provider", provider, "--target", target,
               "--port", "0", *options, "--", sys.executable, str(script), json.dumps(calls)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
                          env={**os.environ, **(env or {})})  # fmt: skip
    lines = done.stdout.splitlines()
    answers = next((x for x in lines if x.startswith("ANSWERS ")), "ANSWERS []")
    done.stdout = "\n".join(x for x in lines if not x.startswith("ANSWERS "))
    return done, json.loads(answers.removeprefix("ANSWERS "))


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mockserver", *args], capture_output=True, text=True,
                          timeout=120, check=False, cwd=cwd)  # fmt: skip


@contextlib.contextmanager
def serving_cli(*args: str) -> Iterator[str]:
    """`mockserver serve --port 0 ARGS` until the block ends; yields its base URL."""
    process = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    lines: list[str] = []
    try:
        while not lines or "Press Ctrl-C" not in lines[-1]:
            line = process.stdout.readline()  # type: ignore[union-attr]
            assert line, f"serve exited: {lines}"
            lines.append(line)
        yield lines[0].split(" listening on ")[1].strip()
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
