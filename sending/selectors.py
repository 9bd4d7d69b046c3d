"""Reads of mailboxes and messages that more than one screen needs: the mailboxes with what
they sent, the outbox (the next 24 hours), an outreach's messages with their headers, and a
sequence's results per step."""

import datetime
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from outreach.choices import REPLY_OUTCOMES, SENDING_STATES, Outcome
from outreach.models import Outreach, Sequence, SequenceStep

from . import limits, schedule
from .choices import MessageStatus
from .models import Mailbox, Message


def mailboxes() -> QuerySet[Mailbox]:
    """Mailboxes of the workspace in scope, with their owners, by name."""
    return Mailbox.objects.select_related("owner").order_by("name", "id")


def outreach_messages(outreach_id: int) -> QuerySet[Message]:
    """An outreach's messages, oldest first."""
    return Message.objects.filter(outreach_id=outreach_id).defer("raw").order_by("created_at", "id")


def mailboxes_with_sent(*, now: datetime.datetime | None = None) -> QuerySet[Mailbox]:
    """The mailboxes, each with `sent_last_24h` (what counts against its daily limit), in one
    query."""
    now = now or timezone.now()
    sent = (
        Message.objects.filter(
            mailbox_id=OuterRef("pk"), status__in=limits.COUNTED, sent_at__gt=now - limits.DAY
        )
        .order_by()
        .values("mailbox_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return mailboxes().annotate(
        sent_last_24h=Coalesce(Subquery(sent, output_field=IntegerField()), Value(0))
    )


def window_in_words(mailbox: Mailbox) -> str:
    """“Mon, Tue 09:00–17:00 Europe/Berlin”, as the schedule's explanations say it."""
    return limits.Window.of(mailbox).describe()


# --- the outbox: the next 24 hours ----------------------------------------------------------


@dataclass(frozen=True)
class OutboxRow:
    """A running outreach whose next email step is due soon, and what it waits for."""

    outreach: Outreach
    step_number: int  # its place among the sequence's steps (1 = the first)
    step_count: int
    schedule: schedule.Schedule


def outbox_outreaches(*, now: datetime.datetime | None = None) -> QuerySet[Outreach]:
    """Running outreaches whose next email step is due within 24 hours (or overdue), earliest
    first, with what a row shows: person, sequence, mailbox, the step's number and the count."""
    now = now or timezone.now()
    steps = SequenceStep.objects.filter(sequence_id=OuterRef("sequence_id")).order_by()
    count = steps.values("sequence_id").annotate(count=Count("pk")).values("count")
    number = (
        steps.filter(position__lte=OuterRef("next_step"))
        .values("sequence_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Outreach.objects.filter(
            current_state__in=SENDING_STATES,
            next_step_at__isnull=False,
            next_step_at__lte=now + limits.DAY,
        )
        .select_related("person", "company", "sequence", "mailbox")
        .annotate(
            step_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
            step_number=Coalesce(Subquery(number, output_field=IntegerField()), Value(0)),
        )
        .order_by("next_step_at", "pk")
    )


def recent_sends(
    mailbox_ids: set[int], *, now: datetime.datetime
) -> dict[int, list[datetime.datetime]]:
    """{mailbox id: its hand-over times of the last 24 hours, oldest first}, in one query."""
    found: dict[int, list[datetime.datetime]] = {pk: [] for pk in mailbox_ids}
    if not mailbox_ids:
        return found
    rows = (
        Message.objects.filter(
            mailbox_id__in=mailbox_ids, status__in=limits.COUNTED, sent_at__gt=now - limits.DAY
        )
        .order_by("sent_at")
        .values_list("mailbox_id", "sent_at")
    )
    for mailbox_id, sent_at in rows:
        found[mailbox_id].append(sent_at)
    return found


def outbox_rows(
    outreaches: list[Outreach], *, now: datetime.datetime | None = None
) -> list[OutboxRow]:
    """The outbox's rows with their schedules: the mailboxes' recent sends are read once for
    all of them, not once per row."""
    now = now or timezone.now()
    active = {o.mailbox_id for o in outreaches if o.mailbox is not None and o.mailbox.active}
    sends = recent_sends(active, now=now)
    rows = []
    for outreach in outreaches:
        if outreach.mailbox_id in active:
            plan = schedule.schedule_of(outreach, now, recent=sends[outreach.mailbox_id])
        else:  # no mailbox, or a paused one: schedule_of answers without a query
            plan = schedule.schedule_of(outreach, now)
        rows.append(
            OutboxRow(
                outreach=outreach,
                step_number=getattr(outreach, "step_number", 0) or outreach.next_step or 0,
                step_count=getattr(outreach, "step_count", 0),
                schedule=plan,
            )
        )
    return rows


def forecasts(*, now: datetime.datetime | None = None) -> list[tuple[Mailbox, dict]]:
    """Every mailbox with its forecast (two queries per mailbox, none per queued message)."""
    now = now or timezone.now()
    return [(box, schedule.mailbox_forecast(box, now)) for box in mailboxes_with_sent(now=now)]


def uncertain_messages() -> QuerySet[Message]:
    """Messages a person must decide about (sent or not?), the oldest first."""
    return (
        Message.objects.filter(status=MessageStatus.UNCERTAIN)
        .select_related("mailbox", "outreach", "outreach__person", "outreach__sequence")
        .defer("raw", "body")
        .order_by("updated_at", "pk")
    )


# --- an outreach's messages -----------------------------------------------------------------

# The headers a person checks on a message, in the order they read them.
SHOWN_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


def message_headers(raw: bytes) -> list[tuple[str, str]]:
    """The shown headers of a message's stored bytes, as (name, value), those it has."""
    if not raw:
        return []
    parsed = BytesHeaderParser(policy=policy.default).parsebytes(bytes(raw))
    return [(name, str(parsed[name])) for name in SHOWN_HEADERS if parsed[name] is not None]


def outreach_messages_with_headers(outreach_id: int) -> list[tuple[Message, list]]:
    """An outreach's messages by step, each with its headers (its bytes are read: one outreach
    has a message per step at most)."""
    found = (
        Message.objects.filter(outreach_id=outreach_id)
        .select_related("mailbox")
        .order_by("step", "created_at", "id")
    )
    return [(message, message_headers(message.raw)) for message in found]


# --- a sequence's results per step ----------------------------------------------------------


@dataclass(frozen=True)
class StepResult:
    """How one step did. `replied`, `bounced` and `opted_out` count the outreaches whose last
    sent step is this one, by their outcome now: what answered (or bounced) after it."""

    position: int
    number: int | None  # its place among the current steps; None for a removed step
    channel: str
    subject: str
    sent: int
    replied: int
    bounced: int
    opted_out: int

    @property
    def reply_rate(self) -> float | None:
        return round(100 * self.replied / self.sent, 1) if self.sent else None


def sequence_step_results(sequence: Sequence, steps: list[SequenceStep]) -> list[StepResult]:
    """Each step's sent messages and what came after them, in two grouped queries over the
    sequence's outreaches (the steps given are the sequence's, in order)."""
    sent = dict(
        Message.objects.filter(outreach__sequence_id=sequence.pk, status=MessageStatus.SENT)
        .order_by()
        .values("step")
        .annotate(count=Count("pk"))
        .values_list("step", "count")
    )
    last_sent = (
        Message.objects.filter(outreach_id=OuterRef("pk"), status=MessageStatus.SENT)
        .order_by("-step")
        .values("step")[:1]
    )
    after = {
        row["last_step"]: row
        for row in Outreach.objects.filter(sequence_id=sequence.pk)
        .annotate(last_step=Subquery(last_sent, output_field=IntegerField()))
        .filter(last_step__isnull=False)
        .order_by()
        .values("last_step")
        .annotate(
            replied=Count("pk", filter=Q(outcome__in=REPLY_OUTCOMES)),
            bounced=Count("pk", filter=Q(outcome=Outcome.BOUNCED)),
            opted_out=Count("pk", filter=Q(outcome=Outcome.UNSUBSCRIBED)),
        )
    }
    current = {step.position: (number, step) for number, step in enumerate(steps, start=1)}
    positions = sorted(set(current) | set(sent) | set(after))
    results = []
    for position in positions:
        number, step = current.get(position, (None, None))
        counts = after.get(position, {})
        results.append(
            StepResult(
                position=position,
                number=number,
                channel=step.channel if step else "",
                subject=step.subject_template if step else "",
                sent=sent.get(position, 0),
                replied=counts.get("replied", 0),
                bounced=counts.get("bounced", 0),
                opted_out=counts.get("opted_out", 0),
            )
        )
    return results
