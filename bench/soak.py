"""`make soak`: minutes of mixed load on a live fake, reported every minute.

Sends (2SMS JSON and XML), JFramework updates, long-poll waiters, fault rules, resets,
snapshot/restore and clock moves, and the red-team run's hostile inputs (bench/hostile.py: lone
surrogates, alias and entity bombs, bad YAML scalars, clock overflows, 1 MB sends, oversize
headers, malformed HTTP), from a few concurrent clients on loopback. Each minute: requests,
5xx answers, other unexpected answers, p99 latency and the fake's RSS. Passes when there was no 5xx
(beyond the injected ones) and RSS after the first minute stayed within 10%.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from dataclasses import dataclass, field

import httpx

from bench import hostile, servers
from bench.measure import running, start_fake
from bench.workloads import TWOSMS_CLIENT, jframework_put

ADMIN_JSON = {"Content-Type": "application/json"}
MAX_REQUESTS_PER_MINUTE = 200_000  # a bound on each loop besides time


@dataclass
class Minute:
    requests: int = 0
    server_errors: int = 0
    unexpected: int = 0
    latencies: list[float] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    """The first unexpected answers, to say what they were."""


class Soak:
    def __init__(self, fake: servers.Server, seed: int) -> None:
        self.fake = fake
        self.random = random.Random(seed)
        self.minute = Minute()
        self.token = ""

    async def call(self, client: httpx.AsyncClient, method: str, path: str, ok: set[int], **kwargs) -> None:
        began = time.perf_counter()
        try:
            answer = await client.request(method, path, **kwargs)
            status = answer.status_code
        except httpx.HTTPError:
            status = 0  # a dropped connection: only faults drop, and the soak adds none that do
        self._count(f"{method} {path}", status, ok, began)

    def _count(self, what: str, status: int, ok: set[int], began: float) -> None:
        self.minute.latencies.append(time.perf_counter() - began)
        self.minute.requests += 1
        if status in ok:
            return
        sample = f"{what[:120]} -> {status}"
        if status >= 500:
            self.minute.server_errors += 1
            self.minute.samples.insert(0, sample)  # server errors are said first
        else:
            self.minute.unexpected += 1
            self.minute.samples.append(sample)
        del self.minute.samples[5:]

    async def token_for(self, client: httpx.AsyncClient, current: str = "") -> str:
        """A fresh token; the current one when an injected fault answered instead (503)."""
        answer = await client.post("/twosms/Token", data=TWOSMS_CLIENT)
        self.minute.requests += 1
        if answer.status_code != 200:
            self.minute.unexpected += answer.status_code not in (503,)
            return current
        return answer.json()["access_token"]

    async def client_loop(self, until: float) -> None:
        async with httpx.AsyncClient(base_url=self.fake.url, timeout=30) as client:
            token = await self.token_for(client)
            bearer = {"Authorization": f"Bearer {token}"}
            for _ in range(MAX_REQUESTS_PER_MINUTE * 60):
                if time.monotonic() >= until:
                    return
                roll = self.random.random()
                number = f"+1555{self.random.randrange(10**7):07d}"
                if roll < 0.35:
                    body = {"Type": 1, "Content": "soak 123456", "Options": {"Sender": "Soak"},
                            "Contacts": {"QuickRecipients": {number: 2}}}  # fmt: skip
                    # 402 once credits run out between resets; 401 when a reset dropped our token.
                    await self.call(client, "POST", "/twosms/api/v2/sms/messages", {200, 401, 402, 503},
                                    json=body, headers=bearer)  # fmt: skip
                elif roll < 0.65:
                    put = jframework_put()
                    body = put.body_for(self.random.randrange(1000))
                    await self.call(client, "PUT", put.path, {200}, content=body, headers=put.headers)
                elif roll < 0.75:
                    await self.call(
                        client, "GET", "/__admin/outbox", {200}, params={"to": number, "wait": 0.2}
                    )
                elif roll < 0.80:
                    await self.call(client, "GET", "/_/inbox", {200})
                elif roll < 0.85:
                    token = await self.token_for(client, token)
                    bearer = {"Authorization": f"Bearer {token}"}
                elif roll < 0.93:
                    await self.hostile(client, bearer)
                else:
                    await self.control(client)

    async def hostile(self, client: httpx.AsyncClient, bearer: dict[str, str]) -> None:
        if self.random.random() < 0.1:
            name, request, status = self.random.choice(hostile.RAW)
            began = time.perf_counter()
            answered = await hostile.raw_status(self.fake.port, request)
            self._count(f"{name} (raw)", answered, {status}, began)
            return
        chosen = hostile.pick(self.random)
        headers = {**chosen.headers, **(bearer if chosen.bearer else {})}
        injected = {503} if chosen.path.startswith("/twosms") else set()  # the soak's fault rules
        await self.call(
            client,
            chosen.method,
            chosen.path,
            set(chosen.ok) | injected,
            content=chosen.body,
            headers=headers,
        )

    async def control(self, client: httpx.AsyncClient) -> None:
        roll = self.random.random()
        if roll < 0.2:
            await self.call(client, "POST", "/__admin/reset", {200}, json={}, headers=ADMIN_JSON)
        elif roll < 0.4:
            name = f"s{self.random.randrange(5)}"
            await self.call(client, "PUT", f"/__admin/snapshots/{name}", {200}, json={})
            await self.call(client, "POST", f"/__admin/snapshots/{name}/restore", {200}, json={})
        elif roll < 0.6:
            await self.call(client, "POST", "/__admin/clock", {200}, json={"advance": "PT1H"})
        elif roll < 0.8:
            fault = {"provider": "twosms", "status": 503, "times": 1, "probability": 0.5, "seed": 1}
            await self.call(client, "POST", "/__admin/faults", {201}, json=fault)
        else:
            await self.call(client, "DELETE", "/__admin/faults", {200}, json={})

    def report(self, index: int) -> tuple[str, float, int]:
        minute, self.minute = self.minute, Minute()
        p99 = statistics.quantiles(minute.latencies, n=100)[98] * 1000 if len(minute.latencies) > 1 else 0.0
        rss = self.fake.rss_mib()
        line = (f"| {index} | {minute.requests:,} | {minute.server_errors} | {minute.unexpected} | "
                f"{p99:.1f} | {rss:.1f} | {'; '.join(minute.samples)} |")  # fmt: skip
        return line, rss, minute.server_errors


async def soak(minutes: int, clients: int, seed: int) -> int:
    with running(start_fake) as (fake,):
        run = Soak(fake, seed)
        print(
            "| minute | requests | 5xx | other unexpected | p99 ms | RSS MiB | first unexpected |\n"
            "|---|---|---|---|---|---|---|"
        )
        rss, errors = [], 0
        for index in range(1, minutes + 1):
            until = time.monotonic() + 60
            await asyncio.gather(*(run.client_loop(until) for _ in range(clients)))
            line, minute_rss, minute_errors = run.report(index)
            rss.append(minute_rss)
            errors += minute_errors
            print(line, flush=True)
    settled = rss[1:] or rss
    growth = max(settled) / min(settled) - 1
    flat = growth <= 0.10
    print(f"\nRSS after the first minute: {min(settled):.1f}-{max(settled):.1f} MiB ({growth:+.1%}): "
          f"{'flat within 10%' if flat else 'NOT flat'}; 5xx: {errors}")  # fmt: skip
    return 0 if flat and errors == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    return asyncio.run(soak(args.minutes, args.clients, args.seed))


if __name__ == "__main__":
    sys.exit(main())
