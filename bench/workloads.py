"""The requests the benchmark sends: one definition drives wrk (as Lua) and the workload test.

Every body has a `{n}` slot that each request fills with a new number, so each PUT really changes
the setting or message it targets (and the fake cannot answer from a cache).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

JFRAMEWORK_SETTING = "demoSmsSetting0001"
DEMO_MESSAGE = "dbcc0ec5-7543-4a9d-932c-ab0623551910"
JFRAMEWORK_AUTH = {"Brand-URL": "demo.example.com", "Auth-Key": "demo-admin-key"}
TWOSMS_CLIENT = {
    "grant_type": "client_credentials",
    "client_id": "demo-client",
    "client_secret": "demo-secret",
}


@dataclass(frozen=True)
class Workload:
    """One kind of request; `body` holds `{n}` where the request number goes."""

    name: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    status: int = 200
    """What every answer must be; any other status fails the run."""
    target: tuple[str, str] = ("", "")
    """The state row (table, id in `/__admin/state`) the request is about."""
    changes: str | None = None
    """The row's field that each request rewrites; None: the row must stay as it was."""

    def body_for(self, n: int) -> str:
        return self.body.replace("{n}", str(n))

    def lua(self) -> str:
        """A wrk script: request n carries n in its body; `done` prints a JSON summary line."""
        head, _, tail = self.body.partition("{n}")
        headers = "\n".join(f"wrk.headers[{_lua(k)}] = {_lua(v)}" for k, v in self.headers.items())
        return _LUA_TEMPLATE.format(
            method=_lua(self.method),
            path=_lua(self.path),
            headers=headers,
            head=_lua(head),
            tail=_lua(tail),
            templated="true" if "{n}" in self.body else "false",
        )


def _lua(text: str) -> str:
    """A Lua string literal (JSON escapes are valid Lua escapes for what we send)."""
    return json.dumps(text)


# `wrk.format` per request is what lets each body differ; `done` runs once, after all threads.
_LUA_TEMPLATE = """
wrk.method = {method}
wrk.path = {path}
{headers}
local head, tail, templated = {head}, {tail}, {templated}
local counter = 0
local fixed = wrk.format(nil, nil, nil, head .. tail)

function request()
  if not templated then return fixed end
  counter = counter + 1
  return wrk.format(nil, nil, nil, head .. tostring(counter) .. tail)
end

function done(summary, latency, requests)
  io.write(string.format(
    '{{"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p99_us": %d}}\\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""

_JSON = {"Content-Type": "application/json"}


def jframework_put() -> Workload:
    body = {
        "appIntegrationId": "twilio",
        "name": "Bench {n}",
        "username": "AC00000000000000000000000000000000",
        "password": "token-{n}",
        "phoneNumber": "+15005550006",
        "description": "The main sender",
        "status": "Active",
        "isDefault": True,
    }
    return Workload(
        "JFramework PUT",
        "PUT",
        f"/jframework/api/v1/app-integrations/sms/{JFRAMEWORK_SETTING}",
        {**JFRAMEWORK_AUTH, **_JSON},
        json.dumps(body),
        target=("jframework.sms", JFRAMEWORK_SETTING),
        changes="name",
    )


def jframework_get() -> Workload:
    return Workload(
        "JFramework GET",
        "GET",
        f"/jframework/api/v1/app-integrations/sms/{JFRAMEWORK_SETTING}",
        dict(JFRAMEWORK_AUTH),
        target=("jframework.sms", JFRAMEWORK_SETTING),
    )


def jframework_list() -> Workload:
    return Workload(
        "JFramework list",
        "GET",
        "/jframework/api/v1/app-integrations/sms",
        dict(JFRAMEWORK_AUTH),
        target=("jframework.sms", JFRAMEWORK_SETTING),
    )


def jframework_invalid_put() -> Workload:
    """Two problems (empty name, short phone number): the 400 path, state unchanged."""
    body = json.dumps({"name": "", "phoneNumber": "555", "description": "attempt {n}"})
    return Workload(
        "JFramework PUT invalid (400)",
        "PUT",
        f"/jframework/api/v1/app-integrations/sms/{JFRAMEWORK_SETTING}",
        {**JFRAMEWORK_AUTH, **_JSON},
        body,
        status=400,
        target=("jframework.sms", JFRAMEWORK_SETTING),
    )


_TWOSMS_UPDATE = {
    "messageId": "{id}",
    "DateReceived": "2026-01-01T09:00:00Z",
    "DateToSend": "2026-01-01T09:00:00Z",
    "DateSent": "2026-01-01T09:00:00Z",
    "Sender": "Demo Clinic",
    "DateModified": "2026-01-01T09:00:00Z",
    "Content": "Your results are ready (update {n}).",
    "ExpiryDate": "2099-06-30T00:00:00Z",
    "NoOfReads": 3,
    "AdditionalContactID": 0,
    "AuthenticationMethod": 0,
}

_TWOSMS_UPDATE_XML = """<MessageDetails xmlns:xsd="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <ID>{id}</ID>
  <DateReceived>2026-01-01T09:00:00Z</DateReceived>
  <DateToSend>2026-01-01T09:00:00Z</DateToSend>
  <DateSent>2026-01-01T09:00:00Z</DateSent>
  <Sender>Demo Clinic</Sender>
  <DateModified>2026-01-01T09:00:00Z</DateModified>
  <Content>Your results are ready (update {n}).</Content>
  <ExpiryDate>2099-06-30T00:00:00Z</ExpiryDate>
  <NoOfReads>3</NoOfReads>
  <AdditionalContactID>0</AdditionalContactID>
  <AuthenticationMethod>ANONYMOUS</AuthenticationMethod>
</MessageDetails>"""


def twosms_put_json(token: str, message_id: str = DEMO_MESSAGE) -> Workload:
    return Workload(
        "2SMS PUT JSON",
        "PUT",
        f"/twosms/api/v1/sms/messages/{message_id}",
        {"Authorization": f"Bearer {token}", **_JSON},
        json.dumps(_TWOSMS_UPDATE).replace("{id}", message_id),
        target=("twosms.messages", message_id),
        changes="content",
    )


def twosms_put_xml(token: str, message_id: str = DEMO_MESSAGE) -> Workload:
    return Workload(
        "2SMS PUT XML",
        "PUT",
        f"/twosms/api/v1/sms/messages/{message_id}",
        {"Authorization": f"Bearer {token}", "Content-Type": "application/xml", "Accept": "application/xml"},
        _TWOSMS_UPDATE_XML.replace("{id}", message_id),
        target=("twosms.messages", message_id),
        changes="content",
    )


def twosms_send(token: str, contacts: dict[str, dict[str, int]], name: str, target: str) -> Workload:
    """A standard send; `target` is the account it charges (its credits change every time)."""
    body = {"Type": 1, "Content": "Shift change {n}", "Options": {}, "Contacts": contacts}
    return Workload(
        name,
        "POST",
        "/twosms/api/v2/sms/messages",
        {"Authorization": f"Bearer {token}", **_JSON},
        json.dumps(body),
        target=("twosms.accounts", target),
        changes="credits",
    )


def all_workloads(token: str) -> list[Workload]:
    """The table's rows, in order."""
    return [
        jframework_put(),
        jframework_get(),
        twosms_put_json(token),
        twosms_put_xml(token),
        jframework_invalid_put(),
    ]
