"""When recurring sends send (T29): days, ends, and catching up after a clock jump, worked out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest
import yaml

from mockserver import create_app
from mockserver.errors import FixtureError
from mockserver.providers.twosms.due import next_due
from mockserver.providers.twosms.records import MessageType, RecurrenceEnd, Schedule
from mockserver.providers.twosms.schedules import (
    PlannedKind,
    days_from_mask,
    days_from_names,
    due_count,
    next_occurrence,
    occurrence_times,
    occurrences_between,
    planned_sends,
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


def _world(tmp_path, **account) -> list:
    entry = {"id": "11111111-2222-4333-8444-555555555555", "name": "T", "credits": 10,
             "contacts": [{"personNumber": 1, "mobile": "+15550100001"}], **account}  # fmt: skip
    path = tmp_path / "f.yaml"
    path.write_text(yaml.safe_dump({"twosms": {"accounts": [entry]}}))
    return [path]


RECURRING = {"id": "22222222-3333-4444-8555-666666666666", "content": "x", "start": "2099-01-01T08:00:00Z",
             "recipients": [{"personNumber": 1}]}  # fmt: skip


@pytest.mark.parametrize(
    ("account", "where"),
    [
        ({"recurring": [{**RECURRING, "range": "END_BY"}]}, r"/recurring/0/range: END_BY needs a lastDate"),
        ({"recurring": [{**RECURRING, "days": ["Funday"]}]}, r"recurring/0/days/0"),
        (
            {"recurring": [{**RECURRING, "recipients": [{"personNumber": 9}]}]},
            r"recurring/0/recipients/0/personNumber",
        ),
        (
            {
                "messages": [
                    {
                        "id": RECURRING["id"],
                        "recipients": [{"personNumber": 1}],
                        "replies": [{"from": "+15550100002", "text": "hi"}],
                    }
                ]
            },
            r"messages/0/replies/0/from: is not a recipient",
        ),
        (
            {"templates": [{"id": RECURRING["id"], "name": "t", "text": "x", "type": "FAX"}]},
            r"templates/0/type",
        ),
    ],
)
def test_a_bad_fixture_entry_is_refused_naming_where_it_is(tmp_path, account, where):
    with pytest.raises(FixtureError, match=where):
        create_app(fixtures=_world(tmp_path, **account))


def test_fixture_pending_and_recurring_sends_are_planned(tmp_path):
    pending = {
        "id": "33333333-4444-4555-8666-777777777777",
        "dateToSend": "2099-01-01T09:00:00Z",
        "recipients": [{"personNumber": 1}],
    }
    app = create_app(
        fixtures=_world(tmp_path, messages=[pending], recurring=[{**RECURRING, "days": ["Saturday"]}])
    )
    try:
        with app.world.store.transaction() as tx:
            planned = {p.id: p.next_at for p in planned_sends(tx, "11111111-2222-4333-8444-555555555555")}
        assert planned == {
            pending["id"]: datetime(2099, 1, 1, 9, 0, tzinfo=UTC),
            RECURRING["id"]: datetime(2099, 1, 3, 8, 0, tzinfo=UTC),  # the first Saturday
        }
    finally:
        app.world.close()


class _Counting:
    """A store participant that counts transactions begun."""

    def __init__(self) -> None:
        self.begun = 0

    def begin(self) -> None:
        self.begun += 1

    def rollback(self) -> None: ...

    def commit(self) -> None: ...


def test_nothing_due_costs_no_transaction_and_the_due_instant_follows_the_plan():
    app = create_app()  # the demo world: a message pending until 2099-01-01, a recurring send from 2099-01-03
    try:
        world, model = app.world, app.world.handlers["twosms"].model
        assert next_due(world.store) == datetime(2099, 1, 1, 9, 0, tzinfo=UTC)
        counting = _Counting()
        world.store.attach(counting)
        assert model.deliver_due() == 0
        assert counting.begun == 0  # the check made before every 2SMS request
        caller = model.authenticate(
            model.issue_token("client_credentials", "demo-client", "demo-secret").token
        )
        model.cancel(caller, {"All": True}, PlannedKind.PENDING)
        assert next_due(world.store) == datetime(2099, 1, 3, 8, 0, tzinfo=UTC)  # the recurring send's
        model.cancel(caller, {"All": True}, PlannedKind.RECURRING)
        assert next_due(world.store) is None
        world.reset()
        assert next_due(world.store) == datetime(2099, 1, 1, 9, 0, tzinfo=UTC)  # restored with the state
    finally:
        app.world.close()
