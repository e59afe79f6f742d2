"""State over HTTP: concurrency, determinism across resets, persistence between calls."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import ADMIN

SMS = "/api/v1/app-integrations/sms"


def new_setting(n: int, default: bool) -> dict:
    return {
        "appIntegrationId": "vonage",
        "name": f"Setting {n}",
        "username": f"user{n}",
        "password": "secret",
        "phoneNumber": f"+1500555{n:04d}",
        "isDefault": default,
    }


def test_concurrent_default_creates_leave_exactly_one_default_and_lose_nothing(server):
    async def create_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.jframework_url, headers=ADMIN, timeout=30) as client:
            return await asyncio.gather(*(client.post(SMS, json=new_setting(n, True)) for n in range(30)))

    responses = asyncio.run(create_all())
    assert [r.status_code for r in responses] == [201] * 30
    listed = httpx.get(f"{server.jframework_url}{SMS}", headers=ADMIN).json()["data"]
    assert len(listed) == 31
    assert len({s["id"] for s in listed}) == 31
    assert sum(s["isDefault"] for s in listed) == 1


def test_ids_repeat_after_a_reset_so_tests_are_deterministic(server, jfw):
    first = jfw.post(SMS, json=new_setting(1, False)).json()["data"]["id"]
    server.reset()
    assert jfw.get(f"{SMS}/{first}").status_code == 404
    assert jfw.post(SMS, json=new_setting(1, False)).json()["data"]["id"] == first


def test_reset_restores_the_fixture_baseline(server, jfw):
    jfw.delete(f"{SMS}/demoSmsSetting0001")
    jfw.post(SMS, json=new_setting(2, True))
    server.reset()
    listed = jfw.get(SMS).json()["data"]
    assert [(s["id"], s["isDefault"]) for s in listed] == [("demoSmsSetting0001", True)]
