"""Credentials and capabilities cannot be predicted: same seed, same ids, different secrets."""

from __future__ import annotations

from mockserver import create_app


def issue(app) -> str:
    return (
        app.world.handlers["twosms"]
        .model.issue_token("client_credentials", "demo-client", "demo-secret")
        .token
    )


def advanced_send(app) -> tuple[str, list[str]]:
    model = app.world.handlers["twosms"].model
    caller = model.authenticate(issue(app))
    result = model.send(
        caller, {"Type": 0, "Content": "x", "Options": {}, "Contacts": {"ContactID": {"16": 2}}}
    )
    recipients = [r.token for r in result.message.recipients]
    return result.message.id, recipients


def test_tokens_link_tokens_and_tenant_keys_differ_between_fakes_with_the_same_seed():
    first, second = create_app(seed=5), create_app(seed=5)
    assert issue(first) != issue(second)
    (id_1, contacts_1), (id_2, contacts_2) = advanced_send(first), advanced_send(second)
    assert id_1 == id_2  # ids stay reproducible
    assert contacts_1 != contacts_2  # the capability in the SMS link does not
    tenant_1, tenant_2 = first.world.create_tenant(), second.world.create_tenant()
    assert tenant_1["id"] == tenant_2["id"]
    assert tenant_1["jframework"]["authKey"] != tenant_2["jframework"]["authKey"]
    assert tenant_1["twosms"]["clientSecret"] != tenant_2["twosms"]["clientSecret"]


def test_reproducible_secrets_only_when_asked_for():
    first, second = (create_app(seed=5, deterministic_secrets=True) for _ in range(2))
    assert issue(first) == issue(second)
    assert advanced_send(first) == advanced_send(second)


def test_expired_tokens_are_purged_so_issuing_all_day_does_not_grow_the_fake():
    from datetime import timedelta

    from mockserver.providers.twosms.accounts import PURGE_TOKENS_ABOVE
    from mockserver.providers.twosms.records import TOKENS

    app = create_app()
    for _ in range(PURGE_TOKENS_ABOVE):
        issue(app)
    app.world.clock.advance(timedelta(hours=9))  # past every token's 8 hours
    fresh = issue(app)
    with app.world.store.transaction() as tx:
        assert [t.token for t in tx.rows(TOKENS)] == [fresh]
