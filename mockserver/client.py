"""Test-side helpers over the control plane (`/__admin`): outbox, journal, faults, clock, tenants.

They speak HTTP, so they work the same against an in-process `MockServer` and a shared server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from mockserver.state.outbox import LINK, OTP


@dataclass(frozen=True)
class Sms:
    """One SMS the fake delivered."""

    provider: str
    sender: str
    to: str
    text: str
    sent_at: str
    message_id: str | None = None
    contact_id: str | None = None
    tenant: str | None = None
    delivery: dict[str, Any] | None = None
    """Where it stood when fetched: `status` (queued, sent, delivered, failed, undeliverable),
    `reason`, `since`."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sms:
        return cls(
            data["provider"],
            data["from"],
            data["to"],
            data["text"],
            data["sentAt"],
            data.get("messageId"),
            data.get("contactId"),
            data.get("tenant"),
            data.get("delivery"),
        )

    def otp(self) -> str:
        """The first 4-8 digit code in the text; AssertionError if there is none."""
        match = OTP.search(self.text)
        assert match is not None, f"no numeric code in SMS to {self.to}: {self.text!r}"
        return match[1]

    def links(self) -> list[str]:
        return LINK.findall(self.text)


class Admin:
    """The raw control-plane client; each helper below is a thin view over it."""

    def __init__(self, url: str, timeout: float = 70.0, token: str | None = None) -> None:
        token = token or os.environ.get("MOCKSERVER_ADMIN_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=f"{url}/__admin", timeout=timeout, headers=headers)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        if method != "GET" and "json" not in kwargs and "content" not in kwargs:
            kwargs["json"] = {}  # the control plane wants every change to send JSON (or YAML)
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} /__admin{path} failed: {response.status_code} {response.text}")
        return response.json()

    def close(self) -> None:
        self.http.close()


@dataclass
class Outbox:
    admin: Admin
    tenant: str | None = None

    def messages(self, **filters: Any) -> list[Sms]:
        params = _params(filters, self.tenant)
        return [Sms.from_json(m) for m in self.admin.call("GET", "/outbox", params=params)["messages"]]

    def wait_for(self, *, timeout: float = 5.0, **filters: Any) -> Sms:
        """The first SMS matching `filters` (to=, contains=, provider=, sender=...), waiting on the
        server up to `timeout` seconds; on failure, says what the outbox did contain."""
        params = _params(filters, self.tenant)
        params["wait"] = min(timeout, 60.0)
        found = self.admin.call("GET", "/outbox", params=params)["messages"]
        if found:
            return Sms.from_json(found[0])
        everything = self.messages()
        listing = "\n".join(f"  to {m.to} from {m.sender!r}: {m.text!r}" for m in everything) or "  (nothing)"
        wanted = ", ".join(f"{k}={v!r}" for k, v in filters.items())
        raise AssertionError(f"no SMS with {wanted} within {timeout} s; the outbox holds:\n{listing}")

    def clear(self) -> None:
        self.admin.call("DELETE", "/outbox")

    def set_delivery(
        self,
        message_id: str,
        to: str,
        status: str,
        *,
        reason: str | None = None,
        after: str | float = 0,
        provider: str = "twosms",
    ) -> dict[str, Any]:
        """Decide how one SMS ends (delivered, failed or undeliverable), `after` seconds (or an
        ISO 8601 duration) after it went out; returns its delivery as it stands now."""
        body = {
            "provider": provider,
            "messageId": message_id,
            "to": to,
            "status": status,
            "after": str(after),
        }
        if reason is not None:
            body["reason"] = reason
        return self.admin.call("PUT", "/deliveries", json=body)


@dataclass
class Journal:
    admin: Admin
    tenant: str | None = None

    def entries(self, **filters: Any) -> list[dict[str, Any]]:
        return self.admin.call("GET", "/journal", params=_params(filters, self.tenant))["entries"]

    def warnings(self) -> list[str]:
        """Each client warning of the kept requests, oldest first, as one line:
        `PUT /twosms/... member-case /Content: ...`."""
        entries = self.entries(warned=True, limit=1000)
        return [
            f"{e['method']} {e['path']} {w['code']} {w['where']}: {w['message']}"
            for e in reversed(entries)
            for w in e["warnings"]
        ]

    def assert_no_warnings(self) -> None:
        """Fail (AssertionError) if a request drew a client warning: input the real server would
        forgive silently, almost certainly a bug in the client (see docs/decisions.md, T17)."""
        found = self.warnings()
        if found:
            raise AssertionError(
                f"{len(found)} client warning(s); the real server would forgive these silently:\n"
                + "\n".join(found)
            )

    def clear(self) -> None:
        self.admin.call("DELETE", "/journal")


@dataclass
class Faults:
    admin: Admin

    def add(self, **rule: Any) -> dict[str, Any]:
        """E.g. `add(provider="jframework", operationId="update_sms_setting", status=429, times=1)`."""
        return self.admin.call("POST", "/faults", json=rule)

    def list(self) -> list[dict[str, Any]]:
        return self.admin.call("GET", "/faults")["faults"]

    def clear(self) -> None:
        self.admin.call("DELETE", "/faults")


@dataclass
class Clock:
    admin: Admin

    def now(self) -> str:
        return self.admin.call("GET", "/clock")["now"]

    def freeze(self, at: str = "now") -> dict[str, Any]:
        return self.admin.call("POST", "/clock", json={"freeze": at})

    def advance(self, by: timedelta | float | str) -> dict[str, Any]:
        seconds = by.total_seconds() if isinstance(by, timedelta) else by
        return self.admin.call("POST", "/clock", json={"advance": str(seconds)})

    def unfreeze(self) -> dict[str, Any]:
        return self.admin.call("POST", "/clock", json={"unfreeze": True})


@dataclass
class Tenant:
    """Isolated credentials on a shared server, with an outbox and journal of their own.

    `tenant.credentials[name]` (or `tenant.<name>`) holds the provider's own fields, e.g.
    `tenant.jframework["authKey"]`, `tenant.twosms["clientSecret"]`."""

    id: str
    credentials: dict[str, dict[str, str]]
    outbox: Outbox = field(repr=False)
    journal: Journal = field(repr=False)

    def __getattr__(self, name: str) -> dict[str, str]:
        credentials = self.__dict__.get("credentials", {})
        if name in credentials:
            return credentials[name]
        raise AttributeError(name)


class Controls:
    """Everything a test does to the fake besides calling its APIs."""

    def __init__(self, url: str, token: str | None = None) -> None:
        """`token`: the fake's admin token, if it has one (default: MOCKSERVER_ADMIN_TOKEN)."""
        self.url = url
        self.admin = Admin(url, token=token)
        self.outbox = Outbox(self.admin)
        self.journal = Journal(self.admin)
        self.faults = Faults(self.admin)
        self.clock = Clock(self.admin)

    def reset(self) -> None:
        self.admin.call("POST", "/reset")

    def seed(self, document: str | Path | dict[str, Any], *, baseline: bool = False) -> None:
        """Load a fixture document (a path, YAML/JSON text, or a dict) on top of the current state."""
        params = {"baseline": str(baseline).lower()}
        if isinstance(document, dict):
            self.admin.call("POST", "/fixtures", json=document, params=params)
            return
        text = Path(document).read_text() if isinstance(document, Path) or _is_file(document) else document
        self.admin.call(
            "POST",
            "/fixtures",
            content=text.encode(),
            headers={"Content-Type": "application/yaml"},
            params=params,
        )

    def new_tenant(self) -> Tenant:
        data = self.admin.call("POST", "/tenants")
        tenant_id = data.pop("id")
        return Tenant(
            tenant_id,
            data,
            Outbox(self.admin, tenant_id),
            Journal(self.admin, tenant_id),
        )


def _params(filters: dict[str, Any], tenant: str | None) -> dict[str, Any]:
    names = {"sender": "from", "message_id": "messageId"}
    params = {names.get(k, k): v for k, v in filters.items() if v is not None}
    if tenant is not None:
        params["tenant"] = tenant
    return params


def _is_file(text: str) -> bool:
    return "\n" not in text and len(text) < 4096 and Path(text).is_file()
