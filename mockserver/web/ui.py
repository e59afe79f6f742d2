"""The web pages over one World: landing (`/`), inbox (live), requests, state and controls (`/_/...`).

Pages read the World directly; the controls page changes it only through the admin API, from the
browser, the way any client does. Live updates are server-sent events fed by outbox subscriptions
whose filter is checked per delivery (no rescan of the outbox).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.staticfiles import StaticFiles

from mockserver.state.clock import isoformat
from mockserver.state.journal import JournalEntry
from mockserver.state.outbox import OutboxMessage, OutboxQuery
from mockserver.web.live import InboxStream, delivery_dom_id
from mockserver.web.templating import Pages
from mockserver.world import World

STATIC = Path(__file__).resolve().parent / "static"
PAGE_SIZE = 50


class WebUI:
    def __init__(
        self, world: World, admin_prefix: str = "/__admin", served: Mapping[str, Any] | None = None
    ) -> None:
        self.world = world
        self.served = served or {}
        """Per provider: its base URL path and which engine serves it (see engine/engines.py)."""
        self.admin = admin_prefix
        self.pages = Pages()
        routes: list[BaseRoute] = [
            Route("/", self.landing),
            Route("/_/inbox", self.inbox),
            Route("/_/inbox/live", self.live),
            Route("/_/conversation", self.conversation),
            Route("/_/requests", self.requests),
            Route("/_/requests/{seq:int}", self.request_detail),
            Route("/_/state", self.state),
            Route("/_/controls", self.controls),
            Mount("/_/static", StaticFiles(directory=STATIC), name="static"),
        ]
        for name, provider in world.providers.items():
            if provider.pages is not None:
                render = Pages(*filter(None, [provider.templates])).render
                pages = Router(provider.pages(world.handlers[name], render))
                routes.append(Mount(f"/_/{name}", app=_CatchingUp(pages, world, name)))
        # A page that does not exist is a page too, in the house style (Starlette's is bare text).
        self.app = Starlette(routes=routes, exception_handlers={404: self._missing, 405: self._missing})

    async def _missing(self, request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        what = (
            f"There is no page at {request.url.path}."
            if status == 404
            else "That page does not take this method."
        )
        return self._render(request, "missing.html", status, what=what)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    def _render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("now", self.world.clock.now())
        context.setdefault("clock_frozen", self.world.clock.frozen)
        return self.pages.render(request, name, status, admin=self.admin, **context)

    # -- landing ----------------------------------------------------------------------------------
    async def landing(self, request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        providers = [
            {
                "name": name,
                "title": p.title,
                "url": base + self.served.get(name, {}).get("path", f"/{name}"),
                "engine": self.served.get(name, {}).get("engine"),
                "lines": lines,
            }
            for (name, p), lines in zip(
                self.world.providers.items(), self.world.describe().values(), strict=True
            )
        ]
        counts = {"messages": len(self.world.outbox.messages()), "requests": len(self.world.journal)}
        return self._render(request, "landing.html", providers=providers, base=base, counts=counts)

    # -- inbox ------------------------------------------------------------------------------------
    def _accepts(self, query: Any) -> OutboxQuery:
        """The inbox's filters (an empty field filters nothing)."""
        given = {k: query.get(k) or None for k in ("provider", "number", "text")}
        return OutboxQuery(provider=given["provider"], number=given["number"], contains=given["text"])

    def _view(self, message: OutboxMessage) -> dict[str, Any]:
        record = {k: (isoformat(v) if k == "sent_at" else v) for k, v in asdict(message).items()}
        return {
            "message": message,
            "tenant": self.world.tenant_of(message.extra.get("owner")),
            "raw": json.dumps(record, indent=2, ensure_ascii=False),
            "delivery": self.world.delivery_of(message),
            "dom_id": delivery_dom_id(message),
        }

    async def inbox(self, request: Request) -> Response:
        accepts = self._accepts(request.query_params)
        matching = [m for m in reversed(self.world.outbox.messages()) if accepts(m)]
        shown, paging = one_page(request, matching)
        return self._render(
            request,
            "inbox.html",
            messages=[self._view(m) for m in shown],
            **paging,
            filters={k: request.query_params.get(k, "") for k in ("provider", "number", "text")},
            providers=list(self.world.providers),
            live_query=str(request.query_params),
        )

    async def live(self, request: Request) -> Response:
        """Server-sent events: each new SMS the filters accept, as the inbox's HTML for it, and
        each delivery status that moves on the first page's SMS (see `live.py`)."""
        accepts = self._accepts(request.query_params)
        sms = self.pages.env.get_template("_sms.html")
        shown = [m for m in reversed(self.world.outbox.messages()) if accepts(m)][:PAGE_SIZE]
        stream = InboxStream(
            self.world,
            accepts,
            lambda m: sms.render(**self._view(m)),
            self.pages.env.get_template("_delivery.html"),
            shown,
        )
        return StreamingResponse(
            stream.events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
        )

    async def conversation(self, request: Request) -> Response:
        number = request.query_params.get("number", "")
        entries: list[Any] = [
            m for m in self.world.outbox.messages() if number and number in (m.to, m.sender)
        ]
        if number:
            with self.world.store.transaction() as tx:
                for provider in self.world.providers.values():
                    entries += provider.inbound(tx, number) if provider.inbound else []
        entries.sort(key=lambda e: e.sent_at if isinstance(e, OutboxMessage) else e.at)
        return self._render(request, "conversation.html", number=number, messages=entries[-PAGE_SIZE * 4 :])

    # -- requests ---------------------------------------------------------------------------------
    async def requests(self, request: Request) -> Response:
        provider = request.query_params.get("provider") or None
        status = request.query_params.get("status", "")
        entries = [
            e
            for e in self.world.journal.entries()
            if (provider is None or e.provider == provider)
            and (not status.isdigit() or e.status == int(status))
        ]
        shown, paging = one_page(request, entries)
        return self._render(
            request,
            "requests.html",
            entries=shown,
            **paging,
            filters={"provider": provider or "", "status": status},
            providers=list(self.world.providers),
        )

    async def request_detail(self, request: Request) -> Response:
        entry: JournalEntry | None = self.world.journal.find(request.path_params["seq"])
        if entry is None:
            return self._render(
                request, "missing.html", 404, what="That request is no longer in the journal."
            )
        content_type = entry.request_headers.get("content-type", "").lower()
        return self._render(
            request,
            "request.html",
            entry=entry,
            content_type=content_type,
        )

    # -- state and controls -----------------------------------------------------------------------
    async def state(self, request: Request) -> Response:
        sections, now = [], self.world.clock.now()
        with self.world.store.transaction() as tx:
            for name, provider in self.world.providers.items():
                if provider.state_view is not None:
                    sections.append(
                        {"name": name, "title": provider.title, "tables": provider.state_view(tx, now)}
                    )
        return self._render(request, "state.html", sections=sections)

    async def controls(self, request: Request) -> Response:
        return self._render(
            request,
            "controls.html",
            faults=self.world.faults.rules(),
            snapshots=sorted(self.world.snapshots),
            providers=list(self.world.providers),
        )


def one_page(request: Request, items: list[Any]) -> tuple[list[Any], dict[str, int]]:
    """The `?page=` slice of `items`, and what the pager (`_pager.html`) needs: total, page, pages."""
    value = request.query_params.get("page", "0")
    page = int(value) if value.isdigit() and len(value) < 7 else 0
    paging = {"total": len(items), "page": page, "pages": max(1, -(-len(items) // PAGE_SIZE))}
    return items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE], paging


class _CatchingUp:
    """A provider's pages: time may have moved since its last request, so it catches up first
    (the recipient page shows a scheduled message once it has gone out)."""

    def __init__(self, app: Any, world: World, provider: str) -> None:
        self.app, self.due = app, world.catch_up_with(provider)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.due is not None:
            self.due()
        await self.app(scope, receive, send)
