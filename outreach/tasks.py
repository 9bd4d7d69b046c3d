"""Background tasks (the Django Tasks API; the backend is `settings.TASKS`).

`enrich_outreaches` works one chunk of an enrichment batch. `watch_enrichment_batch` is the
recovery sweep: every batch gets one, deferred past the stale limit, that queues again whatever
no worker finished (a crash, a lost task) and keeps coming back while its batch is open.
Backends that cannot defer (the immediate backend, in tests) run the work at once, so there
is nothing for a watchdog to find.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResult, task

from core.scoping import everywhere

from .enrichment.batches import chunked
from .enrichment.engine import Recovery, enrich_chunk, enrichment_recover
from .models import EnrichmentBatch

# How long after the stale limit the watchdog looks, so the work it checks has surely gone stale.
WATCH_GRACE = datetime.timedelta(seconds=30)


@task()
def enrich_outreaches(batch_id: int, outreach_ids: list[int]) -> dict[str, int]:
    """Enrich one chunk of a batch (inside the batch's workspace); returns the chunk's counts."""
    return enrich_chunk(batch_id=batch_id, outreach_ids=outreach_ids).as_dict()


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
    if not watch_enrichment_batch.get_backend().supports_defer:
        return None
    stale_after = datetime.timedelta(minutes=settings.ENRICHMENT_STALE_AFTER_MINUTES)
    run_after = max(after or timezone.now(), timezone.now() - stale_after) + stale_after
    return watch_enrichment_batch.using(run_after=run_after + WATCH_GRACE).enqueue(batch_id)


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
        if watch:
            # First, so a failure while queueing the chunks still leaves the watchdog behind.
            schedule_watch(batch_id)
        for chunk in chunks:
            enrich_outreaches.enqueue(batch_id, chunk)

    transaction.on_commit(send, robust=True)


@transaction.atomic
def enrichment_requeue_lost(*, everything: bool = False, watching: int | None = None) -> Recovery:
    """Find enrichment work nobody is doing any more (`enrichment_recover`) and queue it again.

    `watching` is the batch whose watchdog is calling, which keeps watching it and so needs no
    second one.
    """
    recovery = enrichment_recover(everything=everything)
    for batch_id, ids in recovery.plan.items():
        enrichment_queue_on_commit(batch_id=batch_id, outreach_ids=ids, watch=batch_id != watching)
    return recovery
