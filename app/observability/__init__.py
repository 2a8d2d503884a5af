"""The Sentry internals behind `app.core.sentry`, one module per concern.

Import the face, `app.core.sentry`, never these modules: the import contract in
pyproject.toml (`lint-imports`) enforces it.
"""
