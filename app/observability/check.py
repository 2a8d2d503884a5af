"""`python -m app.core.sentry check`: tell ops, in one command, whether Sentry works.

    railway run python -m app.core.sentry check     # with the service's Railway variables

It validates the settings, prints the effective configuration (never the DSN's key), sends one
test event through the app's own SDK set-up (same transport, hooks and options as the
service), and reports what Sentry's ingestion endpoint answered. Exit codes: 0 accepted,
1 rejected / rate-limited / unreachable / other answer, 2 bad or missing configuration.
"""

import sys
from typing import TextIO

import sentry_sdk
from sentry_sdk.utils import Dsn

from app.core.config import ConfigError, Settings, load_settings
from app.observability.options import resolve_release, start_sdk
from app.observability.transport import ResilientTransport

OK, FAILED, BAD_CONFIG = 0, 1, 2
# Long enough for one full attempt of the transport, so "unreachable" means what it says.
FLUSH_TIMEOUT_S = ResilientTransport.TIMEOUT + 2


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    """Run the command named in argv (only `check` exists); return the exit code."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["check"]:
        print("usage: python -m app.core.sentry check", file=sys.stderr)
        return BAD_CONFIG
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return BAD_CONFIG
    return check(settings, out=out)


def check(settings: Settings, *, out: TextIO) -> int:
    """Print the configuration, send one test event and report Sentry's answer."""
    for line in describe(settings):
        print(line, file=out)
    if settings.sentry_dsn is None:
        print("Result: not configured (SENTRY_DSN is empty); nothing to send", file=out)
        return BAD_CONFIG
    verdict, code = send_test_event(settings)
    print(f"Result: {verdict}", file=out)
    return code


def describe(settings: Settings) -> list[str]:
    """The effective Sentry configuration, safe to print: host and project, never the key."""
    dsn = "(not set)"
    if settings.sentry_dsn is not None:
        parsed = Dsn(settings.sentry_dsn.get_secret_value())
        dsn = f"host={parsed.netloc} project_id={parsed.project_id} (key hidden)"
    return [
        f"DSN:                  {dsn}",
        f"Environment:          {settings.environment}",
        f"Release:              {resolve_release(settings)}",
        f"Traces sample rate:   {settings.traces_sample_rate}",
        f"Profiles sample rate: {settings.sentry_profiles_sample_rate}",
        f"Spotlight:            {settings.spotlight_url or 'off'}",
        f"Shutdown timeout:     {settings.sentry_shutdown_timeout} s",
        (
            f"Budgets (ms):         api={settings.sentry_budget_api_ms} "
            f"db={settings.sentry_budget_db_ms} external={settings.sentry_budget_external_ms}"
        ),
    ]


def send_test_event(settings: Settings) -> tuple[str, int]:
    """Send one message event through the app's SDK set-up; classify the endpoint's answer."""
    start_sdk(settings)
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("sentry_check", "true")
        event_id = sentry_sdk.capture_message(
            "Sentry check: test event from `python -m app.core.sentry check`", level="info"
        )
    client = sentry_sdk.get_client()
    client.flush(timeout=FLUSH_TIMEOUT_S)
    transport = client.transport
    status = getattr(transport, "last_status", None)
    error = getattr(transport, "last_error", None)
    client.close(timeout=0)
    return classify(status, error, event_id)


def classify(
    status: int | None, error: BaseException | None, event_id: str | None
) -> tuple[str, int]:
    """Turn the transport's last answer into a verdict for humans and an exit code."""
    if status is not None and 200 <= status < 300:
        return f"accepted (HTTP {status}); event id {event_id}", OK
    if status in (401, 403):
        return f"rejected (HTTP {status}): the DSN's key or project is wrong or revoked", FAILED
    if status == 413:
        return "rejected (HTTP 413): the envelope is too large", FAILED
    if status == 429:
        return "rate-limited (HTTP 429): the project or organization is over its quota", FAILED
    if status is not None:
        return f"unexpected answer (HTTP {status}) from the ingestion endpoint", FAILED
    if error is not None:
        reason = type(getattr(error, "reason", None) or error).__name__
        return f"unreachable ({reason}): check the DSN host, DNS and the network", FAILED
    return f"no answer within {FLUSH_TIMEOUT_S} s (the event was not sent)", FAILED
