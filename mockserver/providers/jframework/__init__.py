"""JFramework App Integration SMS, mounted at /jframework."""

from __future__ import annotations

from typing import Any

from mockserver.core.backend import Backend
from mockserver.core.routes import RouteTable
from mockserver.core.store import Transaction
from mockserver.providers.base import Provider
from mockserver.providers.jframework import envelope, fixtures, model
from mockserver.providers.jframework.handlers import JFrameworkHandlers
from mockserver.providers.jframework.model import BRANDS, KEYS, JFramework


def _handlers(backend: Backend, routes: RouteTable) -> JFrameworkHandlers:
    return JFrameworkHandlers(JFramework(backend.store, backend.clock, backend.ids, backend.outbox))


def _load(tx: Transaction, section: dict[str, Any], backend: Backend) -> None:
    fixtures.load(tx, section, backend.clock)


def _describe(tx: Transaction) -> list[str]:
    lines = []
    for brand in tx.rows(BRANDS):
        keys = [f"{k.key} ({k.role})" for k in tx.rows(KEYS) if k.brand == brand.host]
        lines.append(f"Brand-URL: {brand.host}  Auth-Key: {', '.join(keys) or '-'}")
    return lines


def _create_tenant(tx: Transaction, backend: Backend, tenant_id: str) -> tuple[dict[str, str], str]:
    return model.create_tenant(
        tx, tenant_id, admin_key=f"tenant-{tenant_id}-{backend.ids.alphanumeric('tenant.key', 16)}"
    )


PROVIDER = Provider(
    name="jframework",
    spec_file="jframework.yaml",
    build_handlers=_handlers,
    load_fixtures=_load,
    from_domain=envelope.from_domain,
    render_error=envelope.render_error,
    describe=_describe,
    create_tenant=_create_tenant,
    owner_of=model.owner_of,
)
