"""A running sequence: which step comes next and when, for one outreach.

The outreach's own services move its state (start, pause, resume, finish); this module is
their part that concerns the schedule, registered on their hooks (sending/apps.py): at `start`
it chooses the mailbox and the first step or refuses; a step on a channel the engine cannot
send becomes a to-do for a person, and the sequence goes on when it is done or skipped; a
finished sequence cancels what it still had scheduled. `advance` moves to the next step after
one went out; the engine (engine.py) calls it.
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contacts.models import Person
from core.actors import Actor
from core.batches import check_batch_size
from core.public_ids import PREFIXES, format_public_id
from followups.choices import FollowUpKind, FollowUpStatus
from followups.models import FollowUp
from followups.services import followup_create_step
from outreach.choices import RUNNING_STATES, SENDING_STATES, Channel
from outreach.exceptions import TransitionNotAllowed
from outreach.models import Outreach, SequenceStep
from outreach.services.delivery import abort_delivery, contact_refusal
from outreach.services.transitions import check, outreaches_batch_transition
from outreach.state_machine import transition_spec

from .choices import MessageStatus
from .models import Mailbox, Message

# What a person does for a step on each channel the engine cannot send.
STEP_VERBS = {
    Channel.PHONE: "Call",
    Channel.LINKEDIN: "Message on LinkedIn:",
    Channel.FACEBOOK: "Message on Facebook:",
}


def steps_of(outreach: Outreach) -> list[SequenceStep]:
    if outreach.sequence_id is None:
        return []
    return list(SequenceStep.objects.filter(sequence_id=outreach.sequence_id).order_by("position"))


def step_after(steps: list[SequenceStep], position: int | None) -> SequenceStep | None:
    """The first step at or after `position` (the first of all for None)."""
    for step in steps:
        if position is None or step.position >= position:
            return step
    return None


def step_number(steps: list[SequenceStep], step: SequenceStep) -> str:
    return f"step {steps.index(step) + 1} of {len(steps)}"


def default_mailbox(outreach: Outreach) -> Mailbox | None:
    """The owner's first active mailbox (the owner is the company's)."""
    owner_id = outreach.owner_pk
    if owner_id is None:
        return None
    return (
        Mailbox._base_manager.filter(
            workspace_id=outreach.workspace_id, owner_id=owner_id, active=True
        )
        .order_by("created_at", "pk")
        .first()
    )


def running_exclusive_elsewhere(outreach: Outreach) -> Outreach | None:
    """Another outreach of the same person running an exclusive sequence."""
    if outreach.person_id is None:
        return None
    return (
        Outreach._base_manager.filter(
            person_id=outreach.person_id,
            current_state__in=RUNNING_STATES,
            sequence__exclusive=True,
        )
        .exclude(pk=outreach.pk)
        .order_by("pk")
        .first()
    )


# --- the hooks of the outreach's moves ------------------------------------------------------


def sequence_moving(*, outreach: Outreach, name: str, actor: Actor) -> None:
    """Registered on outreach.services.outreaches.sequence_moving (the outreach is locked and
    is about to move; fields set here are saved with the move)."""
    if name == "start":
        _prepare_start(outreach, actor=actor)
    elif name == "finish":
        outreach.next_step = None
        outreach.next_step_at = None
        cancel_scheduled(outreach_ids=[outreach.pk])


def _prepare_start(outreach: Outreach, *, actor: Actor) -> None:
    sequence = outreach.sequence
    other = None
    if sequence.exclusive and outreach.person_id is not None:
        # Two starts for the same person at once: the second waits here, then sees the first.
        list(Person._base_manager.select_for_update().filter(pk=outreach.person_id).values("pk"))
        other = running_exclusive_elsewhere(outreach)
    plan_start(
        outreach,
        mailbox=outreach.mailbox if outreach.mailbox_id else default_mailbox(outreach),
        steps=steps_of(outreach),
        other=other,
        now=timezone.now(),
    )


def plan_start(
    outreach: Outreach,
    *,
    mailbox: Mailbox | None,
    steps: list[SequenceStep],
    other: Outreach | None,
    now: datetime.datetime,
) -> None:
    """The start's own checks, then its mailbox and first step set on the outreach (to be
    saved with the move): refused (409) without a mailbox, while `other` (the person's
    outreach on an exclusive sequence, for an exclusive one) runs, or without steps."""
    if mailbox is None:
        raise TransitionNotAllowed(
            "Cannot start: it needs a mailbox to send from. Add one on the Mailboxes page "
            "(or POST /api/mailboxes), or set mailbox_id."
        )
    if other is not None and outreach.sequence.exclusive:
        raise TransitionNotAllowed(
            f"Cannot start: {other.public_id} of the same person is running an exclusive "
            f"sequence ({other.current_state}); finish it first."
        )
    if not steps:
        raise TransitionNotAllowed(
            f"Cannot start: the sequence “{outreach.sequence.name}” has no steps."
        )
    outreach.mailbox = mailbox
    first = steps[0]
    schedule_step(outreach, steps, first, due=now + delay_of(first))


def delay_of(step: SequenceStep) -> datetime.timedelta:
    return datetime.timedelta(days=step.delay_days)


def schedule_step(
    outreach: Outreach,
    steps: list[SequenceStep],
    step: SequenceStep,
    *,
    due: datetime.datetime,
) -> None:
    """Make `step` the next one, due then (sets the fields, the caller saves them). A step the
    engine cannot send becomes a to-do for the owner, due then."""
    outreach.next_step = step.position
    if step.channel == Channel.EMAIL:
        outreach.next_step_at = due
        return
    outreach.next_step_at = None  # waits for the to-do
    person = outreach.person
    who = (person.full_name or person.email) if person else ""
    where = outreach.company.name if outreach.company_id else ""
    target = f"{who} @ {where}" if who and where else who or where or outreach.public_id
    verb = STEP_VERBS.get(step.channel, "Reach")
    followup_create_step(
        outreach=outreach,
        title=f"{verb} {target} — {step_number(steps, step)}",
        due_at=due,
    )


SCHEDULE_UPDATE = ("next_step", "next_step_at", "updated_at")


def advance(outreach: Outreach, *, after: datetime.datetime, actor: Actor = None) -> None:
    """The current step is done (sent, or its to-do settled): schedule the one after it, or
    finish the sequence after the last. The outreach is locked by the caller."""
    advance_many([outreach], after=after, actor=actor)
    outreach.refresh_from_db()


def advance_many(
    outreaches: list[Outreach], *, after: datetime.datetime, actor: Actor = None
) -> None:
    """`advance` for many outreaches at once (locked by the caller, `next_step` their step
    just done): one UPDATE schedules the next steps, one batch finishes those past their
    last; each sequence's steps are read once."""
    steps_by_sequence: dict[int | None, list[SequenceStep]] = {}
    scheduled, finished = [], []
    for outreach in outreaches:
        if outreach.sequence_id not in steps_by_sequence:
            steps_by_sequence[outreach.sequence_id] = steps_of(outreach)
        steps = steps_by_sequence[outreach.sequence_id]
        following = step_after(steps, (outreach.next_step or 0) + 1)
        if following is None:
            finished.append(outreach.pk)
            continue
        schedule_step(outreach, steps, following, due=after + delay_of(following))
        scheduled.append(outreach)
    # Outreaches of one sequence at one step share their next step and its time: one UPDATE
    # for each such group.
    groups: dict[tuple, list[int]] = {}
    for outreach in scheduled:
        groups.setdefault((outreach.next_step, outreach.next_step_at), []).append(outreach.pk)
    now = timezone.now()
    for (next_step, next_step_at), outreach_ids in groups.items():
        Outreach._base_manager.filter(pk__in=outreach_ids).update(
            next_step=next_step, next_step_at=next_step_at, updated_at=now
        )
    if finished:
        outreaches_batch_transition(
            ids=finished,
            name="finish",
            actor=actor,
            metadata={"reason": "The last step of the sequence was done."},
        )


def step_settled(*, followup: FollowUp) -> None:
    """Registered on followups' step_settled: the step's to-do was done or skipped."""
    if followup.outreach_id is None:
        return
    outreach = Outreach._base_manager.select_for_update().get(pk=followup.outreach_id)
    if outreach.current_state not in RUNNING_STATES or outreach.next_step_at is not None:
        return
    advance(outreach, after=timezone.now())


def cancel_scheduled(*, outreach_ids: list[int]) -> None:
    """The sequences of these outreaches finished: nothing they had scheduled goes out, and
    their step to-dos are closed (registered on outreach's sequences_finished, for batches)."""
    Message._base_manager.filter(
        outreach_id__in=outreach_ids, status=MessageStatus.SCHEDULED
    ).update(
        status=MessageStatus.CANCELED,
        server_answer="The sequence finished before it was sent.",
        updated_at=timezone.now(),
    )
    FollowUp._base_manager.filter(
        outreach_id__in=outreach_ids, kind=FollowUpKind.STEP, status=FollowUpStatus.PENDING
    ).update(status=FollowUpStatus.CANCELED, completed_at=timezone.now())


def open_step_task(outreach: Outreach) -> FollowUp | None:
    return (
        FollowUp._base_manager.filter(
            outreach_id=outreach.pk, kind=FollowUpKind.STEP, status=FollowUpStatus.PENDING
        )
        .order_by("due_at")
        .first()
    )


# --- batch start ----------------------------------------------------------------------------


class _Starts:
    """What deciding many starts reads once: each sequence's steps, each owner's first active
    mailbox, and which of the people already run an exclusive sequence elsewhere."""

    def __init__(self, outreaches: list[Outreach]):
        self.steps: dict[int, list[SequenceStep]] = {}
        sequence_ids = {o.sequence_id for o in outreaches if o.sequence_id}
        for step in SequenceStep.objects.filter(sequence_id__in=sequence_ids).order_by(
            "sequence_id", "position"
        ):
            self.steps.setdefault(step.sequence_id, []).append(step)
        self.mailboxes: dict[int, Mailbox] = {}
        owners = {o.owner_pk for o in outreaches if o.owner_pk is not None}
        workspaces = {o.workspace_id for o in outreaches}
        for mailbox in (
            Mailbox._base_manager.filter(
                owner_id__in=owners, workspace_id__in=workspaces, active=True
            )
            .select_related("owner")
            .order_by("-created_at", "-pk")
        ):
            self.mailboxes[mailbox.owner_id] = mailbox  # read newest first: the first one stays
        people = {o.person_id for o in outreaches if o.person_id}
        self.running: dict[int, Outreach] = {}
        for other in (
            Outreach._base_manager.filter(
                person_id__in=people,
                current_state__in=RUNNING_STATES,
                sequence__exclusive=True,
            )
            .exclude(pk__in=[o.pk for o in outreaches])
            .order_by("-pk")
        ):
            self.running[other.person_id] = other


def outreaches_batch_start(
    *, ids: list[int], actor: Actor, mailbox: Mailbox | None = None
) -> tuple[list[int], list[dict[str, str]]]:
    """Start many outreaches, each with the checks of `start` and its own reason when refused,
    set-based in one transaction: the rows locked in id order, what the checks need read once,
    the moves written in a few statements. Answers the started ids and the skipped."""
    check_batch_size(len(ids))
    ids = list(dict.fromkeys(ids))
    spec = transition_spec("start")
    now = timezone.now()
    started, skipped, fields = [], [], {}
    with transaction.atomic():
        locked = {
            o.pk: o
            for o in Outreach.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related("person", "company", "sequence")
            .order_by("pk")
        }
        starts = _Starts(list(locked.values()))
        claimed: dict[int, Outreach] = {}  # people this batch starts an exclusive sequence for
        for pk in ids:
            outreach = locked.get(pk)
            if outreach is None:
                skipped.append(
                    {"id": format_public_id(PREFIXES["outreach"], pk), "reason": "not found"}
                )
                continue
            try:
                check(outreach, spec)
                refusal = contact_refusal(outreach)
                if refusal is not None:
                    abort_delivery(outreach, reason=refusal, refused="start", actor=actor)
                    raise TransitionNotAllowed(
                        f"Cannot start: {refusal} Delivery status is '{outreach.delivery_status}'."
                    )
                person = outreach.person_id
                if person in claimed and outreach.sequence.exclusive:
                    raise TransitionNotAllowed(
                        f"Cannot start: {claimed[person].public_id} of the same person starts "
                        "an exclusive sequence in this batch."
                    )
                plan_start(
                    outreach,
                    mailbox=mailbox
                    or (outreach.mailbox if outreach.mailbox_id else None)
                    or starts.mailboxes.get(outreach.owner_pk),
                    steps=starts.steps.get(outreach.sequence_id, []),
                    other=starts.running.get(person) if person else None,
                    now=now,
                )
            except TransitionNotAllowed as exc:
                skipped.append({"id": outreach.public_id, "reason": exc.message})
                continue
            if person and outreach.sequence.exclusive:
                claimed[person] = outreach
            started.append(pk)
            fields[pk] = {
                "mailbox_id": outreach.mailbox.pk,
                "next_step": outreach.next_step,
                "next_step_at": outreach.next_step_at,
            }
        if started:
            outreaches_batch_transition(
                ids=started, name="start", actor=actor, checked=True, fields_by_id=fields
            )
    return started, skipped


def due_filter(now: datetime.datetime) -> Q:
    """Outreaches whose next step is an email due now and that may send."""
    return Q(next_step_at__lte=now, current_state__in=SENDING_STATES)
