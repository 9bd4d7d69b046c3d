"""Open an enrichment batch and queue its work once the transaction that started it commits."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from ..models import EnrichmentBatch, EnrichmentBatchItem


def chunked(ids: list[int], size: int | None = None) -> list[list[int]]:
    size = size or settings.ENRICHMENT_CHUNK_SIZE
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def enrichment_batch_open(
    *, outreach_ids: list[int], actor: AbstractBaseUser | None, queue: bool = True
) -> EnrichmentBatch:
    """Record a batch for outreaches that just entered `enrichment`, and queue it on commit.

    Call it inside the transaction that moved them, so the batch exists exactly when they moved.
    `queue=False` when the caller does the work itself (`manage.py enrich`).
    """
    batch = EnrichmentBatch.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        total=len(outreach_ids),
    )
    EnrichmentBatchItem.objects.bulk_create(
        EnrichmentBatchItem(batch=batch, outreach_id=pk) for pk in outreach_ids
    )
    if queue:
        enrichment_queue_on_commit(batch_id=batch.pk, outreach_ids=outreach_ids)
    return batch


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
        from outreach import tasks  # the tasks import the engine, which imports the services

        if watch:
            # First, so a failure while queueing the chunks still leaves the watchdog behind.
            tasks.schedule_watch(batch_id)
        for chunk in chunks:
            tasks.enrich_outreaches.enqueue(batch_id, chunk)

    transaction.on_commit(send, robust=True)
