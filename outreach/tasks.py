"""Background tasks (the Django Tasks API; the backend is `settings.TASKS`).

`enrich_outreaches` works one chunk of an enrichment batch. `watch_enrichment_batch` is the
recovery sweep: every batch gets one, deferred past the stale limit, that queues again whatever
no worker finished (a crash, a lost task) and keeps coming back while its batch is open.
Backends that cannot defer (the immediate backend, in tests) run the work at once, so there
is nothing for a watchdog to find.

A worker killed mid-chunk is noticed sooner than the stale limit: while a chunk runs its worker
touches the batch every few seconds (a heartbeat), so with the task table's database backend a
batch whose chunk task is RUNNING but that nobody touched for WORKER_LEASE lost its worker.
`enrichment_sweep`, which every worker runs periodically (core.worker), queues its work again
and marks the dead task's row FAILED.
"""

import datetime
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus, task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import Task, normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max

from core.scoping import everywhere

from .enrichment.batches import chunked
from .enrichment.engine import Recovery, enrich_chunk, enrichment_recover
from .models import EnrichmentBatch

logger = logging.getLogger(__name__)

# How long after the stale limit the watchdog looks, so the work it checks has surely gone stale.
WATCH_GRACE = datetime.timedelta(seconds=30)
# A batch whose chunk task is running but that nobody touched for this long lost its worker;
# a working worker touches it every HEARTBEAT.
WORKER_LEASE = datetime.timedelta(seconds=45)
HEARTBEAT = WORKER_LEASE / 4
# How often each worker runs `enrichment_sweep` (registered in OutreachConfig.ready).
SWEEP_EVERY_SECONDS = 15


class WorkerLost(Exception):
    """What a chunk task's row says when its worker died and its work was queued again."""


@task()
def enrich_outreaches(batch_id: int, outreach_ids: list[int]) -> dict[str, int]:
    """Enrich one chunk of a batch (inside the batch's workspace); returns the chunk's counts."""
    with _heartbeat(batch_id):
        return enrich_chunk(batch_id=batch_id, outreach_ids=outreach_ids).as_dict()


@contextmanager
def _heartbeat(batch_id: int) -> Iterator[None]:
    """Touch the batch every HEARTBEAT while a worker works on it, from a thread of its own, so
    a slow chunk is never taken for a lost one. Nothing to do where tasks run at once."""
    if not enrich_outreaches.get_backend().supports_defer:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT.total_seconds()):
                try:
                    EnrichmentBatch._base_manager.filter(
                        pk=batch_id, finished_at__isnull=True
                    ).update(updated_at=timezone.now())
                except DatabaseError as exc:  # the chunk itself will meet the same outage
                    logger.warning("enrichment heartbeat for batch %s failed: %s", batch_id, exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"enrichment-heartbeat-{batch_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def enrichment_sweep() -> None:
    """The workers' periodic recovery (core.worker): queue again what no worker is doing."""
    with everywhere():
        recovery = enrichment_requeue_lost()
    if recovery.plan or recovery.closed:
        logger.info(
            "enrichment sweep: %s outreaches queued again, %s batches closed",
            recovery.outreach_count,
            len(recovery.closed),
        )


@task()
def watch_enrichment_batch(batch_id: int) -> dict[str, int]:
    """Queue again any stuck enrichment work, then come back while this batch is open."""
    with everywhere():  # recovery groups the work by workspace itself
        recovery = enrichment_requeue_lost(watching=batch_id)
    batch = EnrichmentBatch.objects.filter(pk=batch_id).values("finished_at", "updated_at").first()
    if batch is not None and batch["finished_at"] is None:
        schedule_watch(batch_id, after=batch["updated_at"])
    return {"requeued": recovery.outreach_count, "closed": len(recovery.closed)}


def schedule_watch(batch_id: int, *, after: datetime.datetime | None = None) -> TaskResult | None:
    """Defer the batch's watchdog until its work would be stale, counting from `after` (the
    batch's last progress; default now)."""
    call = watch_call(batch_id, after=after)
    if call is None:
        return None
    task, args = call
    return task.enqueue(*args)


def watch_call(
    batch_id: int, *, after: datetime.datetime | None = None
) -> tuple[Task, tuple] | None:
    """The batch's watchdog as a (task, args) call deferred past the stale limit, or None where
    the backend cannot defer."""
    if not watch_enrichment_batch.get_backend().supports_defer:
        return None
    stale_after = datetime.timedelta(minutes=settings.ENRICHMENT_STALE_AFTER_MINUTES)
    run_after = max(after or timezone.now(), timezone.now() - stale_after) + stale_after
    return watch_enrichment_batch.using(run_after=run_after + WATCH_GRACE), (batch_id,)


def enrichment_queue_on_commit(
    *, batch_id: int, outreach_ids: list[int], watch: bool = True
) -> None:
    """Queue one task per chunk after commit, plus the batch's watchdog (the recovery sweep).

    After commit, because the worker must see the outreaches in `enrichment`; robustly, because
    by then the state change is saved: a failed enqueue is logged and the sweep, or
    `manage.py enrich --stale`, picks the outreaches up again.
    """
    chunks = chunked(outreach_ids)

    def send() -> None:
        calls = [(enrich_outreaches, (batch_id, chunk)) for chunk in chunks]
        if watch and (watchdog := watch_call(batch_id)) is not None:
            calls.insert(0, watchdog)
        enqueue_all(calls)

    transaction.on_commit(send, robust=True)


def enqueue_all(calls: list[tuple[Task, tuple]]) -> None:
    """Queue every (task, args) call: with the task table's database backend all their rows in
    one INSERT (its `enqueue` writes one row per call: 40 for a batch of 10,000), so a batch's
    chunks and watchdog are queued together or, if the INSERT fails, not at all (the sweep then
    finds the batch). Other backends queue them one at a time."""
    backends = {task.get_backend() for task, _args in calls}
    if len(backends) != 1 or not isinstance(next(iter(backends)), DatabaseBackend):
        for task, args in calls:
            task.enqueue(*args)
        return
    backend = backends.pop()
    rows = []
    for task, args in calls:
        backend.validate_task(task)
        rows.append(
            DBTaskResult(
                # What DatabaseBackend.enqueue writes, the run_after its pre_save fills in too.
                id=backend._get_id(),
                args_kwargs=normalize_json({"args": args, "kwargs": {}}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                run_after=task.run_after or get_date_max(),
                backend_name=backend.alias,
            )
        )
    DBTaskResult.objects.bulk_create(rows)
    for row in rows:
        task_enqueued.send(type(backend), task_result=row.task_result)


@transaction.atomic
def enrichment_requeue_lost(*, everything: bool = False, watching: int | None = None) -> Recovery:
    """Find enrichment work nobody is doing any more (`enrichment_recover`) and queue it again.

    `watching` is the batch whose watchdog is calling, which keeps watching it and so needs no
    second one.
    """
    now = timezone.now()
    recovery = enrichment_recover(
        everything=everything,
        abandoned=_batches_of_lost_workers(now - WORKER_LEASE),
        abandoned_before=now - WORKER_LEASE,
        queued=_batches_with_queued_chunks(),
    )
    for batch_id, ids in recovery.plan.items():
        enrichment_queue_on_commit(batch_id=batch_id, outreach_ids=ids, watch=batch_id != watching)
    _fail_lost_chunk_tasks([*recovery.plan, *recovery.closed], at=now)
    return recovery


def _chunk_tasks():
    """The chunk tasks in the task table, when the database backend keeps one (else None)."""
    if not isinstance(enrich_outreaches.get_backend(), DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(task_path=enrich_outreaches.module_path)


def _batches_of_lost_workers(untouched_since: datetime.datetime) -> list[int]:
    """Open batches with a chunk task RUNNING, untouched since `untouched_since`: their worker
    stopped beating (recovery still leaves those with chunks waiting in the queue)."""
    tasks = _chunk_tasks()
    if tasks is None:
        return []
    running = set(
        tasks.filter(status=TaskResultStatus.RUNNING).values_list("args_kwargs__args__0", flat=True)
    )
    return list(
        EnrichmentBatch._base_manager.filter(
            pk__in=running, finished_at__isnull=True, updated_at__lt=untouched_since
        ).values_list("pk", flat=True)
    )


def _batches_with_queued_chunks() -> list[int]:
    """Batches with a chunk task waiting in the queue (READY): no work of theirs is lost yet."""
    tasks = _chunk_tasks()
    if tasks is None:
        return []
    return list(
        tasks.filter(status=TaskResultStatus.READY)
        .order_by()
        .values_list("args_kwargs__args__0", flat=True)
        .distinct()
    )


def _fail_lost_chunk_tasks(batch_ids: list[int], *, at: datetime.datetime) -> None:
    """Recovery took these batches' work from whoever held it: their chunk tasks still RUNNING
    belong to dead workers (or, past the stale limit, to none that matter) and are FAILED."""
    tasks = _chunk_tasks()
    if tasks is None or not batch_ids:
        return
    tasks.filter(status=TaskResultStatus.RUNNING, args_kwargs__args__0__in=batch_ids).update(
        status=TaskResultStatus.FAILED,
        finished_at=at,
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        traceback="The worker running this task stopped; its outreaches were queued again.",
    )
