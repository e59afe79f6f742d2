"""state/clock.py: the controllable clock, and the instants it reads and writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mockserver.state.clock import EARLIEST, LATEST, Clock, ClockOutOfRange, isoformat, parse_instant


def test_frozen_clock_stands_still_and_advances_on_demand():
    clock = Clock()
    instant = datetime(2026, 1, 1, tzinfo=UTC)
    clock.freeze(instant)
    assert clock.now() == instant
    clock.advance(timedelta(hours=8))
    assert clock.now() == instant + timedelta(hours=8)
    assert isoformat(clock.now()) == "2026-01-01T08:00:00Z"


def test_unfrozen_clock_keeps_the_shift():
    clock = Clock()
    clock.freeze(datetime(2099, 1, 1, tzinfo=UTC))
    clock.unfreeze()
    assert not clock.frozen
    assert clock.now().year in (2098, 2099)  # time runs on from the frozen instant


def test_freezing_needs_a_timezone():
    with pytest.raises(ValueError):
        Clock().freeze(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01T09:00:00Z", datetime(2026, 1, 1, 9, tzinfo=UTC)),
        ("2026-01-01t09:00:00z", datetime(2026, 1, 1, 9, tzinfo=UTC)),
        (" 2026-01-01T09:00:00+02:00 ", datetime(2026, 1, 1, 7, tzinfo=UTC)),
        ("2026-12-31T23:59:60Z", datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2026-01-01T09:00:00", datetime(2026, 1, 1, 9, tzinfo=UTC)),
    ],
)
def test_instants_in_every_accepted_form(text, expected):
    assert parse_instant(text) == expected


@pytest.mark.parametrize("frozen", [True, False])
def test_the_clock_refuses_to_leave_its_bounds_and_stays_where_it_was(frozen):
    clock = Clock(datetime(2030, 1, 1, tzinfo=UTC) if frozen else None)
    before = clock.state()
    for delta in (timedelta(days=-999_999_999), timedelta(days=999_999_999), LATEST - EARLIEST):
        with pytest.raises(ClockOutOfRange):
            clock.advance(delta)
        assert clock.state() == before
    with pytest.raises(ClockOutOfRange):
        clock.freeze(datetime(1899, 12, 31, 23, 59, 59, tzinfo=UTC))
    clock.freeze(LATEST)  # the bound itself is within
    assert clock.now() == LATEST


def test_many_steps_cannot_walk_the_clock_out_of_its_bounds():
    clock = Clock(datetime(2030, 1, 1, tzinfo=UTC))
    refused = 0
    for _ in range(64):
        try:
            clock.advance(timedelta(seconds=-999_999_999))
        except ClockOutOfRange:
            refused += 1
    assert refused == 64 - 4  # 31.7 years a step: 1998, 1966, 1935, 1903; the next would leave 1900
    assert clock.now() >= EARLIEST and clock.now().year == 1903
