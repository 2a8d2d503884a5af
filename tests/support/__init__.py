"""Helpers shared by the tests: fakes of external services, users, envelopes."""
