"""What a change of an outreach does elsewhere, in the transaction of that change.

Sending marks the person contacted and schedules follow-up attempt 1; an outcome acts on the
person and the follow-ups (an unsubscribe stops everything still queued for that person); the
job's heat follows its outreaches.
"""

from django.utils import timezone

from contacts.services import (
    people_record_contacted,
    person_apply_outcome,
    person_record_contacted,
)
from core.actors import Actor
from core.hooks import Hook
from followups.services import (
    followup_create_respond,
    followup_schedule_first_attempt,
    followups_cancel_open,
)
from jobs.services import job_recompute_heat

from ..choices import RUNNING_STATES, UNRESOLVED_OUTCOMES, DeliveryStatus, Outcome
from ..models import Outreach
from .transitions import outreaches_batch_transition

# An event for integrations to publish (webhooks), called in the change's transaction:
# `publish(type="message.sent", workspace_id=o.workspace_id, object_id=o.public_id, data={...})`.
# Outreach changes themselves are published from their audit entries.
publish = Hook("an event for webhooks: type, workspace_id, object_id, data")
# Many events of one type at once: `publish_many(type=..., rows=[(workspace_id, object_id, data)])`.
publish_many = Hook("events of one type for webhooks: type, rows")

# What the effects compare before and after a change.
EFFECT_FIELDS = ("sent_at", "outcome", "job_id", "person_id")


def effects_snapshot(outreach: Outreach) -> dict:
    """The values `after_outreach_written` compares with, read before a change."""
    return {name: getattr(outreach, name) for name in EFFECT_FIELDS}


def after_outreach_written(
    outreach: Outreach,
    *,
    before: dict | None,
    actor: Actor,
    create_follow_up: bool = True,
    follow_up_note: str = "",
) -> None:
    """Run the effects of what a create (`before` None) or an update changed."""
    was = before or {}
    if outreach.sent_at and was.get("sent_at") is None:
        record_sent(outreach, create_follow_up=create_follow_up, note=follow_up_note)
    if outreach.outcome != was.get("outcome", Outcome.NONE):
        apply_outcome(outreach, actor=actor)
    for job_id in {outreach.job_id, was.get("job_id")}:
        job_recompute_heat(job_id)


def before_outreach_deleted(outreach: Outreach) -> None:
    """An outreach is about to go: its open follow-ups are canceled (they outlive it)."""
    followups_cancel_open(outreach_ids=[outreach.pk])


def after_outreach_deleted(*, job_id: int | None) -> None:
    """The job's heat no longer counts the deleted outreach."""
    job_recompute_heat(job_id)


def record_sent(outreach: Outreach, *, create_follow_up: bool = True, note: str = "") -> None:
    """The outreach went out: follow-up attempt 1, and the person was contacted."""
    if create_follow_up:
        followup_schedule_first_attempt(outreach=outreach, sent_at=outreach.sent_at, note=note)
    if outreach.person_id:
        person_record_contacted(person_id=outreach.person_id, at=outreach.sent_at)


def after_delivery_performed(outreach: Outreach) -> None:
    """Delivery reached `performed`: stamp sent_at if unset and run the effects of sending.
    An outreach on a running sequence gets no follow-up attempt: its steps follow up."""
    if outreach.sent_at is None:
        outreach.sent_at = timezone.now()
        Outreach.objects.filter(pk=outreach.pk).update(sent_at=outreach.sent_at)
        record_sent(outreach, create_follow_up=outreach.current_state not in RUNNING_STATES)
    job_recompute_heat(outreach.job_id)


def after_delivered_many(*, ids: list[int], stamped: list[int], at) -> None:
    """Delivery reached `performed` for many outreaches at once (`outreaches_record_sent`):
    those whose sent_at was stamped now have the effects of sending — the person contacted,
    follow-up attempt 1 unless a running sequence's steps follow up — and every job's heat
    follows."""
    rows = list(
        Outreach.objects.filter(pk__in=ids).values_list(
            "pk", "person_id", "job_id", "current_state"
        )
    )
    fresh = set(stamped)
    people_record_contacted(
        person_ids=[person for pk, person, _job, _state in rows if pk in fresh and person],
        at=at,
    )
    loose = [pk for pk, _person, _job, state in rows if pk in fresh and state not in RUNNING_STATES]
    for outreach in Outreach.objects.filter(pk__in=loose).select_related("person", "company"):
        followup_schedule_first_attempt(outreach=outreach, sent_at=at)
    for job_id in sorted({job for _pk, _person, job, _state in rows if job}):
        job_recompute_heat(job_id)


def apply_outcome(outreach: Outreach, *, actor: Actor) -> None:
    """An outcome was recorded: act on the person, the follow-ups and, for an unsubscribe,
    every other outreach still queued for that person."""
    if outreach.person_id:
        person_apply_outcome(
            person_id=outreach.person_id, outcome=outreach.outcome, at=timezone.now()
        )
    if outreach.outcome in UNRESOLVED_OUTCOMES:
        return
    followups_cancel_open(outreach_ids=[outreach.pk])
    if outreach.outcome in (Outcome.REPLIED, Outcome.POSITIVE):
        followup_create_respond(outreach=outreach)
    if outreach.outcome == Outcome.UNSUBSCRIBED and outreach.person_id:
        stop_queued_outreaches(person_id=outreach.person_id, actor=actor)


def stop_queued_outreaches(*, person_id: int, actor: Actor) -> None:
    """The person unsubscribed: running sequences are finished; pending deliveries are
    canceled; running ones, which the delivery graph cannot cancel, are aborted with the
    reason."""
    reason = "The person unsubscribed."
    queued = Outreach.objects.filter(person_id=person_id)
    running_sequences = list(
        queued.filter(current_state__in=RUNNING_STATES).values_list("pk", flat=True)
    )
    if running_sequences:
        outreaches_batch_transition(
            ids=running_sequences, name="finish", actor=actor, metadata={"reason": reason}
        )
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
