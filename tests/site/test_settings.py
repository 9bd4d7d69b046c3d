"""Settings read from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _database_settings(database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    code = (
        "import json; from django.conf import settings; "
        "db = settings.DATABASES['default']; print(json.dumps([db['ENGINE'], str(db['NAME'])]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "outreach_site.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("database_url", [None, ""])
def test_an_unset_or_empty_database_url_means_the_local_sqlite_file(database_url):
    engine, name = _database_settings(database_url)
    assert engine == "core.db.sqlite"  # Django's SQLite backend, see its docstring
    assert name == str(ROOT / "outreach.sqlite3")


def test_database_url_chooses_postgresql():
    engine, name = _database_settings("postgres://someone@127.0.0.1:5432/elsewhere")
    assert (engine, name) == ("core.db.postgresql", "elsewhere")  # see its docstring
