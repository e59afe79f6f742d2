"""JFramework App Integration SMS: brands, auth keys, the provider catalogue and SMS settings.

Pure state and rules (decisions J2-J18 in docs/decisions.md); nothing here knows about HTTP.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urlsplit

from mockserver.errors import DomainError
from mockserver.state.clock import Clock
from mockserver.state.ids import IdGenerator
from mockserver.state.outbox import Outbox, OutboxMessage
from mockserver.state.store import Store, Transaction, evolve

PROVIDER = "jframework"
BRANDS, KEYS, CATALOGUE, SETTINGS, RATE = (
    f"{PROVIDER}.{t}" for t in ("brands", "keys", "catalogue", "sms", "rate")
)
INDEX_PREFIX = "index:"
"""Tables that only index others (not state of their own; the state dump leaves them out)."""
DEFAULTS = f"{INDEX_PREFIX}{PROVIDER}.defaults"
"""brand -> the id of its default setting."""

Role = Literal["admin", "viewer"]
Status = Literal["Active", "Inactive"]


# Domain errors: the envelope maps each to a status and an error code in one table.
class Unauthorized(DomainError):
    """Brand-URL or Auth-Key is missing, unknown, or the key is another brand's (J2)."""


class AccessDenied(DomainError):
    """The key's role may not do this (J3)."""


class SettingNotFound(DomainError):
    """No SMS setting with this id in the caller's brand (J9)."""


class AppIntegrationNotFound(DomainError):
    """No catalogue entry with this id (J7)."""


class AppIntegrationReferenceNotFound(AppIntegrationNotFound):
    """A create/update body names no catalogue entry: the setting's URL exists, its reference
    does not, so this is a conflict (409), not a missing resource (404) (found by Schemathesis)."""


class AppIntegrationUnsupported(DomainError):
    """The catalogue entry is not an SMS provider (J7)."""


class SettingLimitReached(DomainError):
    """The brand has MAX_SETTINGS_PER_BRAND settings already (the fake's cap; J21)."""


MAX_SETTINGS_PER_BRAND = 100
"""SMS settings one brand may have: the docs give no limit, so this is the fake's own cap (J21),
far past what an app configures and small enough that a brand's list stays a small answer."""


class InvalidField(DomainError):
    """A value the schema lets through but a rule refuses (J5)."""


class RateLimited(DomainError):
    """The key used up its configured requests for the current window (J15)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"The Auth-Key's rate limit is used up; retry in {retry_after} s.", field="header:Auth-Key"
        )
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Brand:
    host: str
    name: str


@dataclass(frozen=True, slots=True)
class RateLimit:
    requests: int
    per_seconds: int


@dataclass(frozen=True, slots=True)
class AuthKey:
    key: str
    brand: str
    role: Role
    rate_limit: RateLimit | None = None


@dataclass(frozen=True, slots=True)
class RateWindow:
    """Requests counted for one key in the fixed window starting at `start` (epoch seconds)."""

    start: int
    count: int


@dataclass(frozen=True, slots=True)
class Caller:
    brand: str
    role: Role


@dataclass(frozen=True, slots=True)
class AppIntegration:
    id: str
    type: str
    name: str
    domain: str
    status: Status
    description: str | None = None
    logo_url: str | None = None
    created: datetime | None = None
    credentials: tuple[tuple[str, str], ...] | None = None  # None: any credentials pass (J11)


@dataclass(frozen=True, slots=True)
class SmsSetting:
    id: str
    brand: str
    app_integration_id: str
    name: str
    username: str
    password: str
    phone_number: str
    description: str | None
    status: Status
    is_default: bool
    created: datetime


@dataclass(frozen=True, slots=True)
class SettingView:
    """A setting with its provider entry expanded, as every response shows it."""

    setting: SmsSetting
    integration: AppIntegration


@dataclass(frozen=True, slots=True)
class TestMessage:
    """The body of a test send (J11)."""

    __test__ = False  # not a pytest test class, despite the name the docs give it

    username: str
    password: str
    sender: str
    to: str
    text: str


@lru_cache(maxsize=1024)  # every request names its brand; parsing the URL each time showed up
def brand_host(brand_url: str) -> str:
    """J4: `https://Example.com/` and `example.com` name the same brand."""
    value = brand_url.strip()
    try:
        host = urlsplit(value if "://" in value else f"//{value}").hostname
    except ValueError:
        return ""
    return (host or "").lower()


_STATUS_FORMS = re.compile(r"^(?:(?P<number>[01]) - )?(?P<name>active|inactive)$", re.IGNORECASE)


def parse_status(value: object) -> Status:
    """J5: `Active`/`Inactive` in any case, `1 - Active`/`0 - Inactive`, or 1/0."""
    if value in (0, 1) and not isinstance(value, bool):
        return "Active" if value == 1 else "Inactive"
    match = _STATUS_FORMS.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidField(f"{value!r} is not an accepted status", field="/status")
    status: Status = "Active" if match["name"].lower() == "active" else "Inactive"
    if match["number"] is not None and match["number"] != ("1" if status == "Active" else "0"):
        raise InvalidField(f"{value!r} pairs a number with the other status", field="/status")
    return status


def brand_index(host: str) -> str:
    """The table of one brand's setting ids: a brand's list never reads another brand's settings."""
    return f"{INDEX_PREFIX}{SETTINGS}@{host}"


def save_setting(tx: Transaction, setting: SmsSetting) -> None:
    """Store a setting; a new default clears the brand's other default in the same transaction (J6).
    A setting never changes brand (fixtures refuse it), so its brand index entry is set once."""
    default_id = tx.get(DEFAULTS, setting.brand)
    if setting.is_default:
        if default_id is not None and default_id != setting.id:
            other = tx.get(SETTINGS, default_id)
            tx.put(SETTINGS, other.id, evolve(other, is_default=False))
        tx.put(DEFAULTS, setting.brand, setting.id)
    elif default_id == setting.id:
        tx.delete(DEFAULTS, setting.brand)
    tx.put(SETTINGS, setting.id, setting)
    tx.put(brand_index(setting.brand), setting.id, setting.id)


def delete_setting(tx: Transaction, setting: SmsSetting) -> None:
    tx.delete(SETTINGS, setting.id)
    tx.delete(brand_index(setting.brand), setting.id)
    if tx.get(DEFAULTS, setting.brand) == setting.id:
        tx.delete(DEFAULTS, setting.brand)


def brand_settings(tx: Transaction, host: str) -> list[SmsSetting]:
    return [tx.get(SETTINGS, setting_id) for setting_id in tx.rows(brand_index(host))]


class JFramework:
    """The JFramework backend: every operation runs in one store transaction."""

    def __init__(self, store: Store, clock: Clock, ids: IdGenerator, outbox: Outbox) -> None:
        self.store, self.clock, self.ids, self.outbox = store, clock, ids, outbox

    # -- authentication (J2, J3, J4) ------------------------------------------------------------
    def authenticate_brand(self, brand_url: str) -> str:
        host = brand_host(brand_url)
        with self.store.transaction() as tx:
            if not host or tx.get(BRANDS, host) is None:
                raise Unauthorized("The Brand-URL header names no known brand.", field="header:Brand-URL")
        return host

    def authenticate(self, brand_url: str, auth_key: str) -> Caller:
        host = self.authenticate_brand(brand_url)
        with self.store.transaction() as tx:
            key: AuthKey | None = tx.get(KEYS, auth_key)
        if key is None or key.brand != host:
            raise Unauthorized("The Auth-Key is not valid for this brand.", field="header:Auth-Key")
        if key.rate_limit is not None:
            self._count_request(key.key, key.rate_limit)
        return Caller(brand=host, role=key.role)

    def _count_request(self, key: str, limit: RateLimit) -> None:
        """J15: a fixed window on the fake clock; the request over the limit is not counted."""
        now = self.clock.now().timestamp()
        start = int(now // limit.per_seconds * limit.per_seconds)
        with self.store.transaction() as tx:
            window: RateWindow | None = tx.get(RATE, key)
            count = window.count if window is not None and window.start == start else 0
            if count >= limit.requests:
                raise RateLimited(retry_after=max(1, math.ceil(start + limit.per_seconds - now)))
            tx.put(RATE, key, RateWindow(start, count + 1))

    @staticmethod
    def require_admin(caller: Caller) -> None:
        if caller.role != "admin":
            raise AccessDenied(f"The role {caller.role!r} may only read.")

    # -- catalogue (J1) -------------------------------------------------------------------------
    def catalogue(
        self, type: str | None = None, status: str | None = None, keywords: str | None = None
    ) -> list[AppIntegration]:
        needle = (keywords or "").strip().lower()
        with self.store.transaction() as tx:
            entries: list[AppIntegration] = tx.rows(CATALOGUE)
        return [
            e
            for e in entries
            if (type is None or e.type == type)
            and (status is None or e.status == status)
            and (not needle or needle in " ".join((e.name, e.domain, e.description or "")).lower())
        ]

    def _sms_integration(
        self, tx: Transaction, integration_id: str, *, in_body: bool = False
    ) -> AppIntegration:
        integration: AppIntegration | None = tx.get(CATALOGUE, integration_id)
        if integration is None:
            raise (AppIntegrationReferenceNotFound if in_body else AppIntegrationNotFound)(
                f"The AppIntegration {integration_id!r} is not found.", field="appIntegrationId"
            )
        if integration.type != "SMS":
            raise AppIntegrationUnsupported(
                f"The AppIntegration {integration_id!r} is a {integration.type} provider, not SMS.",
                field="appIntegrationId",
            )
        return integration

    # -- SMS settings (J6, J9, J10, J16, J18) ---------------------------------------------------
    def _view(self, tx: Transaction, setting: SmsSetting) -> SettingView:
        return SettingView(setting, tx.get(CATALOGUE, setting.app_integration_id))

    def _owned(self, tx: Transaction, caller: Caller, setting_id: str) -> SmsSetting:
        setting: SmsSetting | None = tx.get(SETTINGS, setting_id)
        if setting is None or setting.brand != caller.brand:
            raise SettingNotFound(f"The AppIntegrationSMS {setting_id!r} is not found.", field="id")
        return setting

    def list_settings(self, caller: Caller) -> list[SettingView]:
        with self.store.transaction() as tx:
            owned = brand_settings(tx, caller.brand)
            owned.sort(key=lambda s: s.created)  # stable: same instant keeps insertion order
            return [self._view(tx, s) for s in owned]

    def get_setting(self, caller: Caller, setting_id: str) -> SettingView:
        with self.store.transaction() as tx:
            return self._view(tx, self._owned(tx, caller, setting_id))

    def create_setting(self, caller: Caller, command: Mapping[str, Any]) -> SettingView:
        self.require_admin(caller)
        with self.store.transaction() as tx:
            if len(brand_settings(tx, caller.brand)) >= MAX_SETTINGS_PER_BRAND:
                raise SettingLimitReached(
                    f"The brand has {MAX_SETTINGS_PER_BRAND} SMS settings, the most the fake keeps: "
                    "delete one first."
                )
            setting = self._from_command(
                tx,
                command,
                setting_id=self._new_setting_id(tx),
                brand=caller.brand,
                created=self.clock.now(),
            )
            save_setting(tx, setting)
            return self._view(tx, setting)

    def update_setting(self, caller: Caller, setting_id: str, command: Mapping[str, Any]) -> SettingView:
        self.require_admin(caller)
        with self.store.transaction() as tx:
            current = self._owned(tx, caller, setting_id)
            setting = self._from_command(
                tx, command, setting_id=current.id, brand=current.brand, created=current.created
            )
            save_setting(tx, setting)
            return self._view(tx, setting)

    def delete_setting(self, caller: Caller, setting_id: str) -> None:
        self.require_admin(caller)
        with self.store.transaction() as tx:
            delete_setting(tx, self._owned(tx, caller, setting_id))

    def _new_setting_id(self, tx: Transaction) -> str:
        while True:
            candidate = self.ids.alphanumeric("jframework.setting", 18)
            if tx.get(SETTINGS, candidate) is None:
                return candidate

    def _from_command(
        self, tx: Transaction, command: Mapping[str, Any], *, setting_id: str, brand: str, created: datetime
    ) -> SmsSetting:
        """A full replacement from a create/update body (PUT omits nothing silently: J6)."""
        integration = self._sms_integration(tx, command["appIntegrationId"], in_body=True)
        return SmsSetting(
            id=setting_id,
            brand=brand,
            app_integration_id=integration.id,
            name=command["name"],
            username=command["username"],
            password=command["password"],
            phone_number=command["phoneNumber"],
            description=command.get("description"),
            status=parse_status(command["status"]) if command.get("status") is not None else "Active",
            is_default=bool(command.get("isDefault", False)),
            created=created,
        )

    # -- test send (J11) ------------------------------------------------------------------------
    def send_test(self, caller: Caller, integration_id: str, message: TestMessage) -> bool:
        """True if the provider accepted the credentials, in which case the SMS is in the outbox."""
        self.require_admin(caller)
        with self.store.transaction() as tx:
            integration = self._sms_integration(tx, integration_id)
        accepted = integration.credentials is None or (
            (message.username, message.password) in integration.credentials
        )
        if accepted:
            self.outbox.record(
                OutboxMessage(
                    provider=PROVIDER,
                    sender=message.sender,
                    to=message.to,
                    text=message.text,
                    sent_at=self.clock.now(),
                    extra={"owner": f"brand:{caller.brand}", "appIntegrationId": integration.id},
                )
            )
        return accepted


def create_tenant(tx: Transaction, tenant_id: str, admin_key: str) -> tuple[dict[str, str], str]:
    """A fresh brand with one admin key; the catalogue is shared by every brand."""
    host = f"{tenant_id}.tenants.example.com"
    tx.put(BRANDS, host, Brand(host=host, name=f"Tenant {tenant_id}"))
    tx.put(KEYS, admin_key, AuthKey(key=admin_key, brand=host, role="admin"))
    return {"brandUrl": host, "authKey": admin_key}, f"brand:{host}"


def owner_of(tx: Transaction, headers: Mapping[str, str]) -> str | None:
    host = brand_host(headers.get("brand-url", ""))
    return f"brand:{host}" if host and tx.get(BRANDS, host) is not None else None
