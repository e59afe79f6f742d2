"""JFramework App Integration SMS, mounted at /jframework."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver import resources
from mockserver.providers.base import ContractOption, Provider, Services
from mockserver.providers.jframework import envelope, fixtures, model, state_view
from mockserver.providers.jframework.handlers import JFrameworkHandlers
from mockserver.providers.jframework.model import BRANDS, KEYS, JFramework
from mockserver.state.store import Transaction


def _handlers(services: Services) -> JFrameworkHandlers:
    return JFrameworkHandlers(JFramework(services.store, services.clock, services.ids, services.outbox))


def _load(tx: Transaction, section: dict[str, Any], services: Services) -> None:
    fixtures.load(tx, section, services.clock)


def _describe(tx: Transaction) -> list[str]:
    lines = []
    for brand in tx.rows(BRANDS):
        keys = [f"{k.key} ({k.role})" for k in tx.rows(KEYS) if k.brand == brand.host]
        lines.append(f"Brand-URL: {brand.host}  Auth-Key: {', '.join(keys) or '-'}")
    return lines


def _create_tenant(tx: Transaction, services: Services, tenant_id: str) -> tuple[dict[str, str], str]:
    return model.create_tenant(
        tx, tenant_id, admin_key=f"tenant-{tenant_id}-{services.ids.secret('tenant.key', 16)}"
    )


CONTRACT_OPTIONS = (
    ContractOption("brand-url", "JFramework Brand-URL"),
    ContractOption("auth-key", "JFramework Auth-Key"),
)


def _contract_auth(base_url: str, credentials: Mapping[str, str | None]) -> dict[str, dict[str, str]]:
    brand_url, auth_key = credentials.get("brand_url"), credentials.get("auth_key")
    if not (brand_url and auth_key):
        raise SystemExit("jframework needs --brand-url and --auth-key (or MOCKSERVER_BRAND_URL/_AUTH_KEY)")
    return {"BrandUrl": {"api_key": brand_url}, "AuthKey": {"api_key": auth_key}}


PROVIDER = Provider(
    name="jframework",
    title="JFramework App Integration SMS",
    spec=resources.data_path("openapi", "jframework.yaml"),
    fixture_schema=resources.data_path("fixtures", "jframework.schema.json"),
    build_handlers=_handlers,
    load_fixtures=_load,
    from_domain=envelope.from_domain,
    render_error=envelope.render_error,
    describe=_describe,
    create_tenant=_create_tenant,
    owner_of=model.owner_of,
    contract_options=CONTRACT_OPTIONS,
    contract_auth=_contract_auth,
    state_view=state_view.tables,
)
