"""Entering `enrichment`: the move, the batch that records it, and its work queued on commit."""

from django.db import transaction

from core.actors import Actor

from ..enrichment.batches import enrichment_batch_open
from ..models import EnrichmentBatch, Outreach
from ..tasks import enrichment_queue_on_commit
from .transitions import BatchTransitionResult, outreaches_batch_transition

START_ENRICHMENT = "start_enrichment"


def enrichment_begin(
    *, outreach_ids: list[int], actor: Actor, workspace_id: int | None = None
) -> EnrichmentBatch:
    """Outreaches just entered `enrichment` (in the caller's transaction): record their batch
    and queue its work for when that transaction commits."""
    batch = enrichment_batch_open(outreach_ids=outreach_ids, actor=actor, workspace_id=workspace_id)
    enrichment_queue_on_commit(batch_id=batch.pk, outreach_ids=outreach_ids)
    return batch


def after_enrichment_started(outreach: Outreach, *, actor: Actor) -> None:
    """One outreach entered `enrichment` (a single transition): it gets a batch of its own."""
    enrichment_begin(outreach_ids=[outreach.pk], actor=actor, workspace_id=outreach.workspace_id)


@transaction.atomic
def outreaches_batch_start_enrichment(
    *, ids: list[int], actor: Actor, metadata: dict | None = None
) -> BatchTransitionResult:
    """Move every listed outreach that may start enrichment into `enrichment`.

    The moved ones form one enrichment batch (`batch_id` of the result) whose work is queued
    when the transaction commits.
    """
    result = outreaches_batch_transition(
        ids=ids, name=START_ENRICHMENT, actor=actor, metadata=metadata
    )
    if result.success_ids:
        result.batch_id = enrichment_begin(outreach_ids=result.success_ids, actor=actor).pk
    return result
