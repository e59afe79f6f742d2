"""Talking to an app in-process, without a server: what several test modules do alike."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

DEMO_CLIENT = {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}


def call(app: Any, method: str, path: str, *, bearer: bool = False, **kwargs: Any) -> httpx.Response:
    """One request to `app`; with `bearer`, carrying a token of the demo 2SMS client."""

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        ) as c:
            if bearer:
                token = (await c.post("/twosms/Token", data=DEMO_CLIENT)).json()["access_token"]
                kwargs["headers"] = {**kwargs.get("headers", {}), "Authorization": f"Bearer {token}"}
            return await c.request(method, path, **kwargs)

    return asyncio.run(send())
