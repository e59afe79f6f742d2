"""The bare baseline: a Starlette endpoint with no validation and no state, served by uvicorn with
the settings `mockserver serve` uses. It reads the body and answers a small constant JSON body."""

from __future__ import annotations

import argparse

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.server import bind, uvicorn_config

_BODY = b'{"data": {"id": "demoSmsSetting0001", "name": "Bench"}, "errors": []}'


async def endpoint(request: Request) -> Response:
    await request.body()
    return Response(_BODY, media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "PUT", "POST"])])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.Server(uvicorn_config(app)).run(sockets=[bind("127.0.0.1", args.port)])


if __name__ == "__main__":
    main()
