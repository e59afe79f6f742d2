"""engine/coroutines.py: plain and async functions are called alike; one that suspends inside the
unit of work is said to, never left half run."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from mockserver.engine.coroutines import as_async, run_without_suspending, settled


def plain(message_id: str, body: dict | None = None) -> dict:
    return {"id": message_id, "body": body}


async def already_async(x: int) -> int:
    return x + 1


async def suspends() -> None:
    await asyncio.sleep(0)


def test_a_plain_function_becomes_a_coroutine_function_with_its_signature():
    wrapped = as_async(plain)
    assert inspect.iscoroutinefunction(wrapped)
    assert list(inspect.signature(wrapped).parameters) == ["message_id", "body"]  # passed by these names
    assert run_without_suspending(wrapped(message_id="m"), "plain") == {"id": "m", "body": None}
    assert as_async(already_async) is already_async


def test_settled_finishes_a_coroutine_and_passes_a_value_through():
    assert settled(already_async(1), "f") == 2
    assert settled({"sub": "x"}, "f") == {"sub": "x"}
    assert settled(None, "f") is None


def test_a_coroutine_that_suspends_is_an_error_naming_it():
    with pytest.raises(RuntimeError, match="check_key awaited inside its transaction"):
        settled(suspends(), "check_key")
