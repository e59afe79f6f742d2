"""What the app needs to know to mount a provider."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.core.backend import Backend
from mockserver.core.errors import ApiError, DomainError
from mockserver.core.render import Response
from mockserver.core.routes import Operation, RouteTable
from mockserver.core.store import Transaction


@dataclass(frozen=True)
class Provider:
    name: str
    """Also the mount prefix: `/<name>`."""
    spec_file: str
    """File name in `openapi/`."""
    build_handlers: Callable[[Backend, RouteTable], Any]
    """Returns the object whose methods the spec's operationIds and security functions name."""
    load_fixtures: Callable[[Transaction, dict[str, Any], Backend], None]
    from_domain: Callable[[DomainError], ApiError]
    render_error: Callable[[ApiError, str | None, Operation | None], Response]
    """Renders an error in the negotiated media type (None: not negotiated) for the operation."""
    describe: Callable[[Transaction], list[str]]
    """Lines for the start-up banner: demo credentials and the like."""
    create_tenant: Callable[[Transaction, Backend, str], tuple[dict[str, str], str]]
    """Fresh isolated credentials for tenant `id`: (credentials, owner key)."""
    owner_of: Callable[[Transaction, Mapping[str, str]], str | None]
    """The owner key (`brand:...`, `account:...`) a request's credentials act for, if any."""
