"""Running sequences for the small demo that `make run` loads: a `local` mailbox for the demo
user and a few dozen outreaches started on sequences made to show sending.

Only `bootstrap_demo` calls this, after `seed_demo`: a large seed stays a bulk load. The
outreaches are written `ready` with the history that got them there (like the seed's rows),
then started through the outreach service, so their mailbox, next step and to-dos are the
ones the product writes. Some have an email due at once (the worker's first pass sends it),
some start with a phone call (a to-do due today), some have their first email days ahead.
Nothing leaves the machine: a `local` mailbox builds and stores each message, and sends none.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, Q, Value, When

from contacts.choices import REPLIED_STATUSES, PersonStatus
from contacts.models import Person
from outreach.choices import REPLY_OUTCOMES, Channel, Outcome, PipelineState
from outreach.models import Outreach, OutreachTransition, Sequence
from outreach.services.outreaches import outreach_transition
from outreach.services.sequences import sequence_create
from outreach.services.sort_keys import row_values
from outreach.state_machine import transition_spec
from sending.choices import WEEKDAYS, MailboxKind
from sending.models import Mailbox
from sending.services import mailbox_create
from workspaces.models import Workspace

from .vocabulary import PIPELINE_PATHS, SYSTEM_TRANSITIONS

MAILBOX_NAME = "Demo mailbox"
# Limits that let the demo show sending: every day, all day, no pause between messages.
MAILBOX_LIMITS = {
    "daily_limit": 200,
    "min_interval_seconds": 0,
    "window_days": list(WEEKDAYS),
    "window_start": datetime.time(0, 0),
    "window_end": datetime.time(23, 59),
    "time_zone": "UTC",
}
INTRO = (
    "Quick question, {{ first_name }}",
    "Hi {{ first_name }},\n\nI noticed {{ company }} is growing its team. Would a short call "
    "next week be useful?\n\n{{ sender_first_name }}",
)
# The demo outreaches were made a few days before the demo starts, and enriched since.
MADE_AGO = datetime.timedelta(days=3)
ENRICHED_AFTER = datetime.timedelta(hours=20)
BUMP = ("", 'Hi {{ first_name|default:"there" }},\n\nFloating this back up in case it got buried.')
CALL = ("", "Call {{ first_name }} about {{ company }}.")


@dataclass(frozen=True)
class DemoSequence:
    """A sequence of the demo and how many of the chosen people run it."""

    name: str
    description: str
    # (channel, delay_days, subject, body) per step.
    steps: tuple[tuple[str, int, str, str], ...]
    share: int


DEMO_SEQUENCES = (
    DemoSequence(
        "Demo — intro and bump",
        "An intro today, a bump in its thread three days later.",
        ((Channel.EMAIL, 0, *INTRO), (Channel.EMAIL, 3, *BUMP)),
        share=10,
    ),
    DemoSequence(
        "Demo — intro, call, bump",
        "An intro today, a call two days later, then a bump.",
        ((Channel.EMAIL, 0, *INTRO), (Channel.PHONE, 2, *CALL), (Channel.EMAIL, 3, *BUMP)),
        share=6,
    ),
    DemoSequence(
        "Demo — call first",
        "A call today (a to-do in the follow-up queue), then an intro by email.",
        ((Channel.PHONE, 0, *CALL), (Channel.EMAIL, 2, *INTRO)),
        share=4,
    ),
    DemoSequence(
        "Demo — next week",
        "An intro in five days, a bump three days after it.",
        ((Channel.EMAIL, 5, *INTRO), (Channel.EMAIL, 3, *BUMP)),
        share=6,
    ),
)


@dataclass
class RunningDemo:
    mailbox: Mailbox
    started: int = 0
    # Started outreaches whose first step is an email due now (the worker's first pass).
    due_now: int = 0
    by_sequence: dict[str, int] = field(default_factory=dict)


def eligible_people(workspace: Workspace) -> list[Person]:
    """People a cold sequence may write to: an address that works, an owner (through their
    company), never asked not to be contacted, no reply yet. The demo's sequences are not
    exclusive, so they may run beside one the seed left running."""
    replied = (
        Outreach._base_manager.filter(
            Q(outcome__in=REPLY_OUTCOMES) | Q(outcome__in=(Outcome.BOUNCED, Outcome.UNSUBSCRIBED))
        )
        .filter(person__isnull=False)
        .values("person_id")
    )
    return list(
        Person._base_manager.filter(workspace=workspace, email_invalid=False)
        .exclude(email="")
        .exclude(status__in=(PersonStatus.DO_NOT_CONTACT, *REPLIED_STATUSES))
        .exclude(company__owner__isnull=True)
        .exclude(pk__in=replied)
        .select_related("company__owner")
        .order_by("pk")
    )


@transaction.atomic
def start_demo_sequences(
    *, workspace: Workspace, user, now: datetime.datetime, limit: int = 26
) -> RunningDemo:
    """Make the demo user's local mailbox and the demo sequences, and start one outreach for
    each of up to `limit` people on them (split by the sequences' shares)."""
    mailbox = Mailbox._base_manager.filter(workspace=workspace, owner=user, name=MAILBOX_NAME)
    mailbox = mailbox.first() or mailbox_create(
        actor=user,
        owner=user,
        workspace=workspace,
        name=MAILBOX_NAME,
        from_name=user.get_full_name() or user.get_username(),
        from_email=user.email or "demo@example.com",
        kind=MailboxKind.LOCAL,
        **MAILBOX_LIMITS,
    )
    result = RunningDemo(mailbox=mailbox)
    people = eligible_people(workspace)[:limit]
    if not people:
        return result
    assignments = _assign(people)
    sequences = {demo.name: _sequence(demo, workspace=workspace, user=user) for demo in assignments}
    ready = _write_ready(assignments, sequences, workspace=workspace, mailbox=mailbox, now=now)
    for outreach, demo in ready:
        outreach_transition(outreach=outreach, name="start", actor=user)
        result.started += 1
        result.by_sequence[demo.name] = result.by_sequence.get(demo.name, 0) + 1
        first = demo.steps[0]
        if first[0] == Channel.EMAIL and first[1] == 0:
            result.due_now += 1
    return result


def _assign(people: list[Person]) -> dict[DemoSequence, list[Person]]:
    """People in key order, dealt to the sequences in proportion to their shares."""
    total = sum(demo.share for demo in DEMO_SEQUENCES)
    assignments: dict[DemoSequence, list[Person]] = {}
    start = 0
    for index, demo in enumerate(DEMO_SEQUENCES):
        last = index == len(DEMO_SEQUENCES) - 1
        count = len(people) - start if last else round(len(people) * demo.share / total)
        if count > 0:
            assignments[demo] = people[start : start + count]
        start += count
    return assignments


def _sequence(demo: DemoSequence, *, workspace: Workspace, user) -> Sequence:
    existing = Sequence._base_manager.filter(workspace=workspace, name=demo.name).first()
    if existing is not None:
        return existing
    return sequence_create(
        actor=user,
        workspace=workspace,
        name=demo.name,
        description=demo.description,
        exclusive=False,
        steps=[
            {
                "channel": channel,
                "delay_days": delay,
                "subject_template": subject,
                "body_template": body,
            }
            for channel, delay, subject, body in demo.steps
        ],
    )


def _write_ready(
    assignments: dict[DemoSequence, list[Person]],
    sequences: dict[str, Sequence],
    *,
    workspace: Workspace,
    mailbox: Mailbox,
    now: datetime.datetime,
) -> list[tuple[Outreach, DemoSequence]]:
    """The outreaches, `ready` and approved, with the history rows of how they got there (one
    INSERT each, as the seed writes its rows): made by their owner a few days ago, enriched
    since."""
    drafts = []
    for demo, people in assignments.items():
        sequence = sequences[demo.name]
        for person in people:
            company = person.company
            created = now - MADE_AGO + datetime.timedelta(minutes=7 * len(drafts))
            drafts.append(
                (
                    Outreach(
                        workspace=workspace,
                        person=person,
                        company=company,
                        sequence=sequence,
                        mailbox=mailbox,
                        channel=Channel.EMAIL,
                        current_state=PipelineState.READY,
                        approved=True,
                        created_by_id=company.owner_id,
                        **row_values(
                            company_name=company.name,
                            owner_username=company.owner.username,
                            sequence_name=sequence.name,
                        ),
                    ),
                    demo,
                    created,
                )
            )
    made = Outreach._base_manager.bulk_create([outreach for outreach, _, _ in drafts])
    # auto_now(_add) wrote the moment of the insert: the demo's story starts earlier (one
    # UPDATE for all of them).
    moments = {outreach.pk: created for outreach, (_, _, created) in zip(made, drafts, strict=True)}
    enriched = {pk: created + ENRICHED_AFTER for pk, created in moments.items()}
    Outreach._base_manager.filter(pk__in=moments).update(
        created_at=_by_pk(moments), updated_at=_by_pk(enriched)
    )
    initial = str(Outreach._meta.get_field("current_state").default)
    history = []
    for outreach in made:
        current, at = initial, moments[outreach.pk]
        path = PIPELINE_PATHS[PipelineState.READY.value]
        for step, name in enumerate(path, start=1):
            spec = transition_spec(name)
            history.append(
                OutreachTransition(
                    outreach=outreach,
                    field=spec.field,
                    transition=name,
                    from_state=current,
                    to_state=spec.target,
                    actor_id=None if name in SYSTEM_TRANSITIONS else outreach.created_by_id,
                    metadata={},
                    created_at=at + ENRICHED_AFTER * step / len(path),
                )
            )
            current = spec.target
    OutreachTransition._base_manager.bulk_create(history)
    return [(outreach, demo) for outreach, (_, demo, _) in zip(made, drafts, strict=True)]


def _by_pk(values: dict[int, datetime.datetime]) -> Case:
    return Case(*(When(pk=pk, then=Value(value)) for pk, value in values.items()))
