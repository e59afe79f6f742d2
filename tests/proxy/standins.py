"""Loopback stand-ins for a provider, for the proxy's tests: one that drifts from the JFramework spec
in JSON, one slow, redirecting or oversize by the setting id asked for. (The conforming stand-in is
the fake itself.)"""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.drift_server import envelope

NEVER = asyncio.Event()


async def setting(request: Request) -> Response:
    which = request.path_params["id"]
    if which == "slow":
        await NEVER.wait()  # never answers: the proxy's timeout must
    if which == "redirect":
        return RedirectResponse("http://elsewhere.invalid/login", status_code=302)
    if which == "huge":
        return JSONResponse(envelope({"id": "huge", "name": "x" * 20_000}))
    drifted = {"id": which, "name": "n", "username": "u", "password": request.headers.get("x-echo", "p"),
               "phoneNumber": "+15005550006", "status": "Active", "isDefault": "no"}  # fmt: skip
    return JSONResponse(envelope(drifted))  # isDefault a string, appIntegration missing


app = Starlette(routes=[Route("/api/v1/app-integrations/sms/{id}", setting, methods=["GET", "PUT"])])
