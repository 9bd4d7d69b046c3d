"""Create, change and delete outreaches, and move one along either state machine.

Each function is a transaction; its effects (effects.py) run inside it, and what the move of a
transition causes (a batch of enrichment work, the effects of sending) is started here, after
the primitive of transitions.py has moved the row.
"""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.actors import Actor, acting_user
from core.errors import InvalidInput
from core.expressions import InIds
from core.hooks import Hook
from core.public_ids import format_public_id
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require, require_delete
from workspaces.selectors import workspace_for_create

from ..choices import (
    MESSAGE_ID_OUTREACH_TYPES,
    OUTREACH_TYPE_CHANNEL,
    DeliveryStatus,
    PipelineState,
)
from ..exceptions import TransitionNotAllowed
from ..models import Outreach, OutreachTransition
from ..state_machine import transition_spec
from . import effects, sort_keys
from .delivery import (
    abort_delivery,
    contact_refusal,
    delivery_jump_refused,
    delivery_path,
    delivery_transition_between,
)
from .enrichment import START_ENRICHMENT, after_enrichment_started
from .transitions import (
    CONTACT_CHECKED_TRANSITIONS,
    DELIVERY_FIELD,
    SCHEDULE_FIELDS,
    SEQUENCE_TRANSITIONS,
    check,
    lock,
    move,
)

# The running sequence's part in start, pause, resume and finish (the sending engine registers
# it), called with the locked outreach before it moves: at `start` it chooses the mailbox and
# the first step, or refuses with TransitionNotAllowed (409); the others move the schedule.
# Fields it sets among SCHEDULE_FIELDS are saved with the move.
sequence_moving = Hook("a running sequence's move: outreach (locked), name, actor")

# Fields an API client may write on an outreach (state fields change only by transitions).
OUTREACH_WRITABLE_FIELDS = (
    "person",
    "company",
    "job",
    "sequence",
    "tag",
    "channel",
    "outreach_type",
    "outcome",
    "context",
    "message_type",
    "personalization_score",
    "approved",
    "skip_repliers",
    "direction",
    "subject",
    "body",
    "body_type",
    "error_description",
    "screenshot_url",
    "message_id",
    "reply_to_message_id",
    "sent_at",
    "mailbox",
)


def _check_writable(values: dict[str, Any]) -> None:
    unknown = set(values) - set(OUTREACH_WRITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(sorted(unknown))}.")


def _check_role(actor: Actor, values: dict[str, Any], action: str) -> None:
    require(actor, Permission.WRITE, action)
    if values.get("approved") is True:
        require(actor, Permission.ASSIGN, "approve outreaches")


def _apply_outreach_rules(values: dict[str, Any], instance: Outreach | None = None) -> None:
    """Check and complete the values of a create or update, in place.

    The outreach type implies the channel; message ids only exist for mail types; the company
    defaults to the person's.
    """

    def current(name: str):
        if name in values:
            return values[name]
        return getattr(instance, name) if instance is not None else None

    outreach_type = current("outreach_type")
    if outreach_type:
        implied = OUTREACH_TYPE_CHANNEL[outreach_type]
        if "channel" in values and values["channel"] != implied:
            raise InvalidInput(
                f"{outreach_type} is sent over {implied}, not {values['channel']}.",
                field="channel",
            )
        if "outreach_type" in values or instance is None:
            values["channel"] = implied
    for name in ("message_id", "reply_to_message_id"):
        if current(name) and outreach_type not in MESSAGE_ID_OUTREACH_TYPES:
            allowed = " and ".join(sorted(MESSAGE_ID_OUTREACH_TYPES))
            raise InvalidInput(f"Only {allowed} outreaches have a {name}.", field=name)

    person = values.get("person")
    if (
        person is not None
        and "company" not in values
        and (instance is None or instance.company_id is None)
    ):
        values["company"] = person.company


@transaction.atomic
def outreach_create(
    *,
    actor: Actor,
    create_follow_up: bool = True,
    follow_up_note: str = "",
    delivery_status: str | None = None,
    workspace=None,
    **values: Any,
) -> Outreach:
    """Record a new outreach, with its effects: a sent one schedules follow-up attempt 1
    (unless `create_follow_up` is false) and marks the person contacted; an outcome acts on
    the person and the follow-ups; the job's heat is recomputed.

    A `delivery_status` other than `pending` is reached from `pending` along the shortest
    path of the delivery graph, one history row per step (`performed` = run, perform), with
    the usual checks: an outreach that may not be contacted ends `aborted`."""
    _check_writable(values)
    _check_role(actor, values, "create outreaches")
    _apply_outreach_rules(values)
    outreach = Outreach(
        workspace_id=workspace_for_create(actor, workspace), created_by=acting_user(actor), **values
    )
    sort_keys.copy_onto(outreach)
    outreach.save()
    audit.record(
        actor=actor, action=AuditAction.CREATE, obj=outreach, changes=audit.created(values)
    )
    effects.after_outreach_written(
        outreach,
        before=None,
        actor=actor,
        create_follow_up=create_follow_up,
        follow_up_note=follow_up_note,
    )
    if delivery_status is not None:
        outreach = _delivery_walk(outreach=outreach, status=delivery_status, actor=actor)
    return outreach


@transaction.atomic
def outreach_update(
    *,
    outreach: Outreach,
    actor: Actor,
    create_follow_up: bool = True,
    follow_up_note: str = "",
    delivery_status: str | None = None,
    **changes: Any,
) -> Outreach:
    """Change writable fields; only the fields named are written, so concurrent edits of
    different fields both survive. Effects as for outreach_create, for what changed.
    `delivery_status` goes through outreach_set_delivery_status (one transition or 409)."""
    _check_writable(changes)
    _check_role(actor, changes, "edit outreaches")
    locked = lock(outreach)
    before = effects.effects_snapshot(locked)
    _apply_outreach_rules(changes, locked)
    audit.record_update(actor, locked, audit.snapshot(locked, changes), changes)
    for name, value in changes.items():
        setattr(locked, name, value)
    if changes:
        update_fields = [*changes, "updated_at"]
        if sort_keys.touches_keys(changes):
            sort_keys.copy_onto(locked)
            update_fields.extend(sort_keys.FIELDS)
        locked.save(update_fields=update_fields)
    effects.after_outreach_written(
        locked,
        before=before,
        actor=actor,
        create_follow_up=create_follow_up,
        follow_up_note=follow_up_note,
    )
    if delivery_status is not None:
        locked = outreach_set_delivery_status(outreach=locked, status=delivery_status, actor=actor)
    return locked


@transaction.atomic
def outreach_delete(*, outreach: Outreach, actor: Actor) -> dict[str, str | None]:
    """Delete an outreach and its history, cancel its open follow-ups and recompute its job's
    heat; answers which job and person it concerned."""
    require_delete(actor, {outreach.owner_pk}, "delete outreaches")
    audit.record_delete(actor, outreach)
    result = {
        "deleted_id": outreach.public_id,
        "job_id": format_public_id("job", outreach.job_id),
        "person_id": format_public_id("per", outreach.person_id),
    }
    effects.before_outreach_deleted(outreach)
    job_id = outreach.job_id
    outreach.delete()
    effects.after_outreach_deleted(job_id=job_id)
    return result


# --- one transition -------------------------------------------------------------------------


def outreach_transition(
    *,
    outreach: Outreach,
    name: str,
    actor: Actor,
    metadata: dict | None = None,
    until: datetime.datetime | None = None,
) -> Outreach:
    """Run one transition of either state machine, record it, and start what it causes.

    The row is locked first, so two concurrent requests cannot both make the same move.
    `start` and `run` first check that the person may be contacted (`contact_refusal`); when
    not, delivery is aborted with the reason in error_description, that abort is committed,
    and then TransitionNotAllowed (409) says why the requested move did not happen.
    `until` is for `pause`: the sequence goes on by itself then.
    """
    moved, refusal = _transition(
        outreach=outreach, name=name, actor=actor, metadata=metadata, until=until
    )
    if refusal is not None:
        # Raised after _transition's transaction ended, so the abort is kept.
        raise TransitionNotAllowed(
            f"Cannot {name}: {refusal} Delivery status is '{moved.delivery_status}'."
        )
    return moved


def _check_until(name: str, until: datetime.datetime | None) -> None:
    if until is None:
        return
    if name != "pause":
        raise InvalidInput("Only pause takes an end (until).", field="until")
    if until <= timezone.now():
        raise InvalidInput("A pause must end in the future.", field="until")


@transaction.atomic
def _transition(
    *,
    outreach: Outreach,
    name: str,
    actor: Actor,
    metadata: dict | None = None,
    until: datetime.datetime | None = None,
) -> tuple[Outreach, str | None]:
    """Lock, check and run one transition, then start what it causes. Returns the outreach
    and, when the contact check refused the move (and delivery was aborted instead), why."""
    spec = transition_spec(name)
    require(actor, Permission.WRITE, "move outreaches")
    _check_until(name, until)
    locked = lock(outreach)
    check(locked, spec)
    if name in CONTACT_CHECKED_TRANSITIONS:
        refusal = contact_refusal(locked)
        if refusal is not None:
            abort_delivery(locked, reason=refusal, refused=name, actor=actor)
            return locked, refusal
    before = getattr(locked, spec.field)
    also_save: tuple[str, ...] = ()
    if name in SEQUENCE_TRANSITIONS:
        locked.paused_until = until if name == "pause" else None
        sequence_moving(outreach=locked, name=name, actor=actor)
        also_save = SCHEDULE_FIELDS
        if until is not None:
            metadata = {**(metadata or {}), "until": until.isoformat()}
    move(locked, spec=spec, actor=actor, metadata=metadata, also_save=also_save)
    audit.record(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=locked,
        changes={spec.field: [before, getattr(locked, spec.field)], "transition": [None, name]},
    )
    if name == START_ENRICHMENT:
        after_enrichment_started(locked, actor=actor)
    if spec.field == DELIVERY_FIELD and spec.target == DeliveryStatus.PERFORMED:
        effects.after_delivery_performed(locked)
    return locked, None


# The moves that record a sent message, by the state each starts from.
SENT_MOVES = {
    DeliveryStatus.PENDING: ("run", "perform"),
    DeliveryStatus.RUNNING: ("perform",),
    PipelineState.STARTING: ("wait",),
}


@transaction.atomic
def outreaches_record_sent(*, ids: list[int], actor: Actor = None) -> None:
    """Messages of their running sequences went out: delivery reaches `performed` (through
    `running`) and a starting outreach is `waiting` — every move checked by the table and
    recorded in the history and the audit log as if made alone, set-based: a few UPDATEs,
    one INSERT of history, one of audit entries, whatever the number. No contact check: this
    records what happened. Then the effects of sending (sent_at, the person contacted, the
    job's heat; no follow-up attempt for a running sequence: its steps follow up)."""
    rows = list(
        Outreach.objects.select_for_update()
        .filter(InIds("pk", ids))
        .order_by("pk")
        .values_list("pk", "workspace_id", "delivery_status", "current_state", "sent_at")
    )
    now = timezone.now()
    user = acting_user(actor)
    history, entries = [], []
    delivered, waiting, stamped = [], [], []
    for pk, workspace_id, delivery, state, sent_at in rows:
        for start, names in SENT_MOVES.items():
            if start not in (delivery, state):
                continue
            for name in names:
                spec = transition_spec(name)
                before = delivery if spec.field == DELIVERY_FIELD else state
                history.append(
                    OutreachTransition(
                        outreach_id=pk,
                        field=spec.field,
                        transition=name,
                        from_state=before,
                        to_state=spec.target,
                        actor=user,
                        metadata={"reason": "A message of its sequence was sent."},
                        created_at=now,
                    )
                )
                entries.append(
                    (
                        workspace_id,
                        format_public_id("out", pk),
                        {spec.field: [before, spec.target], "transition": [None, name]},
                    )
                )
                if spec.field == DELIVERY_FIELD:
                    delivery = spec.target
                else:
                    state = spec.target
            if start in (DeliveryStatus.PENDING, DeliveryStatus.RUNNING):
                delivered.append(pk)
                if sent_at is None:
                    stamped.append(pk)
            else:
                waiting.append(pk)
    if delivered:
        Outreach.objects.filter(InIds("pk", delivered)).update(
            delivery_status=DeliveryStatus.PERFORMED,
            done_time=Coalesce(F("done_time"), Value(now, DateTimeField())),
            updated_at=now,
        )
    if stamped:
        Outreach.objects.filter(InIds("pk", stamped)).update(sent_at=now)
    if waiting:
        Outreach.objects.filter(InIds("pk", waiting)).update(
            current_state=PipelineState.WAITING, updated_at=now
        )
    OutreachTransition.objects.bulk_create(history)
    audit.record_many(
        actor=actor, action=AuditAction.TRANSITION, object_type="outreach", rows=entries
    )
    if delivered:
        effects.after_delivered_many(ids=delivered, stamped=stamped, at=now)


# --- delivery status ------------------------------------------------------------------------


@transaction.atomic
def outreach_set_delivery_status(
    *, outreach: Outreach, status: str, actor: Actor, reason: str | None = None
) -> Outreach:
    """Write delivery_status (the MassProspecting-compatible `status`) as one transition.

    Writing the current value changes nothing. A value one transition away runs that
    transition (history row; done_time the first time it leaves `pending`; `performed` stamps
    sent_at and runs the effects of sending). Anything else is TransitionNotAllowed (409)
    naming both states. Moving to `running` when the person may not be contacted records
    what happened instead: delivery `aborted`, the reason in error_description, no error —
    the caller sees the outcome in the returned outreach.
    """
    locked = lock(outreach)
    current = locked.delivery_status
    if status == current:
        return locked
    name = delivery_transition_between(current, status)
    if name is None:
        raise delivery_jump_refused(current, status)
    moved, _refusal = _transition(
        outreach=locked, name=name, actor=actor, metadata={"reason": reason} if reason else None
    )
    return moved


def _delivery_walk(*, outreach: Outreach, status: str, actor: Actor) -> Outreach:
    """Bring a new (pending) outreach to `status` along the shortest path of the table, one
    checked transition at a time; stops early when the contact check aborts it."""
    path = delivery_path(outreach.delivery_status, status)
    if path is None:  # pragma: no cover - every status is reachable from pending
        raise TransitionNotAllowed(
            f"delivery_status '{status}' cannot be reached from '{outreach.delivery_status}'."
        )
    for name in path:
        outreach, refusal = _transition(
            outreach=outreach, name=name, actor=actor, metadata={"on_create": True}
        )
        if refusal is not None:
            break
    return outreach
