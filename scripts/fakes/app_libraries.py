"""Imported once by the forkserver of `scripts.fakes.forked`: the libraries the app imports at
start-up, and not the app itself.

Importing app.main is the one list of those libraries that cannot drift from the app's own
imports; the app's modules are then forgotten, so each forked process imports them afresh
(after, say, changing sentry-sdk the way a new release would). OpenAI and boto3 are not among
them: the app imports their clients only when a key or a bucket is set.
"""

import gc
import sys

import alembic.command  # noqa: F401 - the migration commands' own import time
import fastapi.testclient  # noqa: F401
import uvicorn.main  # noqa: F401

import app.main  # noqa: F401

for _name in [name for name in sys.modules if name == "app" or name.startswith("app.")]:
    del sys.modules[_name]
gc.collect()
