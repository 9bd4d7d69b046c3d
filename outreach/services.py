"""Every write to outreaches, sequences and tags goes through these functions.

Each one is a transaction; state changes write their history row in the same transaction.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from contacts.choices import PersonStatus
from contacts.services import person_apply_outcome, person_record_contacted
from core.errors import InvalidInput, NotFound
from core.public_ids import format_public_id
from followups.services import (
    followup_create_respond,
    followup_schedule_first_attempt,
    followups_cancel_open,
)
from jobs.services import job_recompute_heat

from .choices import (
    MESSAGE_ID_OUTREACH_TYPES,
    OUTREACH_TYPE_CHANNEL,
    UNRESOLVED_OUTCOMES,
    DeliveryStatus,
    Outcome,
    SkipRepliers,
)
from .enrichment.batches import enrichment_batch_open
from .exceptions import TransitionNotAllowed
from .models import Outreach, OutreachTransition, Sequence, SequenceStep, Tag
from .querysets import InIds
from .state_machine import DELIVERY_TRANSITIONS, transition_spec, unmet_conditions

Actor = AbstractBaseUser | None

# Entering `enrichment` opens a batch and queues the work on commit, whichever path moved it.
START_ENRICHMENT = "start_enrichment"

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
)


# --- history ---------------------------------------------------------------------------------


def _history_row(
    *, outreach_id: int, spec, from_state: str, actor: Actor, metadata: dict | None, at
) -> OutreachTransition:
    return OutreachTransition(
        outreach_id=outreach_id,
        field=spec.field,
        transition=spec.name,
        from_state=from_state,
        to_state=spec.target,
        actor=actor if actor is not None and actor.is_authenticated else None,
        metadata=metadata or {},
        created_at=at,
    )


def _not_allowed(spec, current: str, reasons: list[str] | None = None) -> TransitionNotAllowed:
    if reasons:
        return TransitionNotAllowed(
            f"Cannot {spec.name} from '{current}' to '{spec.target}': {' and '.join(reasons)}."
        )
    return TransitionNotAllowed(
        f"Cannot {spec.name} from '{current}' to '{spec.target}': "
        f"{spec.name} only moves {spec.describe_sources()} to '{spec.target}'."
    )


# --- outreach field rules --------------------------------------------------------------------


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


# --- outreaches ------------------------------------------------------------------------------


@transaction.atomic
def outreach_create(
    *,
    actor: Actor,
    create_follow_up: bool = True,
    follow_up_note: str = "",
    delivery_status: str | None = None,
    **values: Any,
) -> Outreach:
    """Record a new outreach, with its effects: a sent one schedules follow-up attempt 1
    (unless `create_follow_up` is false) and marks the person contacted; an outcome acts on
    the person and the follow-ups; the job's heat is recomputed.

    A `delivery_status` other than `pending` is reached from `pending` along the shortest
    path of the delivery graph, one history row per step (`performed` = run, perform), with
    the usual checks: an outreach that may not be contacted ends `aborted`."""
    unknown = set(values) - set(OUTREACH_WRITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    _apply_outreach_rules(values)
    outreach = Outreach(created_by=actor if actor and actor.is_authenticated else None, **values)
    outreach.save()
    _after_outreach_written(
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
    unknown = set(changes) - set(OUTREACH_WRITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    locked = Outreach.objects.select_for_update().get(pk=outreach.pk)
    before = {name: getattr(locked, name) for name in _EFFECT_FIELDS}
    _apply_outreach_rules(changes, locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    if changes:
        locked.save(update_fields=[*changes, "updated_at"])
    _after_outreach_written(
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
    result = {
        "deleted_id": outreach.public_id,
        "job_id": format_public_id("job", outreach.job_id),
        "person_id": format_public_id("per", outreach.person_id),
    }
    followups_cancel_open(outreach_ids=[outreach.pk])
    job_id = outreach.job_id
    outreach.delete()
    job_recompute_heat(job_id)
    return result


# --- effects (seed 000), run in the transaction of the change that causes them --------------

# What the effects compare before and after a change.
_EFFECT_FIELDS = ("sent_at", "outcome", "job_id", "person_id")


def _after_outreach_written(
    outreach: Outreach,
    *,
    before: dict | None,
    actor: Actor,
    create_follow_up: bool = True,
    follow_up_note: str = "",
) -> None:
    was = before or {}
    if outreach.sent_at and was.get("sent_at") is None:
        _record_sent(outreach, create_follow_up=create_follow_up, note=follow_up_note)
    if outreach.outcome != was.get("outcome", Outcome.NONE):
        _apply_outcome(outreach, actor=actor)
    for job_id in {outreach.job_id, was.get("job_id")}:
        job_recompute_heat(job_id)


def _record_sent(outreach: Outreach, *, create_follow_up: bool = True, note: str = "") -> None:
    """The outreach went out: follow-up attempt 1, and the person was contacted."""
    if create_follow_up:
        followup_schedule_first_attempt(outreach=outreach, sent_at=outreach.sent_at, note=note)
    if outreach.person_id:
        person_record_contacted(person_id=outreach.person_id, at=outreach.sent_at)


def _after_delivery_performed(outreach: Outreach, actor: Actor) -> None:
    """Delivery reached `performed`: stamp sent_at if unset and run the effects of sending."""
    if outreach.sent_at is None:
        outreach.sent_at = timezone.now()
        Outreach.objects.filter(pk=outreach.pk).update(sent_at=outreach.sent_at)
        _record_sent(outreach)
    job_recompute_heat(outreach.job_id)


def _apply_outcome(outreach: Outreach, *, actor: Actor) -> None:
    """An outcome was recorded: act on the person, the follow-ups and, for an unsubscribe,
    every other outreach still queued for that person."""
    now = timezone.now()
    if outreach.person_id:
        person_apply_outcome(person_id=outreach.person_id, outcome=outreach.outcome, at=now)
    if outreach.outcome in UNRESOLVED_OUTCOMES:
        return
    followups_cancel_open(outreach_ids=[outreach.pk])
    if outreach.outcome in (Outcome.REPLIED, Outcome.POSITIVE):
        followup_create_respond(outreach=outreach)
    if outreach.outcome == Outcome.UNSUBSCRIBED and outreach.person_id:
        _stop_queued_outreaches(person_id=outreach.person_id, actor=actor)


def _stop_queued_outreaches(*, person_id: int, actor: Actor) -> None:
    """The person unsubscribed: pending deliveries are canceled; running ones, which the
    delivery graph cannot cancel, are aborted with the reason."""
    reason = "The person unsubscribed."
    queued = Outreach.objects.filter(person_id=person_id)
    pending = list(
        queued.filter(delivery_status=DeliveryStatus.PENDING).values_list("pk", flat=True)
    )
    running = list(
        queued.filter(delivery_status=DeliveryStatus.RUNNING).values_list("pk", flat=True)
    )
    if pending:
        outreaches_batch_transition(
            ids=pending, name="cancel", actor=actor, metadata={"reason": reason}
        )
    if running:
        outreaches_batch_transition(
            ids=running, name="abort", actor=actor, metadata={"reason": reason}
        )
        Outreach.objects.filter(pk__in=running).update(error_description=reason)
    followups_cancel_open(outreach_ids=pending + running)


# --- transitions -----------------------------------------------------------------------------

DELIVERY_FIELD = "delivery_status"
# Starting an outreach and beginning its delivery first ask whether the person may be contacted.
CONTACT_CHECKED_TRANSITIONS = ("start", "run")
# Batches cannot run these: each outreach gets its own contact check or its own effects.
ONE_AT_A_TIME_TRANSITIONS = (*CONTACT_CHECKED_TRANSITIONS, "perform")
# Outcomes that mean the person answered (a "no" is an answer too) and the person statuses
# those answers leave behind; skip_repliers looks for either.
REPLY_OUTCOMES = (Outcome.REPLIED, Outcome.POSITIVE, Outcome.NEGATIVE)
REPLIED_PERSON_STATUSES = (
    PersonStatus.REPLIED,
    PersonStatus.INTERESTED,
    PersonStatus.NOT_INTERESTED,
)


def outreach_transition(
    *, outreach: Outreach, name: str, actor: Actor, metadata: dict | None = None
) -> Outreach:
    """Run one transition of either state machine and record it.

    The row is locked first, so two concurrent requests cannot both make the same move.
    `start` and `run` first check that the person may be contacted (`_contact_refusal`); when
    not, delivery is aborted with the reason in error_description, that abort is committed,
    and then TransitionNotAllowed (409) says why the requested move did not happen.
    """
    moved, refusal = _transition(outreach=outreach, name=name, actor=actor, metadata=metadata)
    if refusal is not None:
        # Raised after _transition's transaction ended, so the abort is kept.
        raise TransitionNotAllowed(
            f"Cannot {name}: {refusal} Delivery status is '{moved.delivery_status}'."
        )
    return moved


@transaction.atomic
def _transition(
    *, outreach: Outreach, name: str, actor: Actor, metadata: dict | None = None
) -> tuple[Outreach, str | None]:
    """Lock, check and run one transition. Returns the outreach and, when the contact check
    refused the move (and delivery was aborted instead), the reason."""
    spec = transition_spec(name)
    locked = Outreach.objects.select_for_update().get(pk=outreach.pk)
    current = getattr(locked, spec.field)
    if current not in spec.sources:
        raise _not_allowed(spec, current)
    reasons = unmet_conditions(locked, name)
    if reasons:
        raise _not_allowed(spec, current, reasons)
    if name in CONTACT_CHECKED_TRANSITIONS:
        refusal = _contact_refusal(locked)
        if refusal is not None:
            _abort_delivery(locked, reason=refusal, refused=name, actor=actor)
            return locked, refusal
    _apply_transition(locked, spec=spec, actor=actor, metadata=metadata)
    return locked, None


def _stamps_done_time(spec) -> bool:
    """done_time records the first time delivery left `pending`."""
    return spec.field == DELIVERY_FIELD and spec.target != DeliveryStatus.PENDING


def _apply_transition(
    locked: Outreach,
    *,
    spec,
    actor: Actor,
    metadata: dict | None,
    also_save: tuple[str, ...] = (),
) -> None:
    """Move a locked outreach along one (already checked) transition and record it."""
    from_state = getattr(locked, spec.field)
    update_fields = [spec.field, "updated_at", *also_save]
    if _stamps_done_time(spec) and locked.done_time is None:
        locked.done_time = timezone.now()
        update_fields.append("done_time")
    getattr(locked, spec.name)()
    locked.save(update_fields=update_fields)
    _history_row(
        outreach_id=locked.pk,
        spec=spec,
        from_state=from_state,
        actor=actor,
        metadata=metadata,
        at=locked.updated_at,
    ).save()
    if spec.name == START_ENRICHMENT:
        enrichment_batch_open(outreach_ids=[locked.pk], actor=actor)
    if spec.field == DELIVERY_FIELD and spec.target == DeliveryStatus.PERFORMED:
        _after_delivery_performed(locked, actor)


def _contact_refusal(outreach: Outreach) -> str | None:
    """Why this outreach's person must not be contacted now, or None when they may be.

    - A person whose status is `do_not_contact` is never contacted, whatever skip_repliers says.
    - skip_repliers `global`: the person has replied — any of their outreaches has an outcome
      of replied, positive or negative, or the person has last_replied_at set, or a status a
      reply leads to (replied, interested, not_interested).
    - skip_repliers `tag_only`: one of the person's outreaches with this outreach's tag has a
      reply outcome. An untagged outreach has no tag to compare, so it is not skipped.
    - skip_repliers `none`, or no person: always contacted.
    """
    person = outreach.person
    if person is None:
        return None
    if person.status == PersonStatus.DO_NOT_CONTACT:
        return f"{person.public_id} is marked do_not_contact and is never contacted."
    replies = Outreach.objects.filter(person_id=person.pk, outcome__in=REPLY_OUTCOMES)
    if outreach.skip_repliers == SkipRepliers.GLOBAL and (
        person.last_replied_at is not None
        or person.status in REPLIED_PERSON_STATUSES
        or replies.exists()
    ):
        return f"{person.public_id} has already replied and skip_repliers is 'global'."
    if (
        outreach.skip_repliers == SkipRepliers.TAG_ONLY
        and outreach.tag_id is not None
        and replies.filter(tag_id=outreach.tag_id).exists()
    ):
        return (
            f"{person.public_id} has already replied to an outreach tagged "
            f"'{outreach.tag.name}' and skip_repliers is 'tag_only'."
        )
    return None


def _abort_delivery(locked: Outreach, *, reason: str, refused: str, actor: Actor) -> None:
    """Stop a delivery that must not happen: `aborted`, with the reason in error_description.

    A delivery already past `running` (performed, failed, …) is left as it is.
    """
    spec = transition_spec("abort")
    if locked.delivery_status not in spec.sources:
        return
    locked.error_description = reason
    _apply_transition(
        locked,
        spec=spec,
        actor=actor,
        metadata={"reason": reason, "refused": refused},
        also_save=("error_description",),
    )


# --- delivery status (seed 002's `status`) ---------------------------------------------------


def _delivery_transition_between(current: str, target: str) -> str | None:
    """The delivery transition that leads from `current` to `target`, if the table has one."""
    for name in DELIVERY_TRANSITIONS:
        spec = transition_spec(name)
        if spec.target == target and current in spec.sources:
            return name
    return None


def _delivery_path(current: str, target: str) -> list[str] | None:
    """Transition names of a shortest path from `current` to `target` (breadth-first)."""
    paths: dict[str, list[str]] = {current: []}
    frontier = [current]
    while frontier:
        following = []
        for state in frontier:
            for name in DELIVERY_TRANSITIONS:
                spec = transition_spec(name)
                if state in spec.sources and spec.target not in paths:
                    paths[spec.target] = [*paths[state], name]
                    following.append(spec.target)
        frontier = following
    return paths.get(target)


@transaction.atomic
def outreach_set_delivery_status(
    *, outreach: Outreach, status: str, actor: Actor, reason: str | None = None
) -> Outreach:
    """Write delivery_status (seed 002's `status`) as one transition of the delivery table.

    Writing the current value changes nothing. A value one transition away runs that
    transition (history row; done_time the first time it leaves `pending`; `performed` stamps
    sent_at and runs the effects of sending). Anything else is TransitionNotAllowed (409)
    naming both states. Moving to `running` when the person may not be contacted records
    what happened instead: delivery `aborted`, the reason in error_description, no error —
    the caller sees the outcome in the returned outreach.
    """
    locked = Outreach.objects.select_for_update().get(pk=outreach.pk)
    current = locked.delivery_status
    if status == current:
        return locked
    name = _delivery_transition_between(current, status)
    if name is None:
        onward = sorted(
            {
                transition_spec(n).target
                for n in DELIVERY_TRANSITIONS
                if current in transition_spec(n).sources
            }
        )
        allowed = ", ".join(f"'{s}'" for s in onward) if onward else "nothing: it is final"
        raise TransitionNotAllowed(
            f"Cannot change the delivery status from '{current}' to '{status}'; "
            f"from '{current}' it can go to {allowed}."
        )
    moved, _refusal = _transition(
        outreach=locked, name=name, actor=actor, metadata={"reason": reason} if reason else None
    )
    return moved


def _delivery_walk(*, outreach: Outreach, status: str, actor: Actor) -> Outreach:
    """Bring a new (pending) outreach to `status` along the shortest path of the table, one
    checked transition at a time; stops early when the contact check aborts it."""
    path = _delivery_path(outreach.delivery_status, status)
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
) -> BatchTransitionResult:
    """Apply one transition to many outreaches, set-based.

    Lock the rows in id order (so overlapping batches cannot deadlock), one UPDATE of those
    whose state the transition accepts, one bulk insert of their history rows. Each row's
    metadata is `metadata` updated with `metadata_by_id[id]` (the enrichment worker records
    every outreach's own result that way).
    """
    spec = transition_spec(name)
    if spec.has_conditions:
        raise ValueError(f"{name} has conditions and cannot run as a batch")
    # An id named twice moves once, as it would one at a time.
    ids = list(dict.fromkeys(ids))
    if name in ONE_AT_A_TIME_TRANSITIONS:
        raise ValueError(f"{name} checks or affects each outreach; use outreach_transition")
    states = dict(
        Outreach.objects.select_for_update()
        .filter(InIds("pk", ids))
        .order_by("pk")
        .values_list("pk", spec.field)
    )
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
        if _stamps_done_time(spec):
            changes["done_time"] = Coalesce(F("done_time"), Value(now, DateTimeField()))
        Outreach.objects.filter(InIds("pk", eligible)).update(**changes)
        _insert_history(
            spec=spec,
            rows=[
                (pk, states[pk], {**(metadata or {}), **(metadata_by_id or {}).get(pk, {})})
                for pk in eligible
            ],
            actor=actor,
            at=now,
        )
    batch_id = None
    if name == START_ENRICHMENT and eligible:
        batch_id = enrichment_batch_open(outreach_ids=eligible, actor=actor).pk
    return BatchTransitionResult(
        transition=name, success_ids=eligible, skipped=skipped, batch_id=batch_id
    )


def _insert_history(*, spec, rows: list[tuple[int, str, dict]], actor: Actor, at) -> None:
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
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) {source}",
            [
                spec.field,
                spec.name,
                spec.target,
                actor.pk if actor is not None and actor.is_authenticated else None,
                connection.ops.adapt_datetimefield_value(at),
                json.dumps([[pk, state, data] for pk, state, data in rows]),
            ],
        )


def outreaches_batch_start_enrichment(*, ids: list[int], actor: Actor) -> BatchTransitionResult:
    """Move every listed outreach that may start enrichment into `enrichment`.

    The moved ones form one enrichment batch (`batch_id` of the result) whose work is queued
    when the transaction commits.
    """
    return outreaches_batch_transition(ids=ids, name=START_ENRICHMENT, actor=actor)


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
    found = set(
        Outreach.objects.select_for_update()
        .filter(InIds("pk", ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    updated = Outreach.objects.filter(InIds("pk", found)).update(
        sequence=sequence, sort_sequence=sequence.name, updated_at=timezone.now()
    )
    not_found = [format_public_id("out", pk) for pk in ids if pk not in found]
    return BatchAssignResult(
        updated_count=updated, sequence_name=sequence.name, not_found=not_found
    )


def sequence_get(pk: int) -> Sequence:
    try:
        return Sequence.objects.get(pk=pk)
    except Sequence.DoesNotExist:
        raise NotFound(f"No sequence with id {format_public_id('seq', pk)}.") from None


# --- sequences and tags ----------------------------------------------------------------------


@transaction.atomic
def sequence_create(*, actor: Actor, steps: list[dict] | None = None, **values: Any) -> Sequence:
    """Create a sequence with its ordered steps."""
    sequence = Sequence.objects.create(**values)
    _sequence_replace_steps(sequence, steps or [])
    return sequence


@transaction.atomic
def sequence_update(
    *, sequence: Sequence, actor: Actor, steps: list[dict] | None = None, **changes: Any
) -> Sequence:
    """Change a sequence; when `steps` is given it replaces the steps as a whole."""
    renamed = "name" in changes and changes["name"] != sequence.name
    for name, value in changes.items():
        setattr(sequence, name, value)
    if changes:
        sequence.save(update_fields=[*changes, "updated_at"])
    if renamed:
        # The outreach list sorts on a copy of the name.
        sequence.outreaches.update(sort_sequence=sequence.name)
    if steps is not None:
        _sequence_replace_steps(sequence, steps)
    return sequence


def _sequence_replace_steps(sequence: Sequence, steps: list[dict]) -> None:
    sequence.steps.all().delete()
    SequenceStep.objects.bulk_create(
        SequenceStep(sequence=sequence, position=index, **step)
        for index, step in enumerate(steps, start=1)
    )


@transaction.atomic
def sequence_delete(*, sequence: Sequence, actor: Actor) -> None:
    """Delete a sequence; its outreaches keep going without one."""
    # One UPDATE that also clears the sort key, instead of the per-chunk SET NULL of delete().
    sequence.outreaches.update(sequence=None, sort_sequence=None)
    sequence.delete()


def _check_tag_name(name: str) -> None:
    if "/" in name:  # the name is the tag's address: /api/tags/<name>
        raise InvalidInput("A tag name cannot contain '/'.", field="name")


@transaction.atomic
def tag_create(*, actor: Actor, name: str) -> Tag:
    _check_tag_name(name)
    return Tag.objects.create(name=name)


@transaction.atomic
def tag_update(*, tag: Tag, actor: Actor, **changes: Any) -> Tag:
    if "name" in changes:
        _check_tag_name(changes["name"])
    for name, value in changes.items():
        setattr(tag, name, value)
    tag.save()
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag, actor: Actor) -> None:
    tag.delete()
