"""Application logging: one stream handler on the root logger, level from LOG_LEVEL."""

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if not any(getattr(handler, "_genai_coach", False) for handler in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._genai_coach = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
