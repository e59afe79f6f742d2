"""What the fake needs to know to serve a provider: one `Provider` value per provider.

A provider lives in a folder (or a package of its own) with its spec, its fixture section's JSON
Schema, a pure model, handlers that return data, and its error envelope; it is registered in the
`mockserver.providers` entry-point group (see `mockserver.registry` and docs/adding-a-provider.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, Protocol

from mockserver.engine.profile import PLAIN_OPENAPI, StackProfile
from mockserver.engine.render import Response, json_response
from mockserver.engine.routes import Operation
from mockserver.errors import ApiError, DomainError, Problem
from mockserver.settings import Settings
from mockserver.state.clock import Clock
from mockserver.state.ids import IdGenerator
from mockserver.state.outbox import Outbox
from mockserver.state.store import Store, Transaction


@dataclass(frozen=True)
class ContractOption:
    """A credential `mockserver contract` asks for: `--<name>`, or the variable MOCKSERVER_<NAME>."""

    name: str
    help: str

    @property
    def env(self) -> str:
        return "MOCKSERVER_" + self.name.upper().replace("-", "_")

    @property
    def key(self) -> str:
        return self.name.replace("-", "_")


@dataclass(frozen=True)
class InboundSms:
    """An SMS a phone sent back to a provider (a recipient's reply), for the conversation page."""

    provider: str
    sender: str
    text: str
    at: datetime


@dataclass(frozen=True)
class StateTable:
    """One table of the web state view: what a provider holds, for people to read."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]


class Services(Protocol):
    """What a provider's code is given by the World that serves it: the shared state and settings."""

    store: Store
    """Every provider's tables; a request's changes are one transaction."""
    clock: Clock
    """The fake clock: read it, never the system time."""
    ids: IdGenerator
    """Seeded id streams, and unpredictable secrets (seeded too with deterministic secrets)."""
    outbox: Outbox
    """Where a provider puts each SMS it "delivers"."""
    settings: Settings
    """`public_url` for links in an SMS, `limits.max_messages` for what to keep, and the rest."""


class PageRenderer(Protocol):
    """Renders one of a provider's page templates in the house style (given by the web pages)."""

    def __call__(self, request: Any, template: str, status: int = 200, **context: Any) -> Any:
        """An HTML response: `template` from the provider's `templates` folder (or the house's own
        layouts it extends), rendered with `request` and `context`."""
        ...


def no_tick(handlers: Any) -> None:
    """A provider with nothing scheduled has nothing to do when the clock moves."""


def no_fixtures(tx: Transaction, section: dict[str, Any], services: Services) -> None:
    """A provider without a fixture schema takes no section, so this is never given one."""


def no_description(tx: Transaction) -> list[str]:
    return []


def no_owner(tx: Transaction, headers: Mapping[str, str]) -> str | None:
    """A provider without accounts: no request acts for anyone (no tenants)."""
    return None


def no_contract_auth(base_url: str, credentials: Mapping[str, str | None]) -> dict[str, dict[str, str]]:
    """A spec without security schemes: Schemathesis needs no credentials."""
    return {}


def domain_error_as_400(error: DomainError) -> ApiError:
    """A rule's refusal as a 400 naming its message (and field, when the model gave one)."""
    return ApiError(400, "DOMAIN_ERROR", error.message, [Problem(error.message, error.field)])


def json_error(error: ApiError, media_type: str | None, operation: Operation | None) -> Response:
    """Any failure as a plain JSON envelope, whatever was negotiated: `{"status", "code", "message",
    "problems": [{"field", "message"}]}`, with the error's headers (`WWW-Authenticate`,
    `Retry-After`...). The default `render_error`; a provider with an envelope of its own writes
    its own renderer, usually with `json_response` or `render` from `mockserver.engine.render`."""
    code, message = _standard_wording(error.status)
    body = {
        "status": error.status,
        "code": error.code or code,
        "message": error.message or message,
        "problems": [{"field": p.field, "message": p.message} for p in error.problems],
    }
    return json_response(body, error.status, error.headers)


def _standard_wording(status: int) -> tuple[str, str]:
    try:
        known = HTTPStatus(status)
    except ValueError:  # a status of the provider's own (499)
        return "ERROR", "Error"
    return known.name, known.phrase


@dataclass(frozen=True)
class Provider:
    """Everything the fake needs to serve one provider. Only the first four parts are required: a
    stateless API needs nothing else (no fixtures, tenants or credentials for `mockserver contract`)."""

    name: str
    """Also the mount prefix: `/<name>`."""
    title: str
    """What it fakes, for people: "2SMS Customer Portal"."""
    spec: Path
    """The OpenAPI 3.0 document the provider is served from."""
    build_handlers: Callable[[Services], Any]
    """Returns the object whose methods the spec's operationIds and security functions name.
    Handlers (`async def` or plain `def`) return data (a body, a (body, status) pair or a
    (body, status, headers) triple); the engine renders it in the negotiated media type."""
    fixture_schema: Path | None = None
    """JSON Schema (draft 7) of the provider's section in fixture documents; None: it takes none."""
    load_fixtures: Callable[[Transaction, dict[str, Any], Services], None] = no_fixtures
    from_domain: Callable[[DomainError], ApiError] = domain_error_as_400
    """A model's refusal (a DomainError) as a neutral ApiError: its status and code."""
    render_error: Callable[[ApiError, str | None, Operation | None], Response] = json_error
    """Renders an error in the negotiated media type (None: not negotiated) for the operation."""
    describe: Callable[[Transaction], list[str]] = no_description
    """Lines for the start-up banner: demo credentials and the like."""
    create_tenant: Callable[[Transaction, Services, str], tuple[dict[str, str], str]] | None = None
    """Fresh isolated credentials for tenant `id`: (credentials, owner key); None: the provider has
    no accounts to isolate, and a tenant gets no credentials for it."""
    owner_of: Callable[[Transaction, Mapping[str, str]], str | None] = no_owner
    """The owner key a request's credentials (headers, lower-cased) act for, if any. Owner keys are
    the provider's own strings (`brand:...`); tenants and the outbox's `owner` use them."""
    contract_options: tuple[ContractOption, ...] = ()
    """The credentials `mockserver contract` asks for (none for an API without security)."""
    contract_auth: Callable[[str, Mapping[str, str | None]], dict[str, dict[str, str]]] = no_contract_auth
    """(base URL, credentials by option key) -> Schemathesis `[auth.openapi.<scheme>]` entries;
    raises SystemExit with a message when credentials are missing."""
    profile: StackProfile = PLAIN_OPENAPI
    """What the provider's real server stack does where OpenAPI leaves it open (negotiation, body
    binding, forms, XML conventions): plain OpenAPI as Connexion reads it, or
    `mockserver.engine.webapi.WEB_API_2` for an ASP.NET Web API 2 service."""
    tick: Callable[[Any], None] = no_tick
    """Called with the handlers when time may have moved: each time the fake clock is moved, and
    before each request to the provider or its pages (deliver what is due). Handlers never need to
    ask for it themselves."""
    state_view: Callable[[Transaction, datetime], list[StateTable]] | None = None
    """(transaction, now on the fake clock) -> tables for the web state view (`/_/state`)."""
    pages: Callable[[Any, PageRenderer], list[Any]] | None = None
    """(handlers, render) -> Starlette routes mounted at `/_/<name>/`: web pages of the provider's
    own, such as the page an SMS link opens; `render` draws a template from `templates`."""
    templates: Path | None = None
    """The folder of the templates the provider's pages render."""
    inbound: Callable[[Transaction, str], list[InboundSms]] | None = None
    """(transaction, phone number) -> what that number sent back (replies), for the web pages'
    conversation view beside the SMS it was sent."""
