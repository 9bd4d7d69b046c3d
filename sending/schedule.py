"""What a running sequence waits for, in words; a mailbox's queue played forward; a sequence's
steps rendered for one person. Reads only: the rules they explain live in limits.py and
running.py."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from contacts.models import Person
from outreach.choices import PipelineState
from outreach.models import Outreach, Sequence

from . import composition, limits, running
from .choices import MessageStatus
from .models import Mailbox, Message


@dataclass(frozen=True)
class Schedule:
    next_step: int | None
    next_step_at: datetime.datetime | None
    waiting_for: str | None
    explanation: str
    # When the step will really go out, as far as the limits can tell now.
    expected_at: datetime.datetime | None = None

    def as_dict(self) -> dict:
        return {
            "next_step": self.next_step,
            "next_step_at": self.next_step_at,
            "waiting_for": self.waiting_for,
            "explanation": self.explanation,
            "expected_at": self.expected_at,
        }


def _when(moment: datetime.datetime, mailbox: Mailbox | None) -> str:
    zone = limits.Window.of(mailbox).zone if mailbox is not None else datetime.UTC
    return f"{moment.astimezone(zone):%a %d %b %Y %H:%M %Z}"


def schedule_of(
    outreach: Outreach,
    now: datetime.datetime | None = None,
    *,
    recent: list[datetime.datetime] | None = None,
) -> Schedule:
    """Where the outreach's sequence stands and, when a step must wait, why. `recent` (the
    mailbox's hand-over times of the last 24 hours, oldest first) saves a query per outreach
    when many are asked about (the outbox)."""
    now = now or timezone.now()
    state = outreach.current_state
    base = {"next_step": outreach.next_step, "next_step_at": outreach.next_step_at}
    if state == PipelineState.FINISHED:
        return Schedule(None, None, None, "The sequence is finished: nothing more is sent.")
    if state not in (PipelineState.STARTING, PipelineState.WAITING, PipelineState.PAUSED):
        if outreach.sequence_id is None:
            why = "No sequence: assign one, then start the outreach."
        else:
            why = f"Not started ({state}): start it to send its sequence."
        return Schedule(None, None, None, why)
    mailbox = outreach.mailbox
    if state == PipelineState.PAUSED:
        why = (
            f"Paused until {_when(outreach.paused_until, mailbox)}; it goes on by itself then."
            if outreach.paused_until
            else "Paused: resume it to go on."
        )
        return Schedule(**base, waiting_for=limits.PAUSED, explanation=why)
    if outreach.next_step_at is None:
        return _waiting_for_a_person(outreach, base)
    if mailbox is None:
        return Schedule(
            **base,
            waiting_for=limits.MAILBOX_INACTIVE,
            explanation="It has no mailbox (the mailbox was deleted): set mailbox_id.",
        )
    if not mailbox.active:
        reason = f": {mailbox.paused_reason}" if mailbox.paused_reason else ""
        return Schedule(
            **base,
            waiting_for=limits.MAILBOX_INACTIVE,
            explanation=f"The mailbox {mailbox.name} is paused{reason}",
        )
    due = max(outreach.next_step_at, now)
    if recent is not None:
        recent = [moment for moment in recent if moment > due - limits.DAY]
    allowed = limits.next_allowed(mailbox, due, recent=recent)
    step = f"Step {outreach.next_step}"
    if allowed.waiting_for is None:
        if outreach.next_step_at <= now:
            why = f"{step} is due now: the next worker pass sends it."
        else:
            why = f"{step} is due {_when(outreach.next_step_at, mailbox)}."
        return Schedule(**base, waiting_for=None, explanation=why, expected_at=allowed.at)
    return Schedule(
        **base,
        waiting_for=allowed.waiting_for,
        explanation=f"{step} is due {_when(outreach.next_step_at, mailbox)}. "
        + allowed.explain(mailbox),
        expected_at=allowed.at,
    )


def _waiting_for_a_person(outreach: Outreach, base: dict) -> Schedule:
    task = running.open_step_task(outreach)
    if task is not None:
        return Schedule(
            **base,
            waiting_for=limits.TASK,
            explanation=f"Step {outreach.next_step} is a to-do: “{task.title}”. The sequence "
            "goes on when it is done or skipped.",
        )
    message = (
        Message._base_manager.filter(outreach_id=outreach.pk, step=outreach.next_step)
        .only("status", "id")
        .first()
    )
    if message is not None and message.status == MessageStatus.UNCERTAIN:
        return Schedule(
            **base,
            waiting_for=limits.TASK,
            explanation=f"{message.public_id} may or may not have been sent (its worker "
            "stopped mid-send): mark it sent or send it again.",
        )
    return Schedule(
        **base,
        waiting_for=None,
        explanation=f"Step {outreach.next_step} is being sent.",
    )


# --- a mailbox's queue ----------------------------------------------------------------------


def queued_due_times(mailbox: Mailbox) -> list[datetime.datetime]:
    """When the steps queued on this mailbox are due, earliest first (paused ones left out)."""
    return list(
        Outreach._base_manager.filter(
            mailbox_id=mailbox.pk,
            next_step_at__isnull=False,
            current_state__in=(PipelineState.STARTING, PipelineState.WAITING),
        )
        .order_by("next_step_at")
        .values_list("next_step_at", flat=True)
    )


def mailbox_forecast(mailbox: Mailbox, now: datetime.datetime | None = None) -> dict:
    """How many messages wait on the mailbox, and when it will have sent them at its limits."""
    now = now or timezone.now()
    forecast = limits.forecast(mailbox, queued_due_times(mailbox), now)
    if not mailbox.active:
        explanation = f"The mailbox is paused: nothing is sent. {mailbox.paused_reason}".strip()
    elif not forecast.queued:
        explanation = "Nothing is queued."
    elif forecast.queued == 1:
        explanation = (
            f"1 message queued ({forecast.due_now} due now); it goes out "
            f"{_when(forecast.done_at, mailbox)}."
        )
    elif forecast.partial:
        explanation = (
            f"{forecast.queued} messages queued; the first {limits.FORECAST_HORIZON:,} go out "
            f"by {_when(forecast.last_at, mailbox)}, the rest later."
        )
    else:
        explanation = (
            f"{forecast.queued} messages queued ({forecast.due_now} due now); at "
            f"{mailbox.daily_limit} a day within {limits.Window.of(mailbox).describe()}, "
            f"the last goes out {_when(forecast.done_at, mailbox)}."
        )
    return {
        "mailbox_id": mailbox.public_id,
        "queued": forecast.queued,
        "due_now": forecast.due_now,
        "sent_last_24h": forecast.sent_last_24h,
        "daily_limit": mailbox.daily_limit,
        "active": mailbox.active,
        "next_send_at": forecast.next_send_at if mailbox.active else None,
        "done_at": forecast.done_at if mailbox.active else None,
        "by_day": [{"date": day, "count": count} for day, count in forecast.by_day],
        "explanation": explanation,
    }


# --- preview --------------------------------------------------------------------------------


def sequence_preview(sequence: Sequence, person: Person, mailbox: Mailbox | None) -> list[dict]:
    """Every step of the sequence as this person would receive it (email steps rendered;
    other channels named as the to-do they become)."""
    steps = list(sequence.steps.order_by("position"))
    sender_name = ""
    if mailbox is not None:
        sender_name = mailbox.from_name or mailbox.owner.get_full_name()
    context = composition.template_context(
        first_name=person.first_name,
        last_name=person.last_name,
        title=person.title,
        company=person.company.name if person.company_id else "",
        sender_name=sender_name,
    )
    previous_subject = ""
    day = 0
    rendered = []
    for number, step in enumerate(steps, start=1):
        day += step.delay_days
        subject, body = composition.render_step(step.subject_template, step.body_template, context)
        if step.channel == "email":
            if not subject and previous_subject:
                subject = composition.reply_subject(
                    "", composition.Thread(message_id="", subject=previous_subject)
                )
            previous_subject = subject or previous_subject
        rendered.append(
            {
                "position": step.position,
                "number": number,
                "channel": step.channel,
                "day": day,
                "subject": subject if step.channel == "email" else "",
                "body": body,
                "in_thread": step.channel == "email" and not step.subject_template.strip(),
            }
        )
    return rendered
