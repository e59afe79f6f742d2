"""What waiting clients cost a send: 2SMS sends with no one waiting, then with long polls and live
inbox pages open, their filters matching nothing, over a full outbox (10,000 messages)."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

import httpx

from bench.servers import Server

SEND = "/twosms/api/v2/sms/messages"


@dataclass(frozen=True)
class WaiterCost:
    outbox: int
    waiters: int
    alone_ms: float
    waited_ms: float


def _quick(numbers: list[str], text: str) -> dict:
    recipients = {number: 2 for number in numbers}  # 2: by SMS
    return {
        "Type": 1,
        "Content": text,
        "Options": {"Sender": "Bench"},
        "Contacts": {"QuickRecipients": recipients},
    }


async def _fill(client: httpx.AsyncClient, headers: dict[str, str], messages: int) -> None:
    """`messages` SMS in the outbox, 100 recipients per send."""
    for start in range(0, messages, 100):
        numbers = [f"+1555{(start + i):07d}" for i in range(min(100, messages - start))]
        answer = await client.post(SEND, json=_quick(numbers, "fill"), headers=headers)
        answer.raise_for_status()


async def _median_send_ms(client: httpx.AsyncClient, headers: dict[str, str], sends: int) -> float:
    took = []
    for i in range(sends):
        began = time.perf_counter()
        answer = await client.post(SEND, json=_quick([f"+1556{i:07d}"], "measured"), headers=headers)
        took.append((time.perf_counter() - began) * 1000)
        answer.raise_for_status()
    return statistics.median(took)


async def _measure(server: Server, token: str, messages: int, waiters: int, sends: int) -> WaiterCost:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=waiters + 8)
    async with httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits) as client:
        await _fill(client, headers, messages)
        alone = await _median_send_ms(client, headers, sends)
        # Half long polls, half live inbox pages; no filter matches what is sent, so none returns.
        polls = [
            client.get("/__admin/outbox", params={"to": f"+1999{i:07d}", "wait": 60})
            for i in range(waiters // 2)
        ]
        pages = [
            _stream(client, f"/_/inbox/live?number=%2B1998{i:07d}") for i in range(waiters - waiters // 2)
        ]
        tasks = [asyncio.ensure_future(c) for c in (*polls, *pages)]
        await _until_listening(client, waiters)
        waited = await _median_send_ms(client, headers, sends)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return WaiterCost(messages, waiters, alone, waited)


async def _stream(client: httpx.AsyncClient, path: str) -> None:
    async with client.stream("GET", path) as response:
        async for _ in response.aiter_bytes():
            pass


async def _until_listening(client: httpx.AsyncClient, waiters: int, seconds: float = 30) -> None:
    """Bounded: the waiters are subscribed once the server says so (the health check counts them)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        health = (await client.get("/__admin/health")).json()
        if health.get("listening", 0) >= waiters:
            return
        await asyncio.sleep(0.05)  # polling the server's own count, bounded by the deadline
    raise RuntimeError(f"only {health.get('listening')} of {waiters} waiters subscribed")


def send_cost(server: Server, token: str, *, messages: int, waiters: int, sends: int) -> WaiterCost:
    return asyncio.run(_measure(server, token, messages, waiters, sends))
