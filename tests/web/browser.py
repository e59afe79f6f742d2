"""Where the browser tests find Chromium: Debian's package (Playwright cannot download browsers here)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from typing import Any

CHROMIUM = os.environ.get("MOCKSERVER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
MISSING = (
    "The browser tests need Debian's Chromium: run 'sudo apt-get install chromium' (`make test` "
    "installs it when run as root), or point MOCKSERVER_CHROMIUM at a Chromium."
)


def chromium_or_skip() -> str:
    """The Chromium to drive; without one, the test is skipped saying what to install (failed
    instead where MOCKSERVER_REQUIRE_BROWSER is set, as CI sets it)."""
    import pytest

    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    if os.environ.get("MOCKSERVER_REQUIRE_BROWSER"):
        pytest.fail(MISSING, pytrace=False)
    pytest.skip(MISSING)


# Headless, and no background traffic: the machines have no network but loopback.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium launched headless through Playwright (skipped without one, see above)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_or_skip()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield launched
        launched.close()
