"""Without Chromium, the README's test command says what to install, and the browser tests are
skipped saying so (failed where CI requires the browser), never an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NO_BROWSER = {"MOCKSERVER_CHROMIUM": "/nonexistent/chromium", "PATH": "/usr/sbin:/sbin"}  # no chromium here


def make_browser(apt_get: str) -> subprocess.CompletedProcess:
    """`make browser` where no Chromium is found, `apt_get` standing in for apt-get."""
    return subprocess.run(
        ["make", "-s", "browser", "CHROMIUM=no-such-browser", f"APT_GET={apt_get}"],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "MOCKSERVER_CHROMIUM": ""},
    )  # fmt: skip


def test_make_browser_installs_chromium_with_apt_get_when_it_is_missing():
    """`APT_GET=echo` shows the commands the target runs as root, without installing anything."""
    done = make_browser("echo")
    assert done.returncode == 0
    if os.getuid() == 0:
        assert done.stdout.split("\n")[:2] == ["update -q", "install -y -q chromium"]


def test_make_browser_says_what_to_install_when_it_cannot():
    done = make_browser("false")
    assert done.returncode == 0
    assert done.stdout.strip() == (
        "The browser tests need Debian's Chromium: run 'sudo apt-get install chromium' (until then they are skipped)."
    )


def _browser_tests(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "MOCKSERVER_REQUIRE_BROWSER"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-rs", "tests/web/test_browser.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**clean, **NO_BROWSER, **env},
    )  # fmt: skip


def test_without_chromium_the_browser_tests_are_skipped_naming_what_to_install():
    done = _browser_tests()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "skipped" in done.stdout and "error" not in done.stdout.lower().split("short test summary")[0]
    assert "The browser tests need Debian's Chromium: run 'sudo apt-get install chromium'" in done.stdout


def test_where_ci_requires_the_browser_its_absence_fails_the_run():
    done = _browser_tests(MOCKSERVER_REQUIRE_BROWSER="1")
    assert done.returncode == 1
    assert "The browser tests need Debian's Chromium" in done.stdout
