from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mockserver.providers.jframework import fixtures
from mockserver.providers.jframework.model import (
    AccessDenied,
    AppIntegrationNotFound,
    AppIntegrationUnsupported,
    Caller,
    InvalidField,
    JFramework,
    SettingNotFound,
    TestMessage,
    Unauthorized,
    brand_host,
    parse_status,
)
from mockserver.settings import Settings
from mockserver.world import World

WORLD = {
    "appIntegrations": [
        {"id": "twilio", "type": "SMS", "name": "Twilio", "domain": "https://www.twilio.com"},
        {
            "id": "strict",
            "type": "SMS",
            "name": "Strict",
            "domain": "https://strict.example",
            "credentials": [{"username": "good", "password": "pass"}],
        },
        {"id": "stripe", "type": "PaymentGateway", "name": "Stripe", "domain": "https://stripe.com"},
    ],
    "brands": [
        {
            "url": "demo.example.com",
            "authKeys": [{"key": "admin", "role": "admin"}, {"key": "viewer", "role": "viewer"}],
            "smsSettings": [
                {
                    "id": "first",
                    "appIntegrationId": "twilio",
                    "name": "First",
                    "username": "u",
                    "password": "p",
                    "phoneNumber": "+15005550006",
                    "isDefault": True,
                }
            ],
        },
        {"url": "other.example.com", "authKeys": [{"key": "other", "role": "admin"}]},
    ],
}
ADMIN = Caller("demo.example.com", "admin")
VIEWER = Caller("demo.example.com", "viewer")
OTHER = Caller("other.example.com", "admin")


def command(**overrides):
    body = {
        "appIntegrationId": "twilio",
        "name": "Second",
        "username": "u2",
        "password": "p2",
        "phoneNumber": "+15005550007",
    }
    body.update(overrides)
    return body


@pytest.fixture
def backend() -> World:
    backend = World([], Settings(seed=1, fixtures=()))
    backend.clock.freeze(datetime(2026, 3, 1, tzinfo=UTC))
    with backend.store.transaction() as tx:
        fixtures.load(tx, WORLD, backend.clock)
    return backend


@pytest.fixture
def jfw(backend: World) -> JFramework:
    return JFramework(backend.store, backend.clock, backend.ids, backend.outbox)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Active", "Active"),
        ("inACTIVE", "Inactive"),
        ("1 - Active", "Active"),
        ("0 - inactive", "Inactive"),
        (1, "Active"),
        (0, "Inactive"),
    ],
)
def test_status_accepts_every_documented_form(value, expected):
    assert parse_status(value) == expected


@pytest.mark.parametrize("value", ["1 - Inactive", "0 - Active", "enabled", 2, True, "", None])
def test_status_refuses_anything_else(value):
    with pytest.raises(InvalidField):
        parse_status(value)


@pytest.mark.parametrize(
    "url",
    ["demo.example.com", "DEMO.example.com", "https://Demo.Example.com/", "http://demo.example.com:8443/x"],
)
def test_brand_url_forms_name_the_same_brand(url):
    assert brand_host(url) == "demo.example.com"


def test_authentication_rules(jfw: JFramework):
    assert jfw.authenticate("https://demo.example.com", "viewer") == VIEWER
    with pytest.raises(Unauthorized, match="Brand-URL"):
        jfw.authenticate("nobody.example.com", "admin")
    with pytest.raises(Unauthorized, match="Auth-Key"):
        jfw.authenticate("demo.example.com", "unknown")
    with pytest.raises(Unauthorized, match="Auth-Key"):
        jfw.authenticate("demo.example.com", "other")  # another brand's key


def test_viewer_may_read_but_not_write(jfw: JFramework):
    assert [v.setting.id for v in jfw.list_settings(VIEWER)] == ["first"]
    for write in (
        lambda: jfw.create_setting(VIEWER, command()),
        lambda: jfw.update_setting(VIEWER, "first", command()),
        lambda: jfw.delete_setting(VIEWER, "first"),
        lambda: jfw.send_test(VIEWER, "twilio", TestMessage("u", "p", "+1555", "+1666", "hi")),
    ):
        with pytest.raises(AccessDenied):
            write()


def test_create_gives_a_seeded_id_the_clock_time_and_active_status(jfw: JFramework, backend: World):
    view = jfw.create_setting(ADMIN, command())
    assert len(view.setting.id) == 18 and view.setting.id.isalnum()
    assert view.setting.created == backend.clock.now()
    assert view.setting.status == "Active"
    assert view.setting.is_default is False
    assert view.integration.id == "twilio"
    again = World([], Settings(seed=1, fixtures=()))
    assert view.setting.id == again.ids.alphanumeric("jframework.setting", 18)


def test_a_new_default_clears_the_old_one_and_put_replaces_everything(jfw: JFramework):
    second = jfw.create_setting(ADMIN, command(isDefault=True, description="d")).setting
    defaults = [v.setting.id for v in jfw.list_settings(ADMIN) if v.setting.is_default]
    assert defaults == [second.id]
    updated = jfw.update_setting(ADMIN, second.id, command(name="Renamed")).setting
    assert (updated.name, updated.is_default, updated.description) == ("Renamed", False, None)
    assert updated.created == second.created


def test_catalogue_rules_on_create(jfw: JFramework):
    with pytest.raises(AppIntegrationNotFound):
        jfw.create_setting(ADMIN, command(appIntegrationId="nope"))
    with pytest.raises(AppIntegrationUnsupported):
        jfw.create_setting(ADMIN, command(appIntegrationId="stripe"))


def test_settings_of_another_brand_are_not_found(jfw: JFramework):
    for call in (
        lambda: jfw.get_setting(OTHER, "first"),
        lambda: jfw.update_setting(OTHER, "first", command()),
        lambda: jfw.delete_setting(OTHER, "first"),
    ):
        with pytest.raises(SettingNotFound):
            call()
    assert jfw.get_setting(ADMIN, "first").setting.name == "First"


def test_delete_is_hard_and_may_leave_no_default(jfw: JFramework):
    jfw.delete_setting(ADMIN, "first")
    assert jfw.list_settings(ADMIN) == []
    with pytest.raises(SettingNotFound):
        jfw.get_setting(ADMIN, "first")


def test_list_is_oldest_first(jfw: JFramework, backend: World):
    backend.clock.advance(timedelta(days=-400))
    older = jfw.create_setting(ADMIN, command(name="Older")).setting
    assert [v.setting.id for v in jfw.list_settings(ADMIN)] == [older.id, "first"]


def test_test_send_checks_listed_credentials_and_records_the_sms(jfw: JFramework, backend: World):
    sms = TestMessage("bad", "pass", "+15005550006", "+15550100001", "hello")
    assert jfw.send_test(ADMIN, "strict", sms) is False
    assert backend.outbox.messages() == []
    ok = TestMessage("good", "pass", "+15005550006", "+15550100001", "hello")
    assert jfw.send_test(ADMIN, "strict", ok) is True
    assert jfw.send_test(ADMIN, "twilio", sms) is True  # no list: anything passes
    sent = backend.outbox.find(provider="jframework")
    assert [(m.sender, m.to, m.text) for m in sent] == [("+15005550006", "+15550100001", "hello")] * 2
    with pytest.raises(AppIntegrationUnsupported):
        jfw.send_test(ADMIN, "stripe", ok)
    with pytest.raises(AppIntegrationNotFound):
        jfw.send_test(ADMIN, "nope", ok)


def test_a_rate_limited_key_gets_429_until_the_window_turns(backend: World, jfw: JFramework):
    from mockserver.providers.jframework.model import RateLimited

    limited = {
        "brands": [
            {
                "url": "demo.example.com",
                "authKeys": [
                    {"key": "slow", "role": "admin", "rateLimit": {"requests": 2, "perSeconds": 60}}
                ],
            }
        ]
    }
    with backend.store.transaction() as tx:
        fixtures.load(tx, limited, backend.clock)
    backend.clock.freeze(datetime(2026, 3, 1, 12, 0, 10, tzinfo=UTC))
    jfw.authenticate("demo.example.com", "slow")
    jfw.authenticate("demo.example.com", "slow")
    with pytest.raises(RateLimited) as caught:
        jfw.authenticate("demo.example.com", "slow")
    assert caught.value.retry_after == 50
    jfw.authenticate("demo.example.com", "admin")  # other keys are not limited
    backend.clock.advance(timedelta(seconds=50))
    assert jfw.authenticate("demo.example.com", "slow") == ADMIN


def test_the_brand_index_follows_creates_defaults_deletes_and_rollbacks():
    from mockserver import create_app
    from mockserver.providers.jframework.model import DEFAULTS, brand_settings

    app = create_app()
    model = app.world.handlers["jframework"].model
    caller = model.authenticate("demo.example.com", "demo-admin-key")
    body = {"appIntegrationId": "twilio", "name": "n", "username": "u", "password": "p",
            "phoneNumber": "+15005550006", "isDefault": True}  # fmt: skip
    created = model.create_setting(caller, body)
    with app.world.store.transaction() as tx:
        assert tx.get(DEFAULTS, "demo.example.com") == created.setting.id
        ids = [s.id for s in brand_settings(tx, "demo.example.com")]
        assert created.setting.id in ids and all(
            s.brand == "demo.example.com" for s in brand_settings(tx, "demo.example.com")
        )
        other_defaults = [s.id for s in brand_settings(tx, "other.example.com") if s.is_default]
    assert [v.setting.id for v in model.list_settings(caller) if v.setting.is_default] == [created.setting.id]
    model.delete_setting(caller, created.setting.id)
    with app.world.store.transaction() as tx:
        assert tx.get(DEFAULTS, "demo.example.com") is None
        assert created.setting.id not in [s.id for s in brand_settings(tx, "demo.example.com")]
        assert [s.id for s in brand_settings(tx, "other.example.com") if s.is_default] == other_defaults
