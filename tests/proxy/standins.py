"""Loopback stand-ins for a provider, for the proxy's tests: one that drifts from the JFramework spec
in JSON (and slow, redirecting, oversize or stricter than the spec by the setting id asked for), and
one that drifts from the 2SMS spec in XML. (The conforming stand-in is the fake itself.)"""

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
    if which == "strict":  # refuses what the spec accepts
        return JSONResponse({**envelope(None), "success": False, "statusCode": 400}, status_code=400)
    if which == "extra":  # as the spec says, and one member more that it does not name
        good = {"id": which, "name": "n", "username": "u", "password": "p", "phoneNumber": "+15005550006",
                "status": "Active", "isDefault": True, "createdDate": "2026-01-01T09:00:00Z",
                "appIntegration": {"id": "twilio", "type": "SMS", "name": "Twilio", "domain": "https://t.example",
                                   "status": "Active", "createdDate": "2026-01-01T09:00:00Z"},
                "region": "eu"}  # fmt: skip
        return JSONResponse(envelope(good))
    if which == "huge":
        return JSONResponse(envelope({"id": "huge", "name": "x" * 20_000}))
    drifted = {"id": which, "name": "n", "username": "u", "password": request.headers.get("x-echo", "p"),
               "phoneNumber": "+15005550006", "status": "Active", "isDefault": "no"}  # fmt: skip
    return JSONResponse(envelope(drifted))  # isDefault a string, appIntegration missing


app = Starlette(routes=[Route("/api/v1/app-integrations/sms/{id}", setting, methods=["GET", "PUT"])])


TOKEN = "Drift-Issued-Token-0123456789"
TEMPLATE_XML = (
    "<ResponseOfTemplate><ResponseData><Result>Success</Result><Identification><UserId>c</UserId>"
    "</Identification><Detail><ID>6a1f3c2e-8d4b-4e5f-9a7c-1b2d3e4f5a6b</ID><Name>T</Name>"
    "<Type>BOGUS</Type><TemplateText>Hi</TemplateText><DateCreated>2026-01-01T00:00:00Z</DateCreated>"
    "<DateModified>2026-01-01T00:00:00Z</DateModified></Detail></ResponseData></ResponseOfTemplate>"
)


async def token(request: Request) -> Response:
    return JSONResponse({"access_token": TOKEN, "token_type": "bearer", "expires_in": 28800})


async def template(request: Request) -> Response:
    """A template answered in XML with a Type the spec does not allow."""
    return Response(TEMPLATE_XML, media_type="application/xml; charset=utf-8")


twosms_app = Starlette(
    routes=[
        Route("/Token", token, methods=["POST"]),
        Route("/api/v1/sms/templates/{id}", template, methods=["GET"]),
    ]
)
