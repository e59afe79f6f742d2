"""The proxy's own pages, on its port beside the forwarded traffic: the requests it passed (the
journal, secrets masked), each with its violations, and the violations grouped by operation and
rule with the hints. Every page is scrubbed by the Taint before it is sent."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mockserver.guard import Guard, PageGuard
from mockserver.proxy.report import Reporter
from mockserver.proxy.secrets import Taint
from mockserver.state.journal import Journal, JournalEntry
from mockserver.web.templating import Pages
from mockserver.web.ui import STATIC, one_page

TEMPLATES = Path(__file__).resolve().parent / "templates"


class ProxyPages:
    def __init__(self, journal: Journal, reporter: Reporter, taint: Taint, provider: str) -> None:
        self.journal, self.reporter, self.taint, self.provider = journal, reporter, taint, provider
        self.pages = Pages(TEMPLATES)
        app = Starlette(
            routes=[
                Route("/_/requests", self.requests),
                Route("/_/requests/{seq:int}", self.request_detail),
                Route("/_/violations", self.violations),
                Mount("/_/static", StaticFiles(directory=STATIC), name="static"),
            ],
            exception_handlers={404: self._missing, 405: self._missing},
        )
        # The Host check against DNS rebinding, as for `serve`'s pages; no admin token (loopback).
        self.app = PageGuard(app, Guard.of(), public=lambda path: path.startswith("/_/static/"))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    def _render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        html = self.pages.env.get_template(name).render(
            request=request, provider=self.provider, show_violations=True, clock="real clock", **context
        )
        return HTMLResponse(self.taint.scrub(html), status_code=status)

    async def _missing(self, request: Request, exc: Exception) -> Response:
        what = f"There is no page at {request.url.path}: the proxy's pages are under /_/."
        return self._render(request, "missing.html", getattr(exc, "status_code", 404), what=what)

    async def requests(self, request: Request) -> Response:
        only = request.query_params.get("violations") == "1"
        status = request.query_params.get("status", "")
        entries = [
            e
            for e in self.journal.entries()
            if (e.violations or not only) and (not status.isdigit() or e.status == int(status))
        ]
        shown, paging = one_page(request, entries)
        return self._render(
            request,
            "requests.html",
            entries=shown,
            **paging,
            filters={"provider": "", "status": status, "violations": only},
            providers=[self.provider],
        )

    async def request_detail(self, request: Request) -> Response:
        entry = self.journal.find(request.path_params["seq"])
        if entry is None:
            return self._render(request, "missing.html", 404, what="That request is no longer kept.")
        content_type = entry.request_headers.get("content-type", "").lower()
        return self._render(request, "request.html", entry=entry, content_type=content_type)

    async def violations(self, request: Request) -> Response:
        return self._render(
            request, "violations.html", groups=grouped(self.journal.entries()), hints=self.reporter.hints
        )


def grouped(entries: list[JournalEntry]) -> list[dict[str, Any]]:
    """The violations of the kept requests by operation and rule: how many, where, the first
    message, and the requests that drew them (newest first)."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(
        lambda: {"count": 0, "where": [], "message": "", "requests": []}
    )
    for entry in entries:
        for violation in entry.violations:
            group = groups[(violation.operation, violation.side, violation.rule)]
            group["count"] += 1
            group["message"] = violation.message  # entries are newest first: the oldest stays
            if violation.where and violation.where not in group["where"] and len(group["where"]) < 5:
                group["where"].append(violation.where)
            if entry.seq not in group["requests"] and len(group["requests"]) < 10:
                group["requests"].append(entry.seq)
    return [
        {"operation": op, "side": side, "rule": rule, **group}
        for (op, side, rule), group in sorted(groups.items())
    ]
