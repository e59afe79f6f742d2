"""A controllable clock: real UTC time by default, frozen or shifted on demand."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class Clock:
    """Time source for every model. Tests freeze it; the control plane moves it."""

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen_at = frozen_at
        self._offset = timedelta(0)
        self.on_change: Callable[[datetime | None, timedelta], None] | None = None
        """Told (frozen instant, offset) after each change: a state file keeps the fake time."""

    def state(self) -> tuple[datetime | None, timedelta]:
        with self._lock:
            return self._frozen_at, self._offset

    def set_state(self, frozen_at: datetime | None, offset: timedelta) -> None:
        """As `state()` gave it (a state file restores the fake time of the last run)."""
        with self._lock:
            self._frozen_at, self._offset = frozen_at, offset

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(*self.state())

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(UTC) + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze(self, at: datetime | None = None) -> None:
        """Stop time at `at` (default: the current fake time)."""
        instant = at if at is not None else self.now()
        if instant.tzinfo is None:
            raise ValueError("a frozen instant must carry a timezone")
        with self._lock:
            self._frozen_at = instant.astimezone(UTC)
        self._changed()

    def advance(self, delta: timedelta) -> None:
        """Move time forward (or back) by `delta`, frozen or not."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += delta
            else:
                self._offset += delta
        self._changed()

    def reset(self) -> None:
        """Real time again: not frozen, not shifted."""
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta(0)
        self._changed()

    def unfreeze(self) -> None:
        """Let time run again from the frozen instant onwards."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - datetime.now(UTC)
                self._frozen_at = None
        self._changed()


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
