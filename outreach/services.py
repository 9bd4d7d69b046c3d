"""Every write to outreaches, sequences and tags goes through these functions.

Each one is a transaction; state changes write their history row in the same transaction.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from outreach_site.errors import InvalidInput, NotFound
from outreach_site.public_ids import format_public_id

from .choices import MESSAGE_ID_OUTREACH_TYPES, OUTREACH_TYPE_CHANNEL
from .enrichment.batches import enrichment_batch_open
from .exceptions import TransitionNotAllowed
from .models import Outreach, OutreachTransition, Sequence, SequenceStep, Tag
from .state_machine import transition_spec, unmet_conditions

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
def outreach_create(*, actor: Actor, **values: Any) -> Outreach:
    """Record a new outreach."""
    unknown = set(values) - set(OUTREACH_WRITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    _apply_outreach_rules(values)
    outreach = Outreach(created_by=actor if actor and actor.is_authenticated else None, **values)
    outreach.save()
    return outreach


@transaction.atomic
def outreach_update(*, outreach: Outreach, actor: Actor, **changes: Any) -> Outreach:
    """Change writable fields; only the fields named are written, so concurrent edits of
    different fields both survive."""
    unknown = set(changes) - set(OUTREACH_WRITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    locked = Outreach.objects.select_for_update().get(pk=outreach.pk)
    _apply_outreach_rules(changes, locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    if changes:
        locked.save(update_fields=[*changes, "updated_at"])
    return locked


@transaction.atomic
def outreach_delete(*, outreach: Outreach, actor: Actor) -> dict[str, str | None]:
    """Delete an outreach and its history; answers which job and person it concerned."""
    result = {
        "deleted_id": outreach.public_id,
        "job_id": format_public_id("job", outreach.job_id),
        "person_id": format_public_id("per", outreach.person_id),
    }
    outreach.delete()
    return result


@transaction.atomic
def outreach_transition(
    *, outreach: Outreach, name: str, actor: Actor, metadata: dict | None = None
) -> Outreach:
    """Run one transition of either state machine and record it.

    The row is locked first, so two concurrent requests cannot both make the same move.
    """
    spec = transition_spec(name)
    locked = Outreach.objects.select_for_update().get(pk=outreach.pk)
    current = getattr(locked, spec.field)
    if current not in spec.sources:
        raise _not_allowed(spec, current)
    reasons = unmet_conditions(locked, name)
    if reasons:
        raise _not_allowed(spec, current, reasons)
    getattr(locked, name)()
    locked.save(update_fields=[spec.field, "updated_at"])
    _history_row(
        outreach_id=locked.pk,
        spec=spec,
        from_state=current,
        actor=actor,
        metadata=metadata,
        at=locked.updated_at,
    ).save()
    if name == START_ENRICHMENT:
        enrichment_batch_open(outreach_ids=[locked.pk], actor=actor)
    return locked


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
    states = dict(
        Outreach.objects.select_for_update()
        .filter(pk__in=ids)
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
        Outreach.objects.filter(pk__in=eligible).update(
            **{spec.field: spec.target, "updated_at": now}
        )
        OutreachTransition.objects.bulk_create(
            [
                _history_row(
                    outreach_id=pk,
                    spec=spec,
                    from_state=states[pk],
                    actor=actor,
                    metadata={**(metadata or {}), **(metadata_by_id or {}).get(pk, {})},
                    at=now,
                )
                for pk in eligible
            ]
        )
    batch_id = None
    if name == START_ENRICHMENT and eligible:
        batch_id = enrichment_batch_open(outreach_ids=eligible, actor=actor).pk
    return BatchTransitionResult(
        transition=name, success_ids=eligible, skipped=skipped, batch_id=batch_id
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
    """Put many outreaches on one sequence in a single UPDATE."""
    updated = Outreach.objects.filter(pk__in=ids).update(
        sequence=sequence, updated_at=timezone.now()
    )
    not_found: list[str] = []
    if updated < len(ids):
        found = set(Outreach.objects.filter(pk__in=ids).values_list("pk", flat=True))
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
    for name, value in changes.items():
        setattr(sequence, name, value)
    if changes:
        sequence.save(update_fields=[*changes, "updated_at"])
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
    sequence.delete()


@transaction.atomic
def tag_create(*, actor: Actor, name: str) -> Tag:
    return Tag.objects.create(name=name)


@transaction.atomic
def tag_update(*, tag: Tag, actor: Actor, **changes: Any) -> Tag:
    for name, value in changes.items():
        setattr(tag, name, value)
    tag.save()
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag, actor: Actor) -> None:
    tag.delete()
