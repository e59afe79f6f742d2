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
        async with httpx.AsyncClient(
            base_url=server.url_for("jframework"), headers=ADMIN, timeout=30
        ) as client:
            return await asyncio.gather(*(client.post(SMS, json=new_setting(n, True)) for n in range(30)))

    responses = asyncio.run(create_all())
    assert [r.status_code for r in responses] == [201] * 30
    listed = httpx.get(f"{server.url_for('jframework')}{SMS}", headers=ADMIN).json()["data"]
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


def test_50_simultaneous_puts_each_adding_a_recipient_lose_nothing_and_charge_exactly(tmp_path):
    """Fifty clients add fifty different contacts to one message at the same moment."""
    from mockserver import MockServer
    from mockserver.providers.twosms.records import MESSAGES
    from tests.api.twosms_helpers import DEMO_MESSAGE, details
    from tests.conftest import twosms_token

    contacts = "\n".join(
        f"        - {{personNumber: {100 + i}, mobile: '+1555020{i:04d}'}}" for i in range(50)
    )
    extra = tmp_path / "many.yaml"
    extra.write_text(
        "twosms:\n  accounts:\n    - id: 71a9437e-9ae2-410d-b3d1-983c44a55dcd\n"
        f"      name: Demo Account\n      credits: 1000\n      contacts:\n{contacts}\n"
    )
    with MockServer(["default", extra]) as server:
        headers = {"Authorization": f"Bearer {twosms_token(server)}"}
        content = "Same text for all"  # one GSM-7 segment

        async def put_all() -> list[httpx.Response]:
            async with httpx.AsyncClient(
                base_url=server.url_for("twosms"), headers=headers, timeout=60
            ) as client:
                return await asyncio.gather(
                    *(
                        client.put(
                            f"/api/v1/sms/messages/{DEMO_MESSAGE}",
                            json=details(content, AdditionalContactID=100 + i),
                        )
                        for i in range(50)
                    )
                )

        responses = asyncio.run(put_all())
        assert [r.status_code for r in responses] == [200] * 50
        with server.app.world.store.transaction() as tx:
            message = tx.get(MESSAGES, DEMO_MESSAGE)
        assert len(message.recipients) == 51
        assert {r.person_number for r in message.recipients} == {16, *range(100, 150)}
        balance = httpx.get(f"{server.url_for('twosms')}/api/v1/admin/accounts", headers=headers).json()
        assert balance["ResponseData"]["Detail"]["AnyTimeBalance"] == 1000 - 50
        assert sorted(r.json()["ResponseData"]["Detail"]["PostTransaction"] for r in responses) == sorted(
            str(1000 - n) for n in range(1, 51)
        )
