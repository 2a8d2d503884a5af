"""The event's `modules` section (installed packages and versions) reaches Sentry as it is."""

from importlib.metadata import version


def test_package_names_that_contain_a_secret_word_keep_their_version(sentry_client, sentry_inbox):
    assert sentry_client.get("/sentry-debug").status_code == 500

    (event,) = sentry_inbox.events()
    assert event["modules"]["tiktoken"] == version("tiktoken")
    assert event["modules"]["sentry-sdk"] == version("sentry-sdk")
