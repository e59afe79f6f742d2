"""The built wheel (not the checkout) carries the specs and fixtures and serves from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
        check=True,
        timeout=300,
    )
    [built] = out.glob("sms_mockserver-*.whl")
    return built


def test_wheel_contains_specs_fixtures_and_the_console_script(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for bundled in (
        "mockserver/_data/openapi/jframework.yaml",
        "mockserver/_data/fixtures/default.yaml",
        "mockserver/_data/fixtures/schema.json",
    ):
        assert bundled in names
    [entry_points] = [n for n in names if n.endswith("entry_points.txt")]
    assert "mockserver = mockserver.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_serves_the_demo_world_from_another_directory(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import mockserver; print(mockserver.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip().startswith(str(site)), "the test must exercise the wheel, not the checkout"
    server = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0"],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = server.stdout.readline()
        assert "listening on http://127.0.0.1:" in banner, banner + server.stderr.read()
        url = banner.rsplit(" ", 1)[-1].strip()
        response = httpx.get(
            f"{url}/jframework/api/v1/app-integrations/sms/demoSmsSetting0001",
            headers={"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"},
            timeout=10,
        )
        assert response.status_code == 200
        assert response.json()["data"]["name"] == "Main Twilio"
    finally:
        server.terminate()
        server.wait(timeout=10)
