"""Unknown XML attributes are read like unknown elements: ignored with a client warning, as
XmlSerializer ignores them (T17), and refused under --strict (they were once silently dropped)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver import MockServer

CLIENT = {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}
REPLY = "<MessageResponse{attrs}><MessageID>11111111-1111-4111-8111-111111111111</MessageID><From>+15550100018</From><Response>ok</Response></MessageResponse>"


@pytest.fixture(scope="module", params=[False, True], ids=["default", "strict"])
def live(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    with MockServer(strict=request.param) as server:
        yield server


@pytest.fixture
def twosms(live: MockServer) -> Iterator[httpx.Client]:
    live.reset()
    token = httpx.post(f"{live.url_for('twosms')}/Token", data=CLIENT).json()["access_token"]
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/xml",
        "Accept": "application/xml",
    }
    with httpx.Client(base_url=live.url_for("twosms"), headers=headers) as client:
        yield client


@pytest.mark.parametrize("attrs", [' Extra="1"', f' Big="{"x" * 900_000}"'], ids=["unknown", "900-kb"])
def test_an_unknown_attribute_is_ignored_with_a_warning_or_refused_under_strict(live, twosms, attrs):
    answer = twosms.post("/api/v1/sms/messages/replies", content=REPLY.format(attrs=attrs).encode())
    if live.app.settings.strict:
        assert answer.status_code == 400 and "<ErrorCode>INVALID_REQUEST</ErrorCode>" in answer.text
        assert live.journal.warnings() == []
        return
    assert answer.status_code == 200, answer.text[:300]
    (warning,) = live.journal.warnings()
    assert " unknown-member /MessageResponse/" in warning


def test_xsi_attributes_and_namespace_declarations_are_not_members(live, twosms):
    attrs = ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MessageResponse"'
    answer = twosms.post("/api/v1/sms/messages/replies", content=REPLY.format(attrs=attrs).encode())
    assert answer.status_code == 200, answer.text
    assert live.journal.warnings() == []
