"""An enrichment worker killed (SIGKILL) in the middle of a batch: after a restart every outreach
still ends in `ready` or `not_available`, none stays in `enrichment`, and no transition is
recorded twice. Real processes: `manage.py worker` on a database of its own (a SQLite file,
or a fresh PostgreSQL database when the suite runs on PostgreSQL).

No one runs anything by hand after the restart: the workers' enrichment sweep (outreach/tasks.py)
finds the chunk the dead worker held and queues it again, and marks the dead task's row failed.
ENRICHMENT_STALE_AFTER_MINUTES=0 makes that work count as lost as soon as none of its batch's
chunks is queued any more, and the sweep runs every second here (by default it takes the chunk
back once its worker has stopped touching it for a minute).
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.reliability.test_deploy import ROOT, production_env

OUTREACHES = 240
CHUNK = 20

SEED = f"""
from contacts.models import Company, Person
from outreach.models import Outreach
from outreach.services.enrichment import outreaches_batch_start_enrichment
from workspaces.models import Workspace

workspace = Workspace.objects.create(name="Crash desk")
company = Company.objects.create(workspace=workspace, name="Acme", domain="acme.example")
people = Person.objects.bulk_create(
    Person(
        workspace=workspace,
        first_name=f"First{{n}}",
        last_name=f"Last{{n}}",
        company=company,
        # A third have an address; the rest get one inferred from the colleagues' pattern, or
        # none (phone outreaches of people without a phone end not_available).
        email=f"first{{n}}.last{{n}}@acme.example" if n % 3 == 0 else "",
    )
    for n in range({OUTREACHES})
)
Outreach.objects.bulk_create(
    Outreach(workspace=workspace, person=p, company=company, channel="email" if n % 4 else "phone")
    for n, p in enumerate(people)
)
ids = list(Outreach.objects.values_list("pk", flat=True))
result = outreaches_batch_start_enrichment(ids=ids, actor=None)
print("started", result.success_count)
"""


class Database:
    """The worker's own database, and plain SQL on it from the test."""

    def __init__(self, tmp_path: Path):
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            import psycopg

            settings = connection.settings_dict
            self.name = f"outreach_crash_{uuid.uuid4().hex[:8]}"
            self.params = {
                "host": settings["HOST"] or "127.0.0.1",
                "port": settings["PORT"] or 5432,
                "user": settings["USER"],
                "password": settings["PASSWORD"] or None,
            }
            with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as admin:
                admin.execute(f'CREATE DATABASE "{self.name}"')
            auth = self.params["user"] + (
                f":{self.params['password']}" if self.params["password"] else ""
            )
            self.url = f"postgres://{auth}@{self.params['host']}:{self.params['port']}/{self.name}"
        else:
            self.path = tmp_path / "worker.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def rows(self, sql: str) -> list[tuple]:
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(dbname=self.name, **self.params) as conn:
                return conn.execute(sql).fetchall()
        with sqlite3.connect(self.path, timeout=20) as conn:
            return conn.execute(sql).fetchall()

    def states(self) -> dict[str, int]:
        return dict(self.rows("SELECT current_state, COUNT(*) FROM outreach_outreach GROUP BY 1"))

    def drop(self) -> None:
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def database(tmp_path):
    db = Database(tmp_path)
    try:
        yield db
    finally:
        db.drop()


def start_worker(env, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "worker",
            "--no-startup-delay",
            "--interval",
            "0.2",
            "--sweep-tick",
            "0.2",
            "--sweep-every",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{log.read_text()}"
        time.sleep(0.1)


def test_a_worker_killed_mid_batch_leaves_nothing_stuck_after_a_restart(database, tmp_path):
    env = production_env(
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database.url,
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        ENRICHMENT_PROVIDER="tests.reliability.slow_provider.SlowLocalProvider",
        SLOW_PROVIDER_SECONDS="0.4",
        ENRICHMENT_CHUNK_SIZE=str(CHUNK),
        ENRICHMENT_STALE_AFTER_MINUTES="0",
        PYTHONPATH=str(ROOT),
    )
    log = tmp_path / "worker.log"
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "timeout": 300}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], check=True, **run)
    seeded = subprocess.run([sys.executable, "manage.py", "shell", "-c", SEED], **run)
    assert seeded.returncode == 0, seeded.stderr
    assert f"started {OUTREACHES}" in seeded.stdout
    assert database.states() == {"enrichment": OUTREACHES}

    worker = start_worker(env, log)
    try:
        # Let it finish a few chunks, then kill it hard while it works on the next one.
        wait_for(
            lambda: database.states().get("enrichment", OUTREACHES) <= OUTREACHES - 3 * CHUNK,
            60,
            "the first chunks",
            log,
        )
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    left = database.states().get("enrichment", 0)
    assert 0 < left < OUTREACHES, "killed in the middle of the batch"
    time.sleep(1)
    assert database.states().get("enrichment", 0) == left, "nothing moves while no worker runs"

    restarted = start_worker(env, log)
    try:
        wait_for(lambda: "enrichment" not in database.states(), 120, "every outreach", log)
    finally:
        os.killpg(restarted.pid, signal.SIGTERM)
        try:
            restarted.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(restarted.pid, signal.SIGKILL)
            restarted.wait()

    states = database.states()
    assert set(states) <= {"ready", "not_available"}
    assert sum(states.values()) == OUTREACHES
    assert states.get("ready", 0) > 0 and states.get("not_available", 0) > 0
    # Exactly two history rows per outreach: into enrichment, and out of it once.
    assert (
        database.rows(
            "SELECT outreach_id, transition, COUNT(*) FROM outreach_outreachtransition "
            "GROUP BY outreach_id, transition HAVING COUNT(*) > 1"
        )
        == []
    )
    assert database.rows(
        "SELECT transition, COUNT(*) FROM outreach_outreachtransition GROUP BY 1 ORDER BY 1"
    ) == sorted(
        [
            ("complete_enrichment", states.get("ready", 0)),
            ("fail_enrichment", states.get("not_available", 0)),
            ("start_enrichment", OUTREACHES),
        ]
    )
    # No task row is left RUNNING: the dead worker's was marked failed when taken back.
    assert database.rows(
        "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
    ) == [(0,)]
    # No batch item is left pending, and every batch is closed.
    assert database.rows(
        "SELECT COUNT(*) FROM outreach_enrichmentbatchitem WHERE result = 'pending'"
    ) == [(0,)]
    assert database.rows(
        "SELECT COUNT(*) FROM outreach_enrichmentbatch WHERE finished_at IS NULL"
    ) == [(0,)]
