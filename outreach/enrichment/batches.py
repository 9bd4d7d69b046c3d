"""Open an enrichment batch: the record of which outreaches one request sent to enrichment.

Queueing its work is `outreach.tasks.enrichment_queue_on_commit`'s.
"""

import json

from django.conf import settings
from django.db import connection

from core.actors import Actor, acting_user
from core.expressions import json_ids_sql
from core.scoping import current_workspace_id

from ..models import EnrichmentBatch, EnrichmentBatchItem, EnrichmentResult, Outreach


def chunked(ids: list[int], size: int | None = None) -> list[list[int]]:
    size = size or settings.ENRICHMENT_CHUNK_SIZE
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def enrichment_batch_open(
    *, outreach_ids: list[int], actor: Actor, workspace_id: int | None = None
) -> EnrichmentBatch:
    """Record a batch for outreaches that just entered `enrichment` (all of one workspace,
    which the batch, and the work it queues, keeps).

    Call it inside the transaction that moved them, so the batch exists exactly when they moved.
    """
    workspace_id = workspace_id or current_workspace_id()
    if workspace_id is None:
        workspace_id = (
            Outreach._base_manager.filter(pk=outreach_ids[0])
            .values_list("workspace_id", flat=True)
            .get()
        )
    batch = EnrichmentBatch.objects.create(
        workspace_id=workspace_id, actor=acting_user(actor), total=len(outreach_ids)
    )
    _insert_items(batch.pk, outreach_ids)
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
