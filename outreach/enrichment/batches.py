"""Open an enrichment batch and queue its work once the transaction that started it commits."""

import json

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction

from ..models import EnrichmentBatch, EnrichmentBatchItem, EnrichmentResult
from ..querysets import json_ids_sql


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
    _insert_items(batch.pk, outreach_ids)
    if queue:
        enrichment_queue_on_commit(batch_id=batch.pk, outreach_ids=outreach_ids)
    return batch


def _insert_items(batch_id: int, outreach_ids: list[int]) -> None:
    """One INSERT … SELECT over a JSON array of ids, whatever the batch size (bulk_create would
    split 10,000 rows into dozens of statements on SQLite)."""
    quote = connection.ops.quote_name
    meta = EnrichmentBatchItem._meta
    columns = ", ".join(
        quote(meta.get_field(name).column) for name in ("batch", "outreach", "result")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "
            f"SELECT %s, ids.value, %s FROM ({json_ids_sql(connection)}) AS ids",
            [batch_id, EnrichmentResult.PENDING, json.dumps(outreach_ids)],
        )


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
