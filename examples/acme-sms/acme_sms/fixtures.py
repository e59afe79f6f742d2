"""Turns the `acme` section of a fixture document into store records."""

from __future__ import annotations

from typing import Any

from acme_sms.model import PROJECTS, Account, add_account
from mockserver.errors import DomainError
from mockserver.providers.base import Services
from mockserver.state.store import Transaction


def load(tx: Transaction, section: dict[str, Any], services: Services) -> None:
    """Add the accounts (an SID seen before is replaced); a project key may belong to one account."""
    for index, entry in enumerate(section.get("accounts", [])):
        for key in entry.get("projectKeys", []):
            owner = tx.get(PROJECTS, key)
            if owner is not None and owner.account != entry["sid"]:
                message = f"project key {key!r} already belongs to {owner.account}"
                raise DomainError(message, field=f"/accounts/{index}")
        account = Account(entry["sid"], entry["authToken"], entry.get("name", entry["sid"]), entry["credits"])
        add_account(tx, account, entry.get("projectKeys", []))
