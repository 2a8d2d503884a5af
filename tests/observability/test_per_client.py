"""Values derived from the active Sentry client: computed once per client, never across clients."""

import sentry_sdk

from app.observability.per_client import PerClient


def test_a_value_is_computed_once_per_client_and_again_for_the_next_one(
    client_factory, sentry_inbox
):
    computed = []
    value = PerClient(lambda client: computed.append(client) or len(computed))

    client_factory(sentry_dsn=sentry_inbox.dsn)
    first = sentry_sdk.get_client()
    assert [value.get(), value.get()] == [1, 1]
    client_factory(sentry_dsn=sentry_inbox.dsn)  # sentry_sdk.init again: a new client

    assert [value.get(), value.get()] == [2, 2]
    assert computed == [first, sentry_sdk.get_client()]


def test_nothing_is_computed_or_kept_while_sentry_is_off(client_factory):
    computed = []
    value = PerClient(lambda client: computed.append(client) or "on", inactive="off")
    client_factory()  # no DSN: Sentry off

    assert [value.get(), value.get()] == ["off", "off"]
    assert computed == []
