"""Handlers and security functions may be `async def` or plain `def`: both engines call them alike.

A provider's work runs inside the request's unit of work (one store transaction), where nothing else
may run: an `async` function there is driven to its end at once, and one that truly suspends (awaits
I/O or a sleep) is a bug, said as such rather than left to interleave with other requests.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any


def as_async(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """`function` as a coroutine function (itself if it is one). The wrapper keeps the signature
    (`inspect.signature` follows `__wrapped__`), so arguments are still passed by its names."""
    if inspect.iscoroutinefunction(function):
        return function

    @functools.wraps(function)
    async def call(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return call


def run_without_suspending(call: Coroutine[Any, Any, Any], who: str) -> Any:
    """Run a coroutine that must not suspend (it holds the store's transaction) to its result."""
    try:
        call.send(None)
    except StopIteration as done:
        return done.value
    call.close()
    raise RuntimeError(f"{who} awaited inside its transaction")


def settled(value: Any, who: str) -> Any:
    """What a function returned, or, if it was a coroutine, what that coroutine returns."""
    return run_without_suspending(value, who) if inspect.iscoroutine(value) else value
