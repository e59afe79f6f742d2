"""The command line as a user meets it: a clean stop on Ctrl-C and SIGTERM, and every bad input one
sentence and exit 2, never a traceback (each run through the real `mockserver` process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

SERVE = [sys.executable, "-m", "mockserver", "serve", "--port", "0"]


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MOCKSERVER_STATE": "", **env},
    )


def started(*args: str) -> tuple[subprocess.Popen, str]:
    """A serving fake and its URL, read from the banner's first line."""
    process = subprocess.Popen(
        [*SERVE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "MOCKSERVER_STATE": ""},
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # blocks until the banner: no sleep, no polling
    assert "listening on" in first, first + process.stderr.read()
    url = first.split("listening on ", 1)[1].strip()
    assert httpx.get(f"{url}/__admin/health", timeout=10).status_code == 200
    return process, url


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_stops_the_server_with_one_line_and_exit_0(stop, tmp_path):
    state = tmp_path / "world.db"
    process, _ = started("--state", str(state))
    process.send_signal(stop)
    try:
        out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()  # never leave a server behind, whatever went wrong
        raise
    assert process.returncode == 0, err
    assert out.rstrip().splitlines()[-1] == "stopped"
    assert err == ""  # no traceback, and no server log lines either: one line says it stopped
    again, _ = started("--state", str(state))  # the file was released and closed cleanly
    again.send_signal(signal.SIGINT)
    assert again.wait(timeout=30) == 0


def _self_signed(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--port", "abc"], "'abc' is not a port: a number from 0 to 65535"),
        (["--port", "70000"], "'70000' is not a port"),
        (["--journal-limit", "-1"], "'-1' is not a count"),
        (["--header-timeout", "soon"], "'soon' is not a duration: a number of seconds"),
        (["--reset-state"], "--reset-state empties the --state file: give --state FILE too"),
        (
            ["--ssl-certfile", "missing.pem", "--ssl-keyfile", "missing.pem"],
            "--ssl-certfile missing.pem: no such file",
        ),
        (["--ssl-certfile", "x.pem"], "HTTPS needs both --ssl-certfile and --ssl-keyfile"),
    ],
)
def test_a_bad_option_is_one_sentence_and_exit_2(args, says):
    done = run("serve", *args)
    assert done.returncode == 2 and says in done.stderr
    assert "Traceback" not in done.stderr and "listening on" not in done.stdout


def test_a_state_folder_is_refused_naming_a_file_to_use(tmp_path):
    done = run("serve", "--port", "0", "--state", str(tmp_path))
    assert done.returncode == 2 and f"--state {tmp_path} is a folder: give a file in it" in done.stderr
    assert "Traceback" not in done.stderr


def test_files_that_are_not_a_certificate_and_key_are_refused_before_the_banner(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a certificate\n")
    done = run("serve", "--port", "0", "--ssl-certfile", str(notes), "--ssl-keyfile", str(notes))
    assert done.returncode == 2 and "are not a PEM certificate and its private key" in done.stderr
    assert "Traceback" not in done.stderr and "listening on" not in done.stdout
    cert, _ = _self_signed(tmp_path)
    other, other_key = (
        _self_signed(tmp_path / "other") if (tmp_path / "other").mkdir() is None else (None, None)
    )
    mismatched = run("serve", "--port", "0", "--ssl-certfile", str(cert), "--ssl-keyfile", str(other_key))
    assert mismatched.returncode == 2 and "not a PEM certificate and its private key" in mismatched.stderr
    assert other is not None


def test_contract_help_shows_defaults_and_explains_the_seed():
    done = run("contract", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "(default: 20)" in text and "the same seed, the same requests" in text


def test_the_banner_says_which_engine_serves_each_provider():
    process, url = started("--engine", "connexion")
    try:
        assert httpx.get(f"{url}/jframework/api/v1/app-integrations/sms", timeout=10).status_code == 401
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        out = process.stdout.read()  # the banner's lines after the first, then `stopped`
    finally:
        if process.poll() is None:
            process.kill()
    assert "engine: connexion (--engine connexion)\n" in out, out  # jframework
    # 2SMS's stack profile binds bodies: Connexion reads them itself, and the banner says so.
    assert (
        "engine: connexion (--engine connexion; bodies read as their schema says, not as ASP.NET Web API 2 binds them)"
        in out
    ), out
