"""The benchmarks' helpers work in a process of their own, as the scripts run them."""

import json
import os
from pathlib import Path

from app.core.db import Base
from scripts.fakes.forked import run_python

ROOT = Path(__file__).resolve().parent.parent
LIST_TABLES = """
import json, sys
from pathlib import Path
from sqlalchemy import create_engine, inspect
from scripts.fakes.served_app import sqlite_database
engine = create_engine(sqlite_database(Path(sys.argv[1]) / "db"))
print(json.dumps(sorted(inspect(engine).get_table_names())))
"""


def test_a_served_apps_database_has_every_table_without_the_models_imported_first(tmp_path):
    result = run_python(["-c", LIST_TABLES, str(tmp_path)], env=dict(os.environ), cwd=ROOT)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == sorted(Base.metadata.tables)
