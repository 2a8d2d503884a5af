"""Application logging: on the root logger, a Sentry event handler then a stream handler.

Every line carries the Sentry trace id and, where one exists, the event id, so that a line in
Railway's logs leads to its trace or issue in Sentry and back (`app.core.sentry`).
"""

import logging
import sys

from app.core import sentry

FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [trace_id=%(trace_id)s event_id=%(event_id)s]: %(message)s"
)
_MARK = "_genai_coach"


def configure_logging(level: str) -> None:
    """Send ERROR records to Sentry, then write every record to stderr with trace and event ids."""
    root = logging.getLogger()
    if not any(getattr(handler, _MARK, False) for handler in root.handlers):
        events = sentry.log_event_handler()  # a no-op while Sentry is off
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(sentry.log_context_filter())
        for added in (events, handler):
            setattr(added, _MARK, True)
            root.addHandler(added)
    root.setLevel(level)
