"""`mockserver serve` over HTTPS, for apps that refuse plain HTTP (a self-signed certificate)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import sys

import httpx
import pytest


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_serve_answers_over_https_with_the_certificate_given(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    command = [sys.executable, "-m", "mockserver", "serve", "--port", "0"]
    server = subprocess.Popen(
        [*command, "--ssl-certfile", str(cert), "--ssl-keyfile", str(key)], stdout=subprocess.PIPE, text=True
    )
    try:
        banner = server.stdout.readline()
        url = banner.rsplit(" ", 1)[-1].strip()
        assert url.startswith("https://127.0.0.1:"), banner
        answer = httpx.get(
            f"{url}/jframework/api/v1/app-integrations/sms",
            headers={"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"},
            verify=ssl.create_default_context(cafile=str(cert)),
            timeout=10,
        )
        assert answer.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_certificate_without_its_key_is_refused_before_serving(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--ssl-certfile", str(tmp_path / "c.pem")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "both --ssl-certfile and --ssl-keyfile" in done.stderr
