"""2SMS Customer Portal, mounted at /twosms."""

from __future__ import annotations

from typing import Any

from mockserver.core.backend import Backend
from mockserver.core.routes import RouteTable
from mockserver.core.store import Transaction
from mockserver.providers.base import Provider
from mockserver.providers.twosms import envelope, fixtures, model
from mockserver.providers.twosms.handlers import TwoSmsHandlers
from mockserver.providers.twosms.model import TwoSms
from mockserver.providers.twosms.records import ACCOUNTS, CLIENTS


def _handlers(backend: Backend, routes: RouteTable) -> TwoSmsHandlers:
    model = TwoSms(backend.store, backend.clock, backend.ids, backend.outbox, lambda: backend.public_url)
    return TwoSmsHandlers(model, routes)


def _load(tx: Transaction, section: dict[str, Any], backend: Backend) -> None:
    fixtures.load(tx, section, backend)


def _describe(tx: Transaction) -> list[str]:
    lines = []
    for account in tx.rows(ACCOUNTS):
        clients = [f"{c.client_id} / {c.secret}" for c in tx.rows(CLIENTS) if c.account_id == account.id]
        lines.append(f"{account.name} ({account.credits} credits)  client: {', '.join(clients) or '-'}")
    return lines


def _create_tenant(tx: Transaction, backend: Backend, tenant_id: str) -> tuple[dict[str, str], str]:
    account_id = backend.ids.uuid("tenant.account")
    return model.create_tenant(
        tx, tenant_id, account_id, secret=backend.ids.alphanumeric("tenant.secret", 24)
    )


PROVIDER = Provider(
    name="twosms",
    spec_file="twosms.yaml",
    build_handlers=_handlers,
    load_fixtures=_load,
    from_domain=envelope.from_domain,
    render_error=envelope.render_error,
    describe=_describe,
    create_tenant=_create_tenant,
    owner_of=model.owner_of,
)
