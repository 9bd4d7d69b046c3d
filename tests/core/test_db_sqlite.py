"""The SQLite backend: a worker keeps its connection (and SQLite's page cache) between requests,
and that connection follows the database file at its path."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_keeps_its_sqlite_connection_and_cache_between_requests(tmp_path):
    """What Django does around each request under gunicorn: the connection outlives it, so the
    next request finds SQLite's page cache warm; the file is read through a memory map."""
    code = """
import json, django
from django.core.signals import request_finished, request_started
from django.db import connection
django.setup()
seen = []
for _ in range(2):
    request_started.send(sender=None)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache = cursor.fetchone()[0]
        cursor.execute("PRAGMA mmap_size")
        mmap = cursor.fetchone()[0]
    seen.append([id(connection.connection), cache, mmap])
    request_finished.send(sender=None)
print(json.dumps(seen))
"""
    first, second = _run_with_sqlite(code, tmp_path / "kept.sqlite3")
    assert first[0] == second[0]  # the same connection
    assert first[1] == -32768  # 32 MiB of page cache
    assert first[2] == 268435456


def test_a_kept_sqlite_connection_follows_the_file_at_its_path(tmp_path):
    """A database file replaced under a running worker (a restored backup) is the one the next
    request reads; one moved away is an error, not a ghost the worker keeps writing to."""
    code = """
import json, os, sqlite3, django
from django.core.signals import request_finished, request_started
from django.db import connection
from django.db.utils import OperationalError
django.setup()
path = os.environ["DATABASE_URL"].removeprefix("sqlite:///")
for name, value in (("old.sqlite3", "old"), ("new.sqlite3", "new")):
    made = sqlite3.connect(os.path.join(os.path.dirname(path), name))
    made.execute("CREATE TABLE marker (value TEXT)")
    made.execute("INSERT INTO marker VALUES (?)", [value])
    made.commit()
    made.close()
os.replace(os.path.join(os.path.dirname(path), "old.sqlite3"), path)

def request():
    request_started.send(sender=None)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT value FROM marker")
            return cursor.fetchone()[0]
    except OperationalError as exc:
        return "error"
    finally:
        request_finished.send(sender=None)

seen = [request()]
os.replace(os.path.join(os.path.dirname(path), "new.sqlite3"), path)
seen.append(request())
os.rename(path, path + ".away")
seen.append(request())
print(json.dumps(seen))
"""
    assert _run_with_sqlite(code, tmp_path / "live.sqlite3") == ["old", "new", "error"]


def _run_with_sqlite(code: str, path: Path):
    """Run `code` in a fresh Python with the project's settings on the SQLite file `path`; it
    prints JSON, which is returned."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **env,
            "DATABASE_URL": f"sqlite:///{path}",
            "DJANGO_SETTINGS_MODULE": "outreach_site.settings",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)
