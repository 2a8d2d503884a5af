"""The log configuration comes from the settings."""

import logging


def test_log_level_comes_from_the_settings(client_factory):
    client_factory(log_level="warning")
    assert logging.getLogger().level == logging.WARNING
