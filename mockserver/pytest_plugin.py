"""pytest fixtures: a live fake per test session (per xdist worker), back to baseline per test.

def test_otp_is_sent(mockserver):
    my_app.send_otp(base_url=mockserver.url_for("twosms"), to="+15550100016")
    assert mockserver.outbox.wait_for(to="+15550100016").otp() == "123456"
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.client import Tenant
from mockserver.fixtures import read_document
from mockserver.server import MockServer
from mockserver.settings import ENGINES

MARKER = "mockserver_fixtures"
STRICT_MARKER = "mockserver_strict"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockserver", "sms-mockserver")
    group.addoption(
        "--mockserver-fixtures",
        action="append",
        metavar="FILE",
        help="fixture file the session's fake starts from instead of the demo world ('default' names "
        "it); repeat to add more",
    )
    group.addoption(
        "--mockserver-strict",
        action="store_true",
        help="the session's fake forgives nothing the real servers forgive: such a request is a 400 "
        "in the provider's format, not a client warning",
    )
    group.addoption(
        "--mockserver-engine",
        choices=ENGINES,
        default="auto",
        help="who serves the session fake's specs: the compiled engine, Connexion 3 itself, or "
        "compiled where its allow-list allows and Connexion elsewhere (auto)",
    )
    parser.addini(
        "mockserver_fixtures",
        type="linelist",
        default=[],
        help="fixture files the session's fake starts from (relative to the rootdir)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*paths): load these fixture files (relative to the test file) on top of the "
        "baseline for this test only",
    )
    config.addinivalue_line(
        "markers",
        f"{STRICT_MARKER}: fail the test at teardown if its requests drew client warnings (input the "
        "real server would forgive silently)",
    )


def _session_fixtures(config: pytest.Config) -> list[str] | None:
    given = config.getoption("mockserver_fixtures")
    if given:
        return given
    configured = config.getini("mockserver_fixtures")
    if configured:
        return [entry if entry == "default" else str(config.rootpath / entry) for entry in configured]
    return None


@pytest.fixture(scope="session")
def mockserver_session(pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """One live fake for the session (each xdist worker is its own session, so has its own)."""
    strict = bool(pytestconfig.getoption("mockserver_strict"))
    engine = pytestconfig.getoption("mockserver_engine")
    with MockServer(_session_fixtures(pytestconfig), strict=strict, engine=engine) as server:
        yield server


@pytest.fixture
def mockserver(mockserver_session: MockServer, request: pytest.FixtureRequest) -> Iterator[MockServer]:
    """The session's fake, restored to its baseline (state, outbox, journal, faults, clock). A test
    marked `mockserver_strict` fails at teardown if its requests drew client warnings."""
    mockserver_session.reset()
    paths = [Path(p) for marker in request.node.iter_markers(MARKER) for p in marker.args]
    if paths:
        here = request.path.parent
        mockserver_session.app.world.load([read_document(p if p.is_absolute() else here / p) for p in paths])
    yield mockserver_session
    if request.node.get_closest_marker(STRICT_MARKER) is not None:
        mockserver_session.assert_no_warnings()


@pytest.fixture
def mockserver_tenant(mockserver_session: MockServer) -> Tenant:
    """Fresh, isolated credentials on the session's fake: for tests that share one server and
    must not see each other (no reset, so parallel tests keep their state)."""
    return mockserver_session.new_tenant()
