"""Large worlds: fixture files with many stored 2SMS messages, and the per-test reset timed in-process."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mockserver.app import MockApp, create_app
from mockserver.fixtures import FixtureDocument, read_document

BENCH_ACCOUNT = "b0000000-0000-4000-8000-000000000000"
BENCH_CLIENT = {
    "grant_type": "client_credentials",
    "client_id": "bench-client",
    "client_secret": "bench-secret",
}


def message_id(index: int) -> str:
    return str(uuid.UUID(int=(0xB1 << 120) | index, version=4))


def world(messages: int) -> dict[str, object]:
    """A second 2SMS account (beside the demo world) holding `messages` sent messages."""
    return {
        "twosms": {
            "accounts": [
                {
                    "id": BENCH_ACCOUNT,
                    "name": "Bench Account",
                    "credits": 1_000_000,
                    "clients": [{"clientId": "bench-client", "secret": "bench-secret"}],
                    "contacts": [{"personNumber": 1, "mobile": "+15550109001", "firstName": "Bench"}],
                    "messages": [
                        {
                            "id": message_id(i),
                            "type": "ADVANCED",
                            "sender": "Bench",
                            "content": f"Stored message {i}",
                            "dateSent": "2026-01-01T09:00:00Z",
                            "expiryDate": "2099-12-31T00:00:00Z",
                            "recipients": [{"personNumber": 1}],
                        }
                        for i in range(messages)
                    ],
                }
            ]
        }
    }


GROUP_ACCOUNT = "b1000000-0000-4000-8000-000000000000"
GROUP_CLIENT = {
    "grant_type": "client_credentials",
    "client_id": "group-client",
    "client_secret": "group-secret",
}
BENCH_GROUP = "b2000000-0000-4000-8000-000000000000"


def write_group_world(directory: Path, contacts: int) -> Path:
    """A 2SMS account whose one group holds `contacts` contacts, with credits for a long run."""
    account = {
        "id": GROUP_ACCOUNT,
        "name": "Group Account",
        "credits": 10**12,
        "clients": [{"clientId": "group-client", "secret": "group-secret"}],
        "contacts": [{"personNumber": i + 1, "mobile": f"+1555020{i:04d}"} for i in range(contacts)],
        "groups": [{"id": BENCH_GROUP, "name": "Everyone", "members": list(range(1, contacts + 1))}],
    }
    path = directory / f"group-{contacts}.json"
    path.write_text(json.dumps({"twosms": {"accounts": [account]}}))
    return path


def write_crowded_brand(directory: Path, settings: int) -> Path:
    """Another JFramework brand (beside the demo world's) holding `settings` SMS settings."""
    brand = {
        "url": "crowded.example.com",
        "authKeys": [{"key": "crowded-key", "role": "admin"}],
        "smsSettings": [
            {"id": f"crowded{i:011d}", "appIntegrationId": "twilio", "name": f"Crowded {i}", "username": "u",
             "password": "p", "phoneNumber": "+15005550006", "isDefault": i == 0}
            for i in range(settings)
        ],
    }  # fmt: skip
    path = directory / f"crowded-{settings}.json"
    path.write_text(json.dumps({"jframework": {"brands": [brand]}}))
    return path


def write_world(directory: Path, messages: int) -> Path:
    path = directory / f"world-{messages}.json"
    path.write_text(json.dumps(world(messages)))
    return path


@dataclass(frozen=True)
class ResetTime:
    label: str
    median_us: float
    p99_us: float


def reset_times(directory: Path, repeats: int) -> list[ResetTime]:
    """`World.reset()` (what the pytest plugin's per-test restore calls), after a test changed state.

    Three worlds: the default fixtures; 10,000 messages in the baseline; the default baseline after a
    test stored 10,000 messages (they must all go).
    """
    default = create_app()
    big = create_app(["default", write_world(directory, 10_000)])
    grown = create_app()
    results = [
        _time_reset("default fixtures, one row changed", default, repeats, lambda: _touch(default)),
        _time_reset("10,000 messages in the baseline, one row changed", big, repeats, lambda: _touch(big)),
    ]
    document = _document(directory, 10_000)
    results.append(
        _time_reset(
            "default baseline, 10,000 messages added by the test",
            grown,
            max(3, repeats // 100),
            lambda: grown.world.load([document]),
        )
    )
    return results


def _document(directory: Path, messages: int) -> FixtureDocument:
    return read_document(write_world(directory, messages))


def _touch(app: MockApp) -> None:
    with app.world.store.transaction() as tx:
        tx.put("bench.scratch", "row", object())


def _time_reset(label: str, app: MockApp, repeats: int, change: Callable[[], None]) -> ResetTime:
    samples = []
    for _ in range(repeats):
        change()
        began = time.perf_counter_ns()
        app.world.reset()
        samples.append((time.perf_counter_ns() - began) / 1000)
    samples.sort()
    return ResetTime(
        label, statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    )
