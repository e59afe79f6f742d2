"""The recipient page: where the link in an advanced 2SMS SMS leads (mounted at /_/twosms/).

Viewing the page spends one of the recipient's reads, as the real service's page does (and as the
API's recipient view does). The reply form goes through the same rules as a reply posted through
the API (the recipient check, the response limit, expiry); after a reply the page is shown again
without spending another read.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockserver.errors import DomainError
from mockserver.providers.base import PageRenderer
from mockserver.providers.twosms import envelope
from mockserver.providers.twosms.handlers import TwoSmsHandlers
from mockserver.providers.twosms.records import MessageView

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_REPLY = 1000


def routes(handlers: TwoSmsHandlers, render: PageRenderer) -> list[BaseRoute]:
    model = handlers.model

    def show_page(request: Request, view: MessageView | None, **context: Any) -> Response:
        status = 200 if view is not None else context.pop("status", 404)
        context.setdefault("contact_id", request.query_params.get("contactId", ""))
        return render(request, "read.html", status, view=view, **context)

    async def read(request: Request) -> Response:
        message_id, token = request.path_params["message_id"], request.query_params.get("contactId", "")
        try:
            return show_page(request, model.view(message_id, token))
        except DomainError as exc:
            error = envelope.from_domain(exc)
            return show_page(request, None, status=error.status, gone=error.code, reason=exc.message)

    async def reply(request: Request) -> Response:
        message_id = request.path_params["message_id"]
        form = await request.form()
        token, text = str(form.get("contactId", "")), str(form.get("Response", "")).strip()
        show = functools.partial(show_page, contact_id=token)
        try:
            if not text or len(text) > MAX_REPLY:
                return show(
                    request, model.peek(message_id, token), problem=f"Write 1 to {MAX_REPLY} characters."
                )
            model.reply_as_recipient(message_id, token, text)
            return show(request, model.peek(message_id, token), notice="Your reply was sent.")
        except DomainError as exc:
            error = envelope.from_domain(exc)
            try:
                view = model.peek(message_id, token)
            except DomainError:
                return show(request, None, status=error.status, gone=error.code, reason=exc.message)
            return show(request, view, problem=f"{error.code}: {exc.message}")

    return [
        Route("/read/{message_id}", read, methods=["GET"]),
        Route("/read/{message_id}/reply", reply, methods=["POST"]),
    ]
