"""Shared fixtures: one live fake per session on a real loopback port, reset before each test."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from mockserver import MockServer
from tests.mirror import assert_file_mirrors_memory

ADMIN = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}
VIEWER = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-viewer-key"}
OTHER_ADMIN = {"Brand-URL": "other.example.com", "Auth-Key": "other-admin-key"}


@pytest.fixture(scope="session", params=["memory", "state-file"])
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MockServer]:
    """The API and contract tests run against both stores: in memory, and kept in a state file."""
    state = tmp_path_factory.mktemp("state") / "world.db" if request.param == "state-file" else None
    with MockServer(seed=7, state=state) as server:
        yield server


@pytest.fixture
def server(live_server: MockServer) -> Iterator[MockServer]:
    live_server.reset()
    yield live_server
    if live_server.app.world.state_file is not None:
        assert_file_mirrors_memory(live_server.app.world)


@pytest.fixture
def jfw(server: MockServer) -> Iterator[httpx.Client]:
    """A client of the JFramework API, authenticated as the demo brand's admin."""
    with httpx.Client(base_url=server.url_for("jframework"), headers=ADMIN, timeout=10) as client:
        yield client


@pytest.fixture
def state(server: MockServer):
    """Call to get the store's current contents, to prove a failed request changed nothing."""
    return server.app.world.store.snapshot


TWOSMS_DEMO = {"client_id": "demo-client", "client_secret": "demo-secret"}
TWOSMS_OTHER = {"client_id": "other-client", "client_secret": "other-secret"}


def twosms_token(server: MockServer, credentials: dict[str, str] = TWOSMS_DEMO) -> str:
    response = httpx.post(
        f"{server.url}/twosms/Token", data={"grant_type": "client_credentials", **credentials}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@contextlib.contextmanager
def twosms_client(server: MockServer) -> Iterator[httpx.Client]:
    """A client of the 2SMS API with a bearer token of the demo account."""
    headers = {"Authorization": f"Bearer {twosms_token(server)}"}
    with httpx.Client(base_url=server.url_for("twosms"), headers=headers, timeout=10) as client:
        yield client


@pytest.fixture
def twosms(server: MockServer) -> Iterator[httpx.Client]:
    """A client of the 2SMS API with a bearer token of the demo account."""
    with twosms_client(server) as client:
        yield client
