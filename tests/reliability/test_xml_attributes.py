"""Unknown XML attributes are refused like unknown elements (they were silently dropped)."""

from __future__ import annotations

import httpx
import pytest

from mockserver import MockServer

CLIENT = {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}
REPLY = "<MessageResponse{attrs}><MessageID>11111111-1111-4111-8111-111111111111</MessageID><From>+15550100018</From><Response>ok</Response></MessageResponse>"


@pytest.fixture(scope="module")
def twosms():
    with MockServer() as live:
        token = httpx.post(f"{live.twosms_url}/Token", data=CLIENT).json()["access_token"]
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/xml",
            "Accept": "application/xml",
        }
        with httpx.Client(base_url=live.twosms_url, headers=headers) as client:
            yield client


@pytest.mark.parametrize("attrs", [' Extra="1"', f' Big="{"x" * 900_000}"'], ids=["unknown", "900-kb"])
def test_an_unknown_attribute_is_a_400_in_the_envelope(twosms, attrs):
    answer = twosms.post("/api/v1/sms/messages/replies", content=REPLY.format(attrs=attrs).encode())
    assert answer.status_code == 400 and "<ErrorCode>" in answer.text


def test_xsi_attributes_and_namespace_declarations_are_not_members(twosms):
    attrs = ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MessageResponse"'
    answer = twosms.post("/api/v1/sms/messages/replies", content=REPLY.format(attrs=attrs).encode())
    assert answer.status_code == 200, answer.text
