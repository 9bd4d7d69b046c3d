"""The transition primitive: lock, check, move, write the history row. Nothing else.

What a move causes (a batch of enrichment work, the effects of sending) is the caller's:
`outreaches.outreach_transition` for one outreach, `batches` and `enrichment` for many.
"""

import json
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.actors import Actor, acting_user
from core.expressions import InIds
from core.hooks import Hook
from core.public_ids import format_public_id
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require

from ..choices import DeliveryStatus
from ..exceptions import TransitionNotAllowed
from ..models import Outreach, OutreachTransition
from ..state_machine import TransitionSpec, transition_spec, unmet_conditions

DELIVERY_FIELD = "delivery_status"
# Starting an outreach and beginning its delivery first ask whether the person may be contacted.
CONTACT_CHECKED_TRANSITIONS = ("start", "run")
# The moves of a running sequence: the sending engine takes part in each (mailbox, next step).
SEQUENCE_TRANSITIONS = ("start", "pause", "resume", "finish")
# What those moves write besides the state.
SCHEDULE_FIELDS = ("mailbox", "next_step", "next_step_at", "paused_until")
# Batches cannot run these: each outreach gets its own contact check or its own effects.
ONE_AT_A_TIME_TRANSITIONS = (*CONTACT_CHECKED_TRANSITIONS, "perform", "pause", "resume")
FINISH = "finish"

# Outreaches whose sequences a batch finished (the sending engine cancels what they had
# scheduled), called in the batch's transaction.
sequences_finished = Hook("sequences finished by a batch: outreach_ids")


def not_allowed(
    spec: TransitionSpec, current: str, reasons: list[str] | None = None
) -> TransitionNotAllowed:
    """The 409 for a move the table (or a condition) refuses, naming both states."""
    if reasons:
        return TransitionNotAllowed(
            f"Cannot {spec.name} from '{current}' to '{spec.target}': {' and '.join(reasons)}."
        )
    return TransitionNotAllowed(
        f"Cannot {spec.name} from '{current}' to '{spec.target}': "
        f"{spec.name} only moves {spec.describe_sources()} to '{spec.target}'."
    )


def lock(outreach: Outreach) -> Outreach:
    """The outreach's row, locked until the transaction ends (call inside one)."""
    return Outreach.objects.select_for_update().get(pk=outreach.pk)


def check(locked: Outreach, spec: TransitionSpec) -> None:
    """Refuse (409) a move the table or its conditions do not allow from the current state."""
    current = getattr(locked, spec.field)
    if current not in spec.sources:
        raise not_allowed(spec, current)
    reasons = unmet_conditions(locked, spec.name)
    if reasons:
        raise not_allowed(spec, current, reasons)


def stamps_done_time(spec: TransitionSpec) -> bool:
    """done_time records the first time delivery left `pending`."""
    return spec.field == DELIVERY_FIELD and spec.target != DeliveryStatus.PENDING


def move(
    locked: Outreach,
    *,
    spec: TransitionSpec,
    actor: Actor,
    metadata: dict | None,
    also_save: tuple[str, ...] = (),
) -> None:
    """Move a locked, checked outreach along one transition and write its history row."""
    from_state = getattr(locked, spec.field)
    update_fields = [spec.field, "updated_at", *also_save]
    if stamps_done_time(spec) and locked.done_time is None:
        locked.done_time = timezone.now()
        update_fields.append("done_time")
    getattr(locked, spec.name)()
    locked.save(update_fields=update_fields)
    OutreachTransition.objects.create(
        outreach_id=locked.pk,
        field=spec.field,
        transition=spec.name,
        from_state=from_state,
        to_state=spec.target,
        actor=acting_user(actor),
        metadata=metadata or {},
        created_at=locked.updated_at,
    )


@dataclass
class BatchTransitionResult:
    transition: str
    success_ids: list[int]
    skipped: list[dict[str, str]] = field(default_factory=list)
    # The enrichment batch opened by start_enrichment (None when nothing moved).
    batch_id: int | None = None

    @property
    def success_count(self) -> int:
        return len(self.success_ids)


@transaction.atomic
def outreaches_batch_transition(
    *,
    ids: list[int],
    name: str,
    actor: Actor,
    metadata: dict | None = None,
    metadata_by_id: dict[int, dict] | None = None,
    checked: bool = False,
    fields_by_id: dict[int, dict] | None = None,
) -> BatchTransitionResult:
    """Apply one transition to many outreaches, set-based.

    Lock the rows in id order (so overlapping batches cannot deadlock), one UPDATE of those
    whose state the transition accepts, one insert of their history rows. Each row's metadata
    is `metadata` updated with `metadata_by_id[id]` (the enrichment worker records every
    outreach's own result that way). `checked`: the caller has run, under these rows' locks,
    the conditions and checks a transition that otherwise goes one at a time needs (a batch
    start); `fields_by_id` are written with the move (one UPDATE per set of equal values).
    """
    spec = transition_spec(name)
    require(actor, Permission.WRITE, "move outreaches")
    if spec.has_conditions and not checked:
        raise ValueError(f"{name} has conditions and cannot run as a batch")
    if name in ONE_AT_A_TIME_TRANSITIONS and not checked:
        raise ValueError(f"{name} checks or affects each outreach; use outreach_transition")
    # An id named twice moves once, as it would one at a time.
    ids = list(dict.fromkeys(ids))
    locked = (
        Outreach.objects.select_for_update()
        .filter(InIds("pk", ids))
        .order_by("pk")
        .values_list("pk", spec.field, "workspace_id")
    )
    states, workspaces = {}, {}
    for pk, state, workspace_id in locked:
        states[pk], workspaces[pk] = state, workspace_id
    eligible = [pk for pk in ids if states.get(pk) in spec.sources]
    skipped = []
    for pk in ids:
        state = states.get(pk)
        if state is None:
            skipped.append({"id": format_public_id("out", pk), "reason": "not found"})
        elif state not in spec.sources:
            skipped.append(
                {
                    "id": format_public_id("out", pk),
                    "reason": f"state is '{state}'; {name} needs {spec.describe_sources()}",
                }
            )
    if eligible:
        now = timezone.now()
        changes = {spec.field: spec.target, "updated_at": now}
        if stamps_done_time(spec):
            changes["done_time"] = Coalesce(F("done_time"), Value(now, DateTimeField()))
        if name == FINISH:
            changes.update(next_step=None, next_step_at=None, paused_until=None)
        Outreach.objects.filter(InIds("pk", eligible)).update(**changes)
        groups: dict[tuple, list[int]] = {}
        for pk in eligible:
            values = (fields_by_id or {}).get(pk)
            if values:
                groups.setdefault(tuple(sorted(values.items())), []).append(pk)
        for values, group in groups.items():
            Outreach.objects.filter(InIds("pk", group)).update(**dict(values))
        if name == FINISH:
            sequences_finished(outreach_ids=eligible)
        _insert_history(
            spec=spec,
            rows=[
                (pk, states[pk], {**(metadata or {}), **(metadata_by_id or {}).get(pk, {})})
                for pk in eligible
            ],
            actor=actor,
            at=now,
        )
        audit.record_many(
            actor=actor,
            action=AuditAction.TRANSITION,
            object_type="outreach",
            rows=[
                (
                    workspaces[pk],
                    format_public_id("out", pk),
                    {spec.field: [states[pk], spec.target], "transition": [None, name]},
                )
                for pk in eligible
            ],
        )
    return BatchTransitionResult(transition=name, success_ids=eligible, skipped=skipped)


def _insert_history(
    *, spec: TransitionSpec, rows: list[tuple[int, str, dict]], actor: Actor, at
) -> None:
    """Write a batch's history rows — (outreach id, from state, metadata) each — in one INSERT …
    SELECT over a JSON array, whatever the batch size. bulk_create would build a model per row
    and, on SQLite, split 10,000 rows into ~80 statements of 999 parameters."""
    meta = OutreachTransition._meta
    columns = ", ".join(
        connection.ops.quote_name(meta.get_field(name).column)
        for name in (
            "outreach",
            "field",
            "transition",
            "from_state",
            "to_state",
            "actor",
            "metadata",
            "created_at",
        )
    )
    if connection.vendor == "postgresql":
        source = (
            "SELECT (r->>0)::bigint, %s, %s, r->>1, %s, %s, r->2, %s "
            "FROM jsonb_array_elements(%s::jsonb) AS r"
        )
    else:
        source = (
            "SELECT json_extract(value, '$[0]'), %s, %s, json_extract(value, '$[1]'), %s, %s, "
            "json_extract(value, '$[2]'), %s FROM json_each(%s)"
        )
    user = acting_user(actor)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) {source}",
            [
                spec.field,
                spec.name,
                spec.target,
                user.pk if user is not None else None,
                connection.ops.adapt_datetimefield_value(at),
                json.dumps([[pk, state, data] for pk, state, data in rows]),
            ],
        )
