"""A deliberately non-conforming JFramework server, for proving `mockserver contract` catches drift.

Three planted problems: the catalogue's `statusCode` is a string (wrong type), listing settings
answers 418 (undeclared status), and an unknown setting is a problem+json 404 (wrong media type).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ENTRY = {
    "id": "twilio",
    "type": "SMS",
    "name": "Twilio",
    "domain": "https://www.twilio.com",
    "status": "Active",
}


def envelope(data: object, status: int = 200) -> dict:
    return {
        "success": True,
        "statusCode": status,
        "message": "The request was successful.",
        "data": data,
        "errors": [],
    }


async def catalogue(request: Request) -> Response:
    return JSONResponse({**envelope([ENTRY]), "statusCode": "200"})  # wrong type


async def settings(request: Request) -> Response:
    return JSONResponse(envelope([]), status_code=418)  # undeclared status


async def setting(request: Request) -> Response:
    problem = b'{"type": "about:blank", "title": "Not Found", "status": 404}'
    return Response(problem, status_code=404, media_type="application/problem+json")  # not the envelope


app = Starlette(
    routes=[
        Route("/api/v1/app-integrations", catalogue),
        Route("/api/v1/app-integrations/sms", settings, methods=["GET", "POST"]),
        Route("/api/v1/app-integrations/sms/{id}", setting, methods=["GET", "PUT", "DELETE"]),
    ]
)
