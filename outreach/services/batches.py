"""Changes of many outreaches at once (the batch endpoints, the dashboard's batch bar and the
admin's actions): set-based wherever the transition allows it."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.batches import check_batch_size
from core.expressions import InIds
from core.public_ids import format_public_id
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require

from ..exceptions import TransitionNotAllowed
from ..models import Outreach, Sequence
from ..state_machine import transition_spec
from . import sort_keys
from .enrichment import START_ENRICHMENT, outreaches_batch_start_enrichment
from .outreaches import outreach_transition
from .transitions import (
    ONE_AT_A_TIME_TRANSITIONS,
    BatchTransitionResult,
    outreaches_batch_transition,
)


@dataclass
class BatchAssignResult:
    updated_count: int
    sequence_name: str
    not_found: list[str]


@transaction.atomic
def outreaches_batch_assign_sequence(
    *, ids: list[int], sequence: Sequence, actor: Actor
) -> BatchAssignResult:
    """Put many outreaches on one sequence in a single UPDATE.

    The rows are locked in id order first, as batch transitions lock them, so an assignment and
    a transition over overlapping ids wait for each other instead of deadlocking.
    """
    require(actor, Permission.WRITE, "change outreaches")
    found = dict(
        Outreach.objects.select_for_update()
        .filter(InIds("pk", ids))
        .order_by("pk")
        .values_list("pk", "workspace_id")
    )
    updated = Outreach.objects.filter(InIds("pk", found)).update(
        sequence=sequence,
        updated_at=timezone.now(),
        **sort_keys.sequence_assigned(sequence=sequence),
    )
    audit.record_many(
        actor=actor,
        action=AuditAction.BATCH,
        object_type="outreach",
        rows=[
            (workspace_id, format_public_id("out", pk), {"sequence": [None, sequence.public_id]})
            for pk, workspace_id in found.items()
        ],
    )
    not_found = [format_public_id("out", pk) for pk in ids if pk not in found]
    return BatchAssignResult(
        updated_count=updated, sequence_name=sequence.name, not_found=not_found
    )


def outreaches_batch_apply(
    *, ids: list[int], name: str, actor: Actor, metadata: dict | None = None
) -> BatchTransitionResult:
    """Run any transition of the table over many outreaches (the admin's actions).

    `start_enrichment` opens one enrichment batch; transitions with conditions or a contact
    check run one outreach at a time, each in its own transaction, so one refusal names its own
    reason and undoes nothing else; the rest run set-based. More than the batch cap is refused.
    """
    check_batch_size(len(ids))
    if name == START_ENRICHMENT:
        return outreaches_batch_start_enrichment(ids=ids, actor=actor, metadata=metadata)
    spec = transition_spec(name)
    if not spec.has_conditions and name not in ONE_AT_A_TIME_TRANSITIONS:
        return outreaches_batch_transition(ids=ids, name=name, actor=actor, metadata=metadata)
    ids = list(dict.fromkeys(ids))
    result = BatchTransitionResult(transition=name, success_ids=[])
    found = {o.pk: o for o in Outreach.objects.filter(InIds("pk", ids))}
    for pk in ids:
        outreach = found.get(pk)
        if outreach is None:  # deleted since it was chosen
            result.skipped.append({"id": format_public_id("out", pk), "reason": "not found"})
            continue
        try:
            outreach_transition(outreach=outreach, name=name, actor=actor, metadata=metadata)
        except TransitionNotAllowed as exc:
            result.skipped.append({"id": outreach.public_id, "reason": exc.message})
        else:
            result.success_ids.append(pk)
    return result
