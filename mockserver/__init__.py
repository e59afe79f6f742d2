"""sms-mockserver: a stateful fake of SMS provider HTTP APIs, driven by their OpenAPI specs.

from mockserver import MockServer
with MockServer() as server:
    ...  # point your app at server.url_for("jframework")
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from mockserver.version import __version__

# Connexion imports starlette.testclient, which warns about httpx on every start-up; not ours to fix.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")


__all__ = ["FixtureError", "MockApp", "MockServer", "__version__", "create_app"]

if TYPE_CHECKING:
    from mockserver.app import MockApp, create_app
    from mockserver.errors import FixtureError
    from mockserver.server import MockServer


def __getattr__(name: str) -> Any:
    # Lazy, so `mockserver --version` and the pytest plugin's import stay cheap.
    if name in ("MockApp", "create_app"):
        from mockserver import app

        return getattr(app, name)
    if name == "MockServer":
        from mockserver.server import MockServer

        return MockServer
    if name == "FixtureError":
        from mockserver.errors import FixtureError

        return FixtureError
    raise AttributeError(name)
