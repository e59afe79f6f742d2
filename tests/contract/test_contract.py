"""Schemathesis against the fake, in-process: every operation, JSON and XML, single calls and
sequences, with every default check on, against both stores (in memory, and a state file). The
state-file fake also runs `--strict`, so the documented contract is checked with nothing forgiven
(negative data the default fake forgives, and says so, is not a failure: see contract_hooks).
`make contract` runs the same with more examples."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.config import SchemathesisConfig

from mockserver import (
    contract_hooks,  # noqa: F401  (registers the XML deserializer and hooks)
    create_app,
)
from tests.mirror import assert_file_mirrors_memory

MAX_EXAMPLES = int(os.environ.get("MOCKSERVER_CONTRACT_EXAMPLES", "8"))
SEED = int(os.environ.get("MOCKSERVER_CONTRACT_SEED", "20261123"))


def _app_with_a_token(state: Path | None = None, *, strict: bool = False):
    """The fake with a 2SMS bearer token in its baseline, so every reset keeps it valid (the same
    token in both stores: secrets are seeded here)."""
    app = create_app(  # "testserver": the host name Schemathesis' ASGI client sends
        allowed_hosts=["testserver"], deterministic_secrets=True, state=state, strict=strict
    )
    token = (
        app.world.handlers["twosms"]
        .model.issue_token("client_credentials", "demo-client", "demo-secret")
        .token
    )
    app.world.mark_baseline()
    return app, token


def _state_file_app():
    directory = tempfile.mkdtemp(prefix="contract-state-")
    app, token = _app_with_a_token(Path(directory) / "world.db", strict=True)
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    atexit.register(app.world.close)
    assert token == TOKEN
    return app


APP, TOKEN = _app_with_a_token()
APPS = {"memory": APP, "state-file-strict": _state_file_app()}
AUTH = {
    "BrandUrl": {"api_key": "demo.example.com"},
    "AuthKey": {"api_key": "demo-admin-key"},
    "Bearer": {"bearer": TOKEN},
}


# 402 (not enough credits) is a documented answer to a perfectly valid send (T8), so valid data
# may meet it; the check stays on with the provider's full list of acceptable answers.
POSITIVE_STATUSES = ["2xx", "3xx", "401", "402", "403", "404", "409", "429", "5xx"]


def load(path: str, *schemes: str, app=None) -> schemathesis.BaseSchema:
    auth = {"openapi": {name: AUTH[name] for name in schemes}} if schemes else {}
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES},
            "auth": auth,
            "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_STATUSES}},
        }
    )
    return schemathesis.openapi.from_asgi(path, app or APP, config=config)


JFRAMEWORK = load("/jframework/openapi.json", "BrandUrl", "AuthKey")
TWOSMS = load("/twosms/openapi.json", "Bearer")
ADMIN = load("/__admin/openapi.json")


def produces(case) -> set[str]:
    return {
        media
        for response in case.operation.definition.raw["responses"].values()
        for media in response.get("content", {})
    }


@pytest.fixture(scope="module", params=list(APPS))
def app(request: pytest.FixtureRequest):
    """Each operation is checked against both stores."""
    return APPS[request.param]


def check(case, app, **options) -> None:
    """One example from the baseline; with a state file, the file holds what memory holds after it."""
    app.world.reset()
    case.call_and_validate(app=app, **options)
    if app.world.state_file is not None:
        assert_file_mirrors_memory(app.world)


@JFRAMEWORK.parametrize()
def test_jframework(case, app):
    check(case, app)


@TWOSMS.parametrize()
def test_twosms(case, app):
    check(case, app, headers={"Accept": "application/json"})


# The store and the answer's format are independent: XML answers are checked against the in-memory
# store, the state file with JSON ones (their product doubled the suite's longest part).
@TWOSMS.parametrize()
def test_twosms_in_xml(case):
    if "application/xml" not in produces(case):
        pytest.skip(f"{case.operation.label} answers only {sorted(produces(case))}")
    check(case, APP, headers={"Accept": "application/xml"})


# Known gap, not filtered silently: the fixture document's format lives in fixtures/schema.json
# (JSON Schema draft 7), which admin.yaml (OpenAPI 3.0) cannot reference, so the spec says only
# "an object" and Schemathesis cannot tell a valid fixture from an invalid one. Until the format
# is expressed in the spec, POST /fixtures is checked by tests/api/test_admin_api.py instead.
@ADMIN.exclude(operation_id="load_fixtures").parametrize()
def test_admin(case, app):
    if _valid_wait((case.query or {}).get("wait")):
        case.query["wait"] = 0.01  # valid stays valid, just brief: a long poll finds nothing here
    check(case, app)


def _valid_wait(value: object) -> bool:
    try:
        return not isinstance(value, bool) and 0 < float(value) <= 60  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _stateful(schema, app):
    class Workflow(schema.as_state_machine()):
        def setup(self):
            app.world.reset()

        def teardown(self):
            if app.world.state_file is not None:
                assert_file_mirrors_memory(app.world)

    Workflow.TestCase.settings = settings(
        max_examples=MAX_EXAMPLES * 2, stateful_step_count=5, deadline=None, derandomize=True
    )
    return Workflow.TestCase


TestJFrameworkWorkflows = _stateful(JFRAMEWORK, APP)
TestTwoSmsWorkflows = _stateful(TWOSMS, APP)
STATE_FILE_APP = APPS["state-file-strict"]
TestJFrameworkWorkflowsStateFile = _stateful(
    load("/jframework/openapi.json", "BrandUrl", "AuthKey", app=STATE_FILE_APP), STATE_FILE_APP
)
TestTwoSmsWorkflowsStateFile = _stateful(
    load("/twosms/openapi.json", "Bearer", app=STATE_FILE_APP), STATE_FILE_APP
)
