"""Acme SMS, a third-party provider for sms-mockserver, mounted at /acme.

Registered in this package's pyproject.toml under the `mockserver.providers` entry-point group.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from acme_sms import envelope, fixtures, model
from acme_sms.handlers import AcmeHandlers
from mockserver.providers.base import ContractOption, Provider, Services
from mockserver.state.store import Transaction

HERE = Path(__file__).resolve().parent


def _handlers(services: Services) -> AcmeHandlers:
    return AcmeHandlers(model.Acme(services.store, services.clock, services.ids, services.outbox))


def _describe(tx: Transaction) -> list[str]:
    keys: dict[str, list[str]] = {}
    for project in tx.rows(model.PROJECTS):
        keys.setdefault(project.account, []).append(project.key)
    lines = []
    for account in tx.rows(model.ACCOUNTS):
        project_keys = ", ".join(keys.get(account.sid, ["-"]))
        basic = f"{account.sid} / {account.auth_token}"
        lines.append(f"HTTP Basic {basic}  ?key={project_keys}  ({account.credits} credits)")
    return lines


def _create_tenant(tx: Transaction, services: Services, tenant_id: str) -> tuple[dict[str, str], str]:
    sid = f"AC-{tenant_id}"
    token = services.ids.secret("acme.tenant.token", 24)
    key = services.ids.secret("acme.tenant.key", 24)
    model.add_account(tx, model.Account(sid, token, f"Tenant {tenant_id}", 100), [key])
    return {"accountSid": sid, "authToken": token, "projectKey": key}, f"acme:{sid}"


CONTRACT_OPTIONS = (
    ContractOption("account-sid", "Acme account SID (HTTP Basic user)"),
    ContractOption("auth-token", "Acme auth token (HTTP Basic password)"),
    ContractOption("project-key", "Acme project key (the `key` query parameter)"),
)


def _contract_auth(base_url: str, credentials: Mapping[str, str | None]) -> dict[str, dict[str, str]]:
    sid, token, key = (credentials.get(k) for k in ("account_sid", "auth_token", "project_key"))
    if not (sid and token and key):
        raise SystemExit("acme needs --account-sid, --auth-token and --project-key (or MOCKSERVER_*)")
    return {"AccountAuth": {"username": sid, "password": token}, "ProjectKey": {"api_key": key}}


PROVIDER = Provider(
    name="acme",
    title="Acme SMS (example third-party provider)",
    spec=HERE / "openapi.yaml",
    fixture_schema=HERE / "fixtures.schema.json",
    build_handlers=_handlers,
    load_fixtures=fixtures.load,
    from_domain=envelope.from_domain,
    render_error=envelope.render_error,
    describe=_describe,
    create_tenant=_create_tenant,
    owner_of=model.owner_of,
    contract_options=CONTRACT_OPTIONS,
    contract_auth=_contract_auth,
)
