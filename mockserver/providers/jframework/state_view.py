"""What the web state view shows of JFramework: each brand's SMS settings, the default marked."""

from __future__ import annotations

from datetime import datetime

from mockserver.providers.base import StateTable
from mockserver.providers.jframework.model import BRANDS, brand_settings
from mockserver.state.store import Transaction


def tables(tx: Transaction, now: datetime) -> list[StateTable]:
    return [
        StateTable(
            f"SMS settings of {brand.host}",
            ("id", "name", "provider", "phone number", "status", "default"),
            [
                (
                    s.id,
                    s.name,
                    s.app_integration_id,
                    s.phone_number,
                    s.status,
                    "default" if s.is_default else "",
                )
                for s in brand_settings(tx, brand.host)
            ],
        )
        for brand in tx.rows(BRANDS)
    ]
