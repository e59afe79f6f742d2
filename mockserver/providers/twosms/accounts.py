"""2SMS accounts and their API clients: OAuth2 tokens (T2, T3), the account's balance (T13), and
what a tenant gets. A mixin of the 2SMS model: the methods use its store, clock and ids."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from mockserver.providers.twosms.errors import InvalidClient, Unauthorized, UnsupportedGrantType
from mockserver.providers.twosms.records import (
    ACCOUNTS,
    CLIENTS,
    CONTACTS,
    TOKEN_LIFETIME_SECONDS,
    TOKENS,
    Account,
    ApiClient,
    Caller,
    Token,
)
from mockserver.state.clock import Clock
from mockserver.state.ids import IdGenerator
from mockserver.state.store import Store, Transaction, evolve

PURGE_TOKENS_ABOVE = 1_000
"""Expired tokens are dropped when a new one is issued past this many."""


class TokenDesk:
    store: Store
    clock: Clock
    ids: IdGenerator

    # -- tokens (T2, T3) -----------------------------------------------------------------------
    def issue_token(self, grant_type: str, client_id: str | None, secret: str | None) -> Token:
        if grant_type != "client_credentials":
            raise UnsupportedGrantType(
                f"The grant type {grant_type!r} is not supported; use client_credentials."
            )
        if client_id is None or secret is None:
            raise InvalidClient(
                "No client credentials: send client_id and client_secret in the form, or with HTTP Basic."
            )
        with self.store.transaction() as tx:
            client = tx.get(CLIENTS, client_id)
            if client is None or client.secret != secret:
                raise InvalidClient("The client id or secret is wrong.")
            token = Token(
                token=self.ids.secret("twosms.token", 40),
                client_id=client_id,
                account_id=client.account_id,
                expires_at=self.clock.now() + timedelta(seconds=TOKEN_LIFETIME_SECONDS),
            )
            tx.put(TOKENS, token.token, token)
            if tx.count(TOKENS) > PURGE_TOKENS_ABOVE:
                self._purge_expired_tokens(tx)
        return token

    def _purge_expired_tokens(self, tx: Transaction) -> None:
        """Expired tokens can never be used again: drop them, so issuing tokens all day does not
        grow the fake. Runs once the table passes a size, so its cost is spread thin."""
        now = self.clock.now()
        for old in [t for t in tx.rows(TOKENS) if t.expires_at <= now]:
            tx.delete(TOKENS, old.token)

    def authenticate(self, bearer: str) -> Caller:
        with self.store.transaction() as tx:
            token: Token | None = tx.get(TOKENS, bearer)
        if token is None:
            raise Unauthorized("The bearer token is not known; get one from /Token.")
        if token.expires_at <= self.clock.now():
            raise Unauthorized("The bearer token expired; get a new one from /Token.")
        return Caller(account_id=token.account_id, client_id=token.client_id)

    def account(self, caller: Caller) -> Account:
        with self.store.transaction() as tx:
            return tx.get(ACCOUNTS, caller.account_id)


def create_tenant(
    tx: Transaction, tenant_id: str, account_id: str, secret: str, template_client: str = "demo-client"
) -> tuple[dict[str, str], str]:
    """A fresh account (1000 credits) and API client, with the template account's contacts copied."""
    client_id = f"tenant-{tenant_id}"
    tx.put(ACCOUNTS, account_id, Account(account_id, f"Tenant {tenant_id}", 1000))
    tx.put(CLIENTS, client_id, ApiClient(client_id, secret, account_id))
    template = tx.get(CLIENTS, template_client)
    if template is not None:
        for contact in [c for c in tx.rows(CONTACTS) if c.account_id == template.account_id]:
            copy = evolve(contact, account_id=account_id)
            tx.put(CONTACTS, copy.key, copy)
    return {"clientId": client_id, "clientSecret": secret, "accountId": account_id}, f"account:{account_id}"


def owner_of(tx: Transaction, headers: Mapping[str, str]) -> str | None:
    scheme, _, bearer = headers.get("authorization", "").partition(" ")
    token = tx.get(TOKENS, bearer.strip()) if scheme.lower() == "bearer" else None
    return f"account:{token.account_id}" if token is not None else None
