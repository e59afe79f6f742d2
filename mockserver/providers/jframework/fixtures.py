"""Turns the `jframework` section of a fixture document into store records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.errors import DomainError, did_you_mean
from mockserver.providers.jframework.model import (
    BRANDS,
    CATALOGUE,
    KEYS,
    SETTINGS,
    AppIntegration,
    AuthKey,
    Brand,
    RateLimit,
    SmsSetting,
    brand_host,
    parse_status,
    save_setting,
)
from mockserver.state.clock import Clock, parse_instant
from mockserver.state.store import Transaction


def load(tx: Transaction, section: dict[str, Any], clock: Clock) -> None:
    """Add the section's catalogue, brands, keys and settings; an id seen before is replaced.

    Raises DomainError with `field` = the JSON pointer (inside the section) of the faulty entry.
    """
    for entry in section.get("appIntegrations", []):
        tx.put(CATALOGUE, entry["id"], _integration(entry))
    for b, entry in enumerate(section.get("brands", [])):
        host = brand_host(entry["url"])
        if not host:
            raise DomainError("is not a host name or URL", field=f"/brands/{b}/url")
        tx.put(BRANDS, host, Brand(host=host, name=entry.get("name", host)))
        for k, key in enumerate(entry.get("authKeys", [])):
            owner = tx.get(KEYS, key["key"])
            if owner is not None and owner.brand != host:
                raise DomainError(
                    f"already belongs to brand {owner.brand}", field=f"/brands/{b}/authKeys/{k}/key"
                )
            limit = key.get("rateLimit")
            tx.put(
                KEYS,
                key["key"],
                AuthKey(
                    key=key["key"],
                    brand=host,
                    role=key["role"],
                    rate_limit=RateLimit(limit["requests"], limit["perSeconds"]) if limit else None,
                ),
            )
        for s, setting in enumerate(entry.get("smsSettings", [])):
            save_setting(tx, _setting(tx, setting, host, clock, f"/brands/{b}/smsSettings/{s}"))


def _integration(entry: dict[str, Any]) -> AppIntegration:
    credentials = entry.get("credentials")
    return AppIntegration(
        id=entry["id"],
        type=entry["type"],
        name=entry["name"],
        domain=entry["domain"],
        status=entry.get("status", "Active"),
        description=entry.get("description"),
        logo_url=entry.get("logoURL"),
        created=_instant(entry.get("createdDate")),
        credentials=None
        if credentials is None
        else tuple((c["username"], c["password"]) for c in credentials),
    )


def _setting(tx: Transaction, entry: dict[str, Any], host: str, clock: Clock, where: str) -> SmsSetting:
    integration = tx.get(CATALOGUE, entry["appIntegrationId"])
    if integration is None or integration.type != "SMS":
        known = [i.id for i in tx.rows(CATALOGUE) if i.type == "SMS"]
        hint = did_you_mean(entry["appIntegrationId"], known)
        raise DomainError(f"names no SMS entry of appIntegrations{hint}", field=f"{where}/appIntegrationId")
    owner = tx.get(SETTINGS, entry["id"])
    if owner is not None and owner.brand != host:
        raise DomainError(f"is already a setting of brand {owner.brand}", field=f"{where}/id")
    return SmsSetting(
        id=entry["id"],
        brand=host,
        app_integration_id=integration.id,
        name=entry["name"],
        username=entry["username"],
        password=entry["password"],
        phone_number=entry["phoneNumber"],
        description=entry.get("description"),
        status=parse_status(entry.get("status", "Active")),
        is_default=bool(entry.get("isDefault", False)),
        created=_instant(entry.get("createdDate")) or clock.now(),
    )


def _instant(value: str | None) -> datetime | None:
    return None if value is None else parse_instant(value)
