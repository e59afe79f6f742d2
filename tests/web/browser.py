"""Where the browser tests find Chromium: Debian's package (Playwright cannot download browsers here)."""

from __future__ import annotations

import os
import shutil

CHROMIUM = os.environ.get("MOCKSERVER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
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
