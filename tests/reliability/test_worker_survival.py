"""The worker outlives database outages, runs the apps' sweeps, and a dead worker's enrichment
is taken back within a minute (core/worker.py, `manage.py worker`, outreach/tasks.py).

In-process on SQLite and PostgreSQL: the worker loop meeting database errors, the sweeps, the
lease recovery with the task table. On PostgreSQL also a real `manage.py worker` whose
connections are cut (pg_terminate_backend) in the middle of a batch.
"""

import datetime
import logging
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from core.worker import ResilientWorker, Sweeps, SweepThread, run_due_sweeps, worker_sweeps
from outreach import tasks
from outreach.models import EnrichmentBatch, Outreach
from outreach.services.enrichment import outreaches_batch_start_enrichment
from tests.factories import OutreachFactory
from tests.reliability.test_deploy import ROOT, production_env
from tests.reliability.test_worker_crash import SEED, Database, wait_for

CHUNK_TASK = "outreach.tasks.enrich_outreaches"


def make_worker(**kwargs) -> ResilientWorker:
    options = {
        "queue_names": ["default"],
        "interval": 0,
        "batch": True,
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "worker_id": "survivor",
        "excluded_queue_names": [],
    }
    return ResilientWorker(**{**options, **kwargs})


def states(outreaches) -> set[str]:
    return set(
        Outreach.objects.filter(pk__in=[o.pk for o in outreaches]).values_list(
            "current_state", flat=True
        )
    )


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# --- the worker loop -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_out_database_errors_with_backoff_and_goes_on(
    database_tasks, monkeypatch, caplog
):
    outreaches = OutreachFactory.create_batch(3)
    outreaches_batch_start_enrichment(ids=[o.pk for o in outreaches], actor=None)
    real = db_worker.close_old_connections
    failures = iter(
        [
            OperationalError("server closed the connection unexpectedly"),
            OperationalError("connection refused"),
        ]
    )

    def flaky():
        error = next(failures, None)
        if error is not None:
            raise error
        real()

    monkeypatch.setattr(db_worker, "close_old_connections", flaky)
    pauses: list[float] = []
    reconnects: list[int] = []
    worker = make_worker(sleep=pauses.append, on_reconnect=lambda: reconnects.append(1))
    with caplog.at_level(logging.WARNING, logger="core.worker"):
        worker.run()  # --batch: returns once the queue is empty

    assert worker.outages == 2
    assert pauses == [0.5, 1.0]  # doubling from the first pause
    assert len(reconnects) == 2
    assert "database error (OperationalError: server closed the connection" in caplog.text
    # It went on: the chunk task ran after the outage.
    assert states(outreaches) == {"ready"}


def test_the_pause_stops_growing_at_its_cap(monkeypatch):
    monkeypatch.setattr(
        db_worker.Worker, "run", lambda self: (_ for _ in ()).throw(OperationalError("down"))
    )
    pauses: list[float] = []

    def sleep(seconds):
        pauses.append(seconds)
        if len(pauses) == 9:
            worker.running = False  # a TERM arrives

    worker = make_worker(sleep=sleep)
    worker.run()
    assert pauses == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]


def test_an_error_that_is_not_the_database_s_still_stops_the_worker(monkeypatch):
    monkeypatch.setattr(
        db_worker.Worker, "run", lambda self: (_ for _ in ()).throw(RuntimeError("a bug"))
    )
    with pytest.raises(RuntimeError):
        make_worker(sleep=lambda s: None).run()


def test_the_worker_command_has_no_autoreloader(database_tasks):
    from core.management.commands.worker import Command

    parser = Command().create_parser("manage.py", "worker")
    assert parser.parse_args([]).reload is False


# --- sweeps ----------------------------------------------------------------------------------


def test_due_sweeps_run_on_their_schedule_and_one_failure_stops_no_other(caplog):
    calls: list[str] = []
    sweeps = Sweeps()

    def broken():
        calls.append("broken")
        raise RuntimeError("boom")

    sweeps.register(broken, every=10)
    sweeps.register(lambda: calls.append("hourly"), every=3600)
    with caplog.at_level(logging.ERROR, logger="core.worker"):
        assert len(run_due_sweeps(sweeps, now=1000.0)) == 2
    assert calls == ["broken", "hourly"]
    assert "broken failed" in caplog.text
    assert run_due_sweeps(sweeps, now=1005.0) == []
    assert len(run_due_sweeps(sweeps, now=1010.0)) == 1  # only the 10-second one
    assert calls == ["broken", "hourly", "broken"]
    with pytest.raises(ValueError):
        sweeps.register(lambda: None, every=0)


def test_the_sweep_thread_runs_every_sweep_again_when_woken():
    ran = threading.Event()
    count: list[int] = []
    sweeps = Sweeps()
    sweeps.register(lambda: (count.append(1), ran.set()), every=3600)
    thread = SweepThread(sweeps, tick=60)
    thread.start()
    try:
        assert ran.wait(5)  # due at once on start
        ran.clear()
        thread.run_all_now()  # what the worker does after an outage
        assert ran.wait(5)
        assert len(count) == 2
    finally:
        thread.stop()
        thread.join(5)
    assert not thread.is_alive()


def test_the_enrichment_recovery_is_a_registered_sweep():
    registered = {sweep.function: sweep.every for sweep in worker_sweeps}
    assert registered[tasks.enrichment_sweep] == tasks.SWEEP_EVERY_SECONDS
    # Recovery within a minute of the batch going quiet: the lease plus one sweep interval.
    assert tasks.WORKER_LEASE + datetime.timedelta(seconds=tasks.SWEEP_EVERY_SECONDS) <= (
        datetime.timedelta(seconds=60)
    )


# --- a dead worker's chunk -------------------------------------------------------------------


def chunk_task(**filters) -> DBTaskResult:
    return DBTaskResult.objects.get(task_path=CHUNK_TASK, **filters)


@pytest.mark.django_db(transaction=True)
def test_a_dead_worker_s_chunk_is_taken_back_after_the_lease_and_its_row_failed(database_tasks):
    outreaches = OutreachFactory.create_batch(3)
    result = outreaches_batch_start_enrichment(ids=[o.pk for o in outreaches], actor=None)
    dead = chunk_task()
    dead.claim("worker-that-dies")  # claimed, then the process is killed

    tasks.enrichment_sweep()  # within the lease: a worker may still be on it
    assert dead.__class__.objects.get(pk=dead.pk).status == "RUNNING"
    assert DBTaskResult.objects.filter(task_path=CHUNK_TASK).count() == 1

    # A minute without a heartbeat, far less than the stale limit.
    past = timezone.now() - tasks.WORKER_LEASE - datetime.timedelta(seconds=1)
    EnrichmentBatch.objects.filter(pk=result.batch_id).update(updated_at=past)
    tasks.enrichment_sweep()
    dead.refresh_from_db()
    assert dead.status == "FAILED"
    assert dead.exception_class_path == "outreach.tasks.WorkerLost"
    assert "queued again" in dead.traceback
    requeued = chunk_task(status="READY")
    assert requeued.args_kwargs["args"] == [result.batch_id, [o.pk for o in outreaches]]

    tasks.enrichment_sweep()  # a second sweep (another worker's) takes nothing more
    assert DBTaskResult.objects.filter(task_path=CHUNK_TASK, status="READY").count() == 1

    make_worker().run()
    assert states(outreaches) == {"ready"}
    batch = EnrichmentBatch.objects.get(pk=result.batch_id)
    assert (batch.ready, batch.requeued, batch.status) == (3, 1, "finished")
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_with_chunks_still_queued_is_not_taken_for_lost(database_tasks):
    outreaches = OutreachFactory.create_batch(2)
    result = outreaches_batch_start_enrichment(ids=[o.pk for o in outreaches], actor=None)
    queued = chunk_task()
    # Another chunk of the batch was claimed by a worker that died; this one still waits.
    dead = DBTaskResult.objects.create(
        task_path=CHUNK_TASK,
        args_kwargs={"args": [result.batch_id, [outreaches[0].pk]], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
    )
    dead.claim("worker-that-dies")
    past = timezone.now() - tasks.WORKER_LEASE - datetime.timedelta(seconds=1)
    EnrichmentBatch.objects.filter(pk=result.batch_id).update(updated_at=past)

    tasks.enrichment_sweep()
    assert chunk_task(pk=dead.pk).status == "RUNNING"
    assert list(DBTaskResult.objects.filter(task_path=CHUNK_TASK, status="READY")) == [queued]


@pytest.mark.django_db(transaction=True)
def test_a_working_worker_touches_its_batch_so_a_slow_chunk_is_not_taken(
    database_tasks, monkeypatch
):
    outreach = OutreachFactory()
    result = outreaches_batch_start_enrichment(ids=[outreach.pk], actor=None)
    past = timezone.now() - datetime.timedelta(hours=1)
    EnrichmentBatch.objects.filter(pk=result.batch_id).update(updated_at=past)
    monkeypatch.setattr(tasks, "HEARTBEAT", datetime.timedelta(seconds=0.05))

    with tasks._heartbeat(result.batch_id):
        wait_until(lambda: EnrichmentBatch.objects.get(pk=result.batch_id).updated_at > past, 5)
    touched = EnrichmentBatch.objects.get(pk=result.batch_id).updated_at
    assert touched > timezone.now() - datetime.timedelta(seconds=5)
    time.sleep(0.2)  # stopped with the chunk: no more touches
    assert EnrichmentBatch.objects.get(pk=result.batch_id).updated_at == touched


def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# --- a real worker, its database connections cut -----------------------------------------------

OUTREACHES = 160
CHUNK = 20


@pytest.fixture
def database(tmp_path):
    db = Database(tmp_path)
    try:
        yield db
    finally:
        db.drop()


def terminate_backends(database: Database) -> int:
    """Cut every connection to the worker's database (a server restart, as the worker sees it)."""
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **database.params) as admin:
        return len(
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [database.name],
            ).fetchall()
        )


def workers_seen(database: Database) -> set[str]:
    """The workers that have claimed a task."""
    rows = database.rows("SELECT worker_ids FROM django_tasks_database_dbtaskresult")
    return {worker for (ids,) in rows for worker in ids}


def start_resilient_worker(env, log):
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "worker",
            "--no-startup-delay",
            "--interval",
            "0.2",
            "--sweep-tick",
            "0.5",
            "--sweep-every",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.mark.postgres
def test_workers_whose_database_goes_away_mid_batch_reconnect_and_finish(database, tmp_path):
    env = production_env(
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database.url,
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        ENRICHMENT_PROVIDER="tests.reliability.slow_provider.SlowLocalProvider",
        SLOW_PROVIDER_SECONDS="0.3",
        ENRICHMENT_CHUNK_SIZE=str(CHUNK),
        # The interrupted chunk counts as lost as soon as no chunk of its batch is queued, so
        # the sweep (every second here) hands it out again at once (the lease path is tested
        # above, in-process).
        ENRICHMENT_STALE_AFTER_MINUTES="0",
        LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
    )
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "timeout": 300}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], check=True, **run)
    seeded = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEED.replace("240", str(OUTREACHES))], **run
    )
    assert seeded.returncode == 0, seeded.stderr
    assert database.states() == {"enrichment": OUTREACHES}

    # Two workers at once: they share the queue (a claim locks its row), and both are cut off.
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = [start_resilient_worker(env, log) for log in logs]
    try:
        # Both at work (each has claimed a chunk), then cut off, then again as they reconnect.
        wait_for(lambda: len(workers_seen(database)) == 2, 60, "both workers' chunks", logs[0])
        assert terminate_backends(database) >= 2
        time.sleep(0.5)
        terminate_backends(database)
        for log in logs:
            wait_for(lambda log=log: "database error" in log.read_text(), 10, "the error", log)
        assert [worker.poll() for worker in workers] == [None, None]
        wait_for(lambda: "enrichment" not in database.states(), 60, "every outreach", logs[0])
        assert [worker.poll() for worker in workers] == [None, None], "still running"
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()

    states = database.states()
    assert set(states) <= {"ready", "not_available"}
    assert sum(states.values()) == OUTREACHES
    assert (
        database.rows(
            "SELECT outreach_id FROM outreach_outreachtransition "
            "GROUP BY outreach_id, transition HAVING COUNT(*) > 1"
        )
        == []
    )
    # No task row is left RUNNING: the interrupted ones were marked failed when taken back.
    assert database.rows(
        "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
    ) == [(0,)]
