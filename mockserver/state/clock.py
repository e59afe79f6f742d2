"""A controllable clock: real UTC time by default, frozen or shifted on demand."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(8999, 12, 31, 23, 59, 59, tzinfo=UTC)
"""The fake time stays within these, the years the control plane's `freeze` accepts: a thousand
years short of what `datetime` can hold, so that every rule adding a lifetime, a delay or a
recurrence to the fake time stays within it (they add at most a few years)."""


class ClockOutOfRange(ValueError):
    """A setting that would take the fake time outside EARLIEST..LATEST (nothing changed)."""

    def __init__(self, instant: datetime | None) -> None:
        where = "past datetime's range" if instant is None else isoformat(instant)
        super().__init__(
            f"That would take the clock to {where}: the fake time stays between "
            f"{isoformat(EARLIEST)} and {isoformat(LATEST)}."
        )


def _within(instant: datetime) -> datetime:
    if not EARLIEST <= instant <= LATEST:
        raise ClockOutOfRange(instant)
    return instant


class Clock:
    """Time source for every model. Tests freeze it; the control plane moves it.

    Its setting is one tuple (frozen instant, offset), replaced whole under the lock, so `now`,
    asked several times by every request, reads it without taking the lock."""

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._setting: tuple[datetime | None, timedelta] = (frozen_at, timedelta(0))
        self.on_change: Callable[[datetime | None, timedelta], None] | None = None
        """Told (frozen instant, offset) after each change: a state file keeps the fake time."""
        self._on_move: list[Callable[[], None]] = []

    def on_move(self, listener: Callable[[], None]) -> None:
        """Call `listener` each time the fake time is moved on purpose (frozen, advanced or let run
        again): the one hook through which providers learn that time moved. A reset or a restored
        setting is not a move."""
        self._on_move.append(listener)

    def _moved(self) -> None:
        self._changed()
        for listener in self._on_move:
            listener()

    def state(self) -> tuple[datetime | None, timedelta]:
        return self._setting

    def set_state(self, frozen_at: datetime | None, offset: timedelta) -> None:
        """As `state()` gave it (a state file restores the fake time of the last run)."""
        with self._lock:
            self._setting = (frozen_at, offset)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(*self.state())

    def now(self) -> datetime:
        frozen_at, offset = self._setting
        if frozen_at is not None:
            return frozen_at
        return datetime.now(UTC) + offset if offset else datetime.now(UTC)

    @property
    def frozen(self) -> bool:
        return self._setting[0] is not None

    def freeze(self, at: datetime | None = None) -> None:
        """Stop time at `at` (default: the current fake time)."""
        instant = at if at is not None else self.now()
        if instant.tzinfo is None:
            raise ValueError("a frozen instant must carry a timezone")
        instant = _within(instant.astimezone(UTC))
        with self._lock:
            self._setting = (instant, self._setting[1])
        self._moved()

    def advance(self, delta: timedelta) -> None:
        """Move time forward (or back) by `delta`, frozen or not; ClockOutOfRange past the bounds."""
        with self._lock:
            frozen_at, offset = self._setting
            try:
                _within((frozen_at or datetime.now(UTC) + offset) + delta)
            except OverflowError:
                raise ClockOutOfRange(None) from None
            if frozen_at is not None:
                self._setting = (frozen_at + delta, offset)
            else:
                self._setting = (None, offset + delta)
        self._moved()

    def reset(self) -> None:
        """Real time again: not frozen, not shifted."""
        with self._lock:
            self._setting = (None, timedelta(0))
        self._changed()

    def unfreeze(self) -> None:
        """Let time run again from the frozen instant onwards."""
        with self._lock:
            frozen_at = self._setting[0]
            if frozen_at is not None:
                self._setting = (None, frozen_at - datetime.now(UTC))
        self._moved()


def isoformat(instant: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, the form both providers' docs show."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def dotnet_isoformat(instant: datetime) -> str:
    """An instant as .NET writes a UTC DateTime (Json.NET, XmlSerializer, System.Text.Json:
    `...ss.FFFFFFFK`): the fraction of a second without its trailing zeros, none on a whole second.
    Both providers' docs show this form (`07:34:48.6144129Z`, `13:56:00.838512+07:00`)."""
    text = isoformat(instant)
    head, dot, tail = text.partition(".")
    if not dot:
        return text
    fraction = tail.removesuffix("Z").rstrip("0")
    return f"{head}.{fraction}Z" if fraction else f"{head}Z"


_LEAP_SECOND = re.compile(r"(T\d{2}:\d{2}:)60")


def parse_instant(value: str) -> datetime:
    """RFC 3339 / ISO 8601 (`Z` or `z`, `t`, a leap second read as :59); without an offset, UTC.
    ValueError if it is not a date-time."""
    try:
        instant = datetime.fromisoformat(value)  # the common form, in C
    except ValueError:
        text = _LEAP_SECOND.sub(r"\g<1>59", value.strip().upper()).replace("Z", "+00:00")
        instant = datetime.fromisoformat(text)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
