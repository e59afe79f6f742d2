"""When recurring sends send (T29): days, ends, and catching up after a clock jump, worked out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest

from mockserver.providers.twosms.records import MessageType, RecurrenceEnd, Schedule
from mockserver.providers.twosms.schedules import (
    days_from_mask,
    days_from_names,
    due_count,
    next_occurrence,
    occurrence_times,
    occurrences_between,
    skip_occurrences,
)

MONDAY = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 1 June 2026 is a Monday


def schedule(end=RecurrenceEnd.NO_END, days=(), occurrences=None, last_date=None, **changes) -> Schedule:
    base = Schedule(
        "s", "a", MessageType.STANDARD, "", "x", "", (), MONDAY, days, end, occurrences, last_date, MONDAY
    )
    return Schedule(**{**{f: getattr(base, f) for f in base.__slots__}, **changes})


def test_day_masks_follow_dotnet_day_of_week_bits():
    assert days_from_mask(0) == ()  # every day
    assert days_from_mask(2 | 16) == (0, 3)  # Monday (bit 1) and Thursday (bit 4)
    assert days_from_mask(1 | 64) == (5, 6)  # Sunday is bit 0, Saturday bit 6
    assert days_from_names(["Thursday", "Monday", "Monday"], "/PatternScheduleDays") == (0, 3)


def test_occurrences_fall_on_the_listed_days_at_the_start_time():
    times = list(islice(occurrence_times(MONDAY + timedelta(days=1), (0, 3)), 3))
    assert times == [MONDAY + timedelta(days=3), MONDAY + timedelta(days=7), MONDAY + timedelta(days=10)]


@pytest.mark.parametrize("days", [(), (0,), (0, 3), (1, 2, 4, 5, 6)])
@pytest.mark.parametrize("span", [0, 1, 6, 7, 13, 100])
def test_counting_and_skipping_agree_with_walking(days, span):
    end = MONDAY + timedelta(days=span, hours=1)
    walked = [t for t in islice(occurrence_times(MONDAY, days), 200) if t <= end]
    assert occurrences_between(MONDAY, end, days) == len(walked)
    for count in range(len(walked)):
        assert skip_occurrences(MONDAY, count, days) == walked[count]


def test_end_after_stops_once_every_occurrence_is_counted():
    three = schedule(RecurrenceEnd.END_AFTER, occurrences=3)
    assert next_occurrence(three, None) == MONDAY
    assert next_occurrence(schedule(RecurrenceEnd.END_AFTER, occurrences=3, sent=2, missed=1), MONDAY) is None
    assert due_count(three, MONDAY + timedelta(days=30)) == 3


def test_end_by_stops_after_the_last_date():
    until = schedule(RecurrenceEnd.END_BY, last_date=MONDAY + timedelta(days=2))
    assert due_count(until, MONDAY + timedelta(days=30)) == 3
    assert next_occurrence(until, MONDAY + timedelta(days=2)) is None


def test_a_jump_of_centuries_is_counted_not_walked_and_stops_before_the_calendar_ends():
    weekly = schedule(days=(0,))
    assert due_count(weekly, datetime(8999, 12, 31, tzinfo=UTC)) > 360_000
    assert next_occurrence(weekly, datetime(9999, 12, 31, 8, 0, tzinfo=UTC)) is None
