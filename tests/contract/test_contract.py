"""Schemathesis against the fake, in-process: every operation, JSON and XML, single calls and
sequences, with every default check on. `make contract` runs the same with more examples."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.config import SchemathesisConfig

from mockserver import (
    contract_hooks,  # noqa: F401  (registers the XML deserializer and hooks)
    create_app,
)

MAX_EXAMPLES = int(os.environ.get("MOCKSERVER_CONTRACT_EXAMPLES", "8"))
SEED = int(os.environ.get("MOCKSERVER_CONTRACT_SEED", "20261123"))


def _app_with_a_token():
    """The fake with a 2SMS bearer token in its baseline, so every reset keeps it valid."""
    app = create_app(allowed_hosts=["testserver"])  # the host name Schemathesis' ASGI client sends
    token = app.handlers["twosms"].model.issue_token("client_credentials", "demo-client", "demo-secret").token
    app.world.mark_baseline()
    return app, token


APP, TOKEN = _app_with_a_token()
AUTH = {
    "BrandUrl": {"api_key": "demo.example.com"},
    "AuthKey": {"api_key": "demo-admin-key"},
    "Bearer": {"bearer": TOKEN},
}


# 402 (not enough credits) is a documented answer to a perfectly valid send (T8), so valid data
# may meet it; the check stays on with the provider's full list of acceptable answers.
POSITIVE_STATUSES = ["2xx", "3xx", "401", "402", "403", "404", "409", "429", "5xx"]


def load(path: str, *schemes: str) -> schemathesis.BaseSchema:
    auth = {"openapi": {name: AUTH[name] for name in schemes}} if schemes else {}
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES},
            "auth": auth,
            "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_STATUSES}},
        }
    )
    return schemathesis.openapi.from_asgi(path, APP, config=config)


JFRAMEWORK = load("/jframework/openapi.json", "BrandUrl", "AuthKey")
TWOSMS = load("/twosms/openapi.json", "Bearer")
ADMIN = load("/__admin/openapi.json")
ACCEPTS = ["application/json", "application/xml"]


def produces(case) -> set[str]:
    return {
        media
        for response in case.operation.definition.raw["responses"].values()
        for media in response.get("content", {})
    }


@JFRAMEWORK.parametrize()
def test_jframework(case):
    APP.world.reset()
    case.call_and_validate()


@pytest.mark.parametrize("accept", ACCEPTS)
@TWOSMS.parametrize()
def test_twosms(case, accept):
    if accept not in produces(case):
        pytest.skip(f"{case.operation.label} answers only {sorted(produces(case))}")
    APP.world.reset()
    case.call_and_validate(headers={"Accept": accept})


# Known gap, not filtered silently: the fixture document's format lives in fixtures/schema.json
# (JSON Schema draft 7), which admin.yaml (OpenAPI 3.0) cannot reference, so the spec says only
# "an object" and Schemathesis cannot tell a valid fixture from an invalid one. Until the format
# is expressed in the spec, POST /fixtures is checked by tests/api/test_admin_api.py instead.
@ADMIN.exclude(operation_id="load_fixtures").parametrize()
def test_admin(case):
    APP.world.reset()
    if _valid_wait((case.query or {}).get("wait")):
        case.query["wait"] = 0.01  # valid stays valid, just brief: a long poll finds nothing here
    case.call_and_validate()


def _valid_wait(value: object) -> bool:
    try:
        return not isinstance(value, bool) and 0 < float(value) <= 60  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _stateful(schema):
    class Workflow(schema.as_state_machine()):
        def setup(self):
            APP.world.reset()

    Workflow.TestCase.settings = settings(
        max_examples=MAX_EXAMPLES * 2, stateful_step_count=5, deadline=None, derandomize=True
    )
    return Workflow.TestCase


TestJFrameworkWorkflows = _stateful(JFRAMEWORK)
TestTwoSmsWorkflows = _stateful(TWOSMS)
