"""2SMS Customer Portal, mounted at /twosms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from mockserver import resources
from mockserver.engine.webapi import WEB_API_2
from mockserver.providers.base import ContractOption, Provider, Services
from mockserver.providers.twosms import accounts, envelope, fixtures, pages, state_view
from mockserver.providers.twosms.addressbook import AddressBook
from mockserver.providers.twosms.handlers import TwoSmsHandlers
from mockserver.providers.twosms.model import TwoSms
from mockserver.providers.twosms.records import ACCOUNTS, CLIENTS
from mockserver.providers.twosms.reports import Reports
from mockserver.providers.twosms.templates import Templates
from mockserver.state.store import Transaction


def _handlers(services: Services) -> TwoSmsHandlers:
    model = TwoSms(
        services.store,
        services.clock,
        services.ids,
        services.outbox,
        services.settings.public_url,
        services.settings.limits.max_messages,
    )
    store, clock, ids = services.store, services.clock, services.ids
    return TwoSmsHandlers(
        model, AddressBook(store, clock, ids), Templates(store, clock, ids), Reports(store, clock)
    )


def _load(tx: Transaction, section: dict[str, Any], services: Services) -> None:
    fixtures.load(tx, section, services)


def _describe(tx: Transaction) -> list[str]:
    lines = []
    for account in tx.rows(ACCOUNTS):
        clients = [f"{c.client_id} / {c.secret}" for c in tx.rows(CLIENTS) if c.account_id == account.id]
        lines.append(f"{account.name} ({account.credits} credits)  client: {', '.join(clients) or '-'}")
    return lines


def _create_tenant(tx: Transaction, services: Services, tenant_id: str) -> tuple[dict[str, str], str]:
    account_id = services.ids.uuid("tenant.account")
    return accounts.create_tenant(tx, tenant_id, account_id, secret=services.ids.secret("tenant.secret", 24))


CONTRACT_OPTIONS = (
    ContractOption("token", "2SMS bearer token"),
    ContractOption("client-id", "2SMS client id, to fetch a token"),
    ContractOption("client-secret", "2SMS client secret"),
)


def _contract_auth(base_url: str, credentials: Mapping[str, str | None]) -> dict[str, dict[str, str]]:
    token = credentials.get("token") or _fetch_token(base_url, credentials)
    return {"Bearer": {"bearer": token}}


def _fetch_token(base_url: str, credentials: Mapping[str, str | None]) -> str:
    client_id, secret = credentials.get("client_id"), credentials.get("client_secret")
    if not (client_id and secret):
        raise SystemExit(
            "twosms needs --token, or --client-id and --client-secret (or MOCKSERVER_* variables)"
        )
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    response = httpx.post(f"{base_url.rstrip('/')}/Token", data=form, timeout=30)
    if response.status_code != 200:
        raise SystemExit(
            f"could not get a token from {base_url}/Token: {response.status_code} {response.text}"
        )
    return response.json()["access_token"]


PROVIDER = Provider(
    name="twosms",
    title="2SMS Customer Portal",
    spec=resources.data_path("openapi", "twosms.yaml"),
    fixture_schema=resources.data_path("fixtures", "twosms.schema.json"),
    build_handlers=_handlers,
    load_fixtures=_load,
    from_domain=envelope.from_domain,
    render_error=envelope.render_error,
    describe=_describe,
    create_tenant=_create_tenant,
    owner_of=accounts.owner_of,
    contract_options=CONTRACT_OPTIONS,
    contract_auth=_contract_auth,
    profile=WEB_API_2,
    tick=TwoSmsHandlers.tick,
    state_view=state_view.tables,
    pages=pages.routes,
    templates=pages.TEMPLATES,
    inbound=state_view.replies_from,
)
