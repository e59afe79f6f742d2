"""A live fake on a real loopback port, in a background thread (tests, notebooks, scripts)."""

from __future__ import annotations

import logging
import socket
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from mockserver.app import MockApp, create_app
from mockserver.client import Clock, Controls, Faults, Journal, Outbox, Tenant
from mockserver.http_limits import protocol_with
from mockserver.settings import Limits, Settings
from mockserver.state.masking import mask_target


class ReadyServer(uvicorn.Server):
    """uvicorn's server that signals when it is ready to answer."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; with port 0 the OS picks a free one (see `getsockname()`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def uvicorn_config(app: Any, limits: Limits | None = None, **overrides: Any) -> uvicorn.Config:
    """The one place where the server settings `mockserver serve` uses are decided."""
    limits = limits or Limits()
    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "lifespan": "off",
        "http": protocol_with(limits),
        "limit_concurrency": limits.max_connections,
    }
    options.update(overrides)
    config = uvicorn.Config(app, **options)  # configures uvicorn's loggers: the filter goes after
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, MaskedAccessLog) for f in access.filters):
        access.addFilter(MaskedAccessLog())
    return config


class MaskedAccessLog(logging.Filter):
    """uvicorn's access log line with the query string masked as the journal masks it: its
    arguments are (client, method, path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], mask_target(args[2]), *args[3:])
        return True


class MockServer:
    """The fake on a port of 127.0.0.1 (a free one by default), reserved when it is made, so its
    URL is known before it starts; stop it with `stop()` or a `with` block.

    Give `settings`, or its fields as keywords (`seed=7`, `strict=True`, `limits=Limits(...)`: see
    `mockserver.settings`)."""

    def __init__(
        self,
        fixtures: list[str | Path] | None = None,
        *,
        settings: Settings | None = None,
        **options: Any,
    ) -> None:
        if settings is None:
            settings = Settings.of(fixtures, **options)
        elif fixtures is not None or options:
            raise TypeError("give either settings or fixtures and keyword options, not both")
        self._socket: socket.socket | None = bind(settings.host, settings.port)
        try:
            settings = settings.with_address(settings.host, self._socket.getsockname()[1])
            self.app: MockApp = create_app(settings=settings)
        except BaseException:
            self._socket.close()
            raise
        self.settings = settings
        self.admin_token = settings.admin_token
        self.host, self.port = settings.host, settings.port
        self._server: ReadyServer | None = None
        self._thread: threading.Thread | None = None
        self._controls: Controls | None = None

    @property
    def url(self) -> str:
        return self.settings.public_url

    def url_for(self, provider: str) -> str:
        """The base URL of a registered provider; KeyError for a name the fake does not serve."""
        providers = self.app.world.providers
        if provider not in providers:
            raise KeyError(f"no provider named {provider!r}; serving {', '.join(providers)}")
        return f"{self.url}{self.app.paths[provider]}"

    def start(self, timeout: float = 10.0) -> MockServer:
        sock, self._socket = self._socket, None
        if sock is None:
            raise RuntimeError("a MockServer starts once; make a new one to serve again")
        self._server = ReadyServer(uvicorn_config(self.app, self.settings.limits))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="mockserver", daemon=True
        )
        self._thread.start()
        if not self._server.ready.wait(timeout):
            self.stop()
            raise RuntimeError(f"the fake did not start within {timeout} s")
        return self

    def stop(self) -> None:
        if self._controls is not None:
            self._controls.admin.close()
            self._controls = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None
        if self._socket is not None:  # made, never started
            self._socket.close()
            self._socket = None
        self.app.world.close()  # releases a state file: a new MockServer may open it

    def reset(self) -> None:
        """Back to the baseline: state, outbox, journal, faults and clock."""
        self.app.world.reset()

    @property
    def controls(self) -> Controls:
        if self._controls is None:
            self._controls = Controls(self.url, token=self.admin_token)
        return self._controls

    @property
    def outbox(self) -> Outbox:
        return self.controls.outbox

    @property
    def journal(self) -> Journal:
        return self.controls.journal

    @property
    def faults(self) -> Faults:
        return self.controls.faults

    @property
    def clock(self) -> Clock:
        return self.controls.clock

    def assert_no_warnings(self) -> None:
        """Fail if a request since the last reset drew a client warning (see `Journal.assert_no_warnings`)."""
        self.journal.assert_no_warnings()

    def seed(self, document: str | Path | dict[str, Any], *, baseline: bool = False) -> None:
        self.controls.seed(document, baseline=baseline)

    def new_tenant(self) -> Tenant:
        return self.controls.new_tenant()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
