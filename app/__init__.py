"""GenAI Coach Backend: an AI speaking coach API, observed with Sentry."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("genai-coach-backend")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"
