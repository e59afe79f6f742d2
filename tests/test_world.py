"""world.py: the one owner of state; time-driven effects happen in one place (`catch_up_with`), told by
the clock when it is moved and run before each provider request, never by handlers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mockserver.app import create_app
from mockserver.providers.twosms.records import Caller
from tests.inprocess import DEMO_CLIENT, call

ACCOUNT = "71a9437e-9ae2-410d-b3d1-983c44a55dcd"  # the demo account of the bundled fixtures
START = datetime(2026, 6, 1, 9, tzinfo=UTC)


def queue_one(app) -> None:
    """A message scheduled an hour after START, sent straight through the model."""
    model = app.world.handlers["twosms"].model
    body = {"Type": 0, "Content": "later", "Contacts": {"ContactID": {"16": 2}}}
    body["Options"] = {"DateToSend": (START + timedelta(hours=1)).isoformat()}
    model.send(Caller(ACCOUNT, "demo-client"), body)


def twosms_texts(app) -> list[str]:
    return [m.text for m in app.world.outbox.messages() if m.provider == "twosms"]


def test_moving_the_clock_delivers_what_became_due_with_no_request_at_all():
    app = create_app(seed=1)
    app.world.clock.freeze(START)
    queue_one(app)
    assert twosms_texts(app) == []
    app.world.clock.advance(timedelta(minutes=59))
    assert twosms_texts(app) == []
    app.world.clock.advance(timedelta(minutes=1))
    assert len(twosms_texts(app)) == 1


def test_time_that_passed_unannounced_is_caught_up_before_the_next_provider_request():
    app = create_app(seed=1)
    app.world.clock.freeze(START)
    queue_one(app)
    app.world.clock.set_state(START + timedelta(hours=2), timedelta(0))  # as a restart reads it: no move
    assert twosms_texts(app) == []

    token = call(app, "POST", "/twosms/Token", data=DEMO_CLIENT)  # any request to the provider will do
    assert token.status_code == 200
    assert len(twosms_texts(app)) == 1


def test_a_reset_is_not_a_move_and_delivers_nothing():
    app = create_app(seed=1)
    app.world.clock.freeze(START)
    queue_one(app)
    app.world.reset()
    assert twosms_texts(app) == [] and not app.world.clock.frozen
