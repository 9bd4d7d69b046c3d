"""Writes of follow-ups, and the automation that schedules them (its tasks).

Attempt 1 is scheduled when an outreach is sent; marking it done schedules attempt 2; attempt 2
is the last. A resolved outcome cancels what is still pending; a reply adds a `respond` to-do.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator

from core.errors import InvalidInput
from core.hooks import Hook
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require
from workspaces.selectors import workspace_for_create

from .choices import LAST_ATTEMPT, FollowUpKind, FollowUpStatus
from .models import FollowUp


def _check_subject(values: dict[str, Any], instance: FollowUp | None = None) -> None:
    def current(name):
        return values[name] if name in values else getattr(instance, name, None)

    if not any(current(name) for name in ("outreach", "person", "job")):
        raise InvalidInput(
            "A follow-up needs an outreach_id, a person_id or a job_id.", field="outreach_id"
        )


def _fit(title: str) -> str:
    """Derived titles are shortened to fit the column (long names are allowed)."""
    return Truncator(title).chars(FollowUp._meta.get_field("title").max_length)


def follow_up_title(*, person=None, company=None, job=None) -> str:
    """ "Follow up with {person} @ {company}", or the parts that exist (shortened to fit)."""
    return _fit(_follow_up_title(person=person, company=company, job=job))


def _follow_up_title(*, person=None, company=None, job=None) -> str:
    who = str(person) if person else ""
    where = str(company) if company else (str(job.company) if job and job.company_id else "")
    if who and where:
        return f"Follow up with {who} @ {where}"
    if who:
        return f"Follow up with {who}"
    if where:
        return f"Follow up @ {where}"
    return f"Follow up on {job}" if job else "Follow up"


def respond_title(who) -> str:
    """ "Respond to {who}" for the to-do a reply creates."""
    return _fit(f"Respond to {who}") if who else "Respond to the reply"


def due_after(moment: datetime) -> datetime:
    """When the next attempt after `moment` is due (the last representable moment at most: a
    sent_at at the end of year 9999 is taken, not a 500)."""
    try:
        return moment + follow_up_delay()
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


def follow_up_delay() -> timedelta:
    """How long after sending (or after the previous attempt) the next attempt is due."""
    return timedelta(days=settings.FOLLOW_UP_DELAY_DAYS)


@transaction.atomic
def followup_create(*, actor, workspace=None, **values: Any) -> FollowUp:
    """Create a follow-up about an outreach, a person and/or a job."""
    require(actor, Permission.WRITE, "create follow-ups")
    _check_subject(values)
    outreach = values.get("outreach")
    if outreach is not None:
        values.setdefault("person", outreach.person)
        values.setdefault("job", outreach.job)
    if not values.get("title"):
        values["title"] = follow_up_title(
            person=values.get("person"),
            company=outreach.company if outreach else None,
            job=values.get("job"),
        )
    values.setdefault("due_at", timezone.now())
    followup = FollowUp.objects.create(
        workspace_id=workspace_for_create(actor, workspace), **values
    )
    audit.record(
        actor=actor, action=AuditAction.CREATE, obj=followup, changes=audit.created(values)
    )
    return followup


def followup_schedule_first_attempt(*, outreach, sent_at: datetime, note: str = "") -> FollowUp:
    """Attempt 1 of following up on a sent outreach, due `sent_at` + the follow-up delay."""
    return _follow_up_attempt(outreach, attempt_no=1, due_at=due_after(sent_at), note=note)


def _follow_up_attempt(outreach, *, attempt_no: int, due_at: datetime, note: str = "") -> FollowUp:
    """One attempt of following up on an outreach, titled after whom it reaches."""
    return FollowUp.objects.create(
        workspace_id=outreach.workspace_id,
        outreach=outreach,
        person=outreach.person,
        job=outreach.job,
        kind=FollowUpKind.FOLLOW_UP,
        title=follow_up_title(person=outreach.person, company=outreach.company, job=outreach.job),
        attempt_no=attempt_no,
        due_at=due_at,
        note=note,
    )


def followup_create_respond(*, outreach) -> FollowUp:
    """A reply came in: answer it now."""
    who = outreach.person or outreach.company or outreach.job
    return FollowUp.objects.create(
        workspace_id=outreach.workspace_id,
        outreach=outreach,
        person=outreach.person,
        job=outreach.job,
        kind=FollowUpKind.RESPOND,
        title=respond_title(who),
        attempt_no=1,
        due_at=timezone.now(),
    )


def followup_schedule_next_attempt(*, outreach) -> tuple[FollowUp | None, bool]:
    """No response yet: make sure the next attempt of following up is scheduled.

    An attempt still pending is that next attempt (it keeps its due date); otherwise the attempt
    after the last one is scheduled, due after the follow-up delay, unless the last attempt
    (LAST_ATTEMPT) is behind. Answers the pending attempt (None when none is left) and whether
    it was scheduled now.
    """
    attempts = list(
        FollowUp.objects.filter(outreach_id=outreach.pk, kind=FollowUpKind.FOLLOW_UP)
        .exclude(status=FollowUpStatus.CANCELED)
        .order_by("-attempt_no", "-id")
        .only("id", "attempt_no", "status", "due_at", "title")
    )
    pending = next((f for f in attempts if f.status == FollowUpStatus.PENDING), None)
    if pending is not None:
        return pending, False
    last = attempts[0].attempt_no if attempts else 0
    if last >= LAST_ATTEMPT:
        return None, False
    followup = _follow_up_attempt(outreach, attempt_no=last + 1, due_at=due_after(timezone.now()))
    return followup, True


def followups_cancel_open(*, outreach_ids: list[int]) -> int:
    """Cancel the pending follow-ups of these outreaches in one UPDATE."""
    now = timezone.now()
    return FollowUp.objects.filter(
        outreach_id__in=outreach_ids, status=FollowUpStatus.PENDING
    ).update(status=FollowUpStatus.CANCELED, completed_at=now, updated_at=now)


def followup_create_step(*, outreach, title: str, due_at: datetime) -> FollowUp:
    """A sequence step on a channel the engine cannot send: a to-do for a person, due when the
    step is; the sequence goes on when it is done or skipped (`step_settled`)."""
    return FollowUp.objects.create(
        workspace_id=outreach.workspace_id,
        outreach=outreach,
        person=outreach.person,
        job=outreach.job,
        kind=FollowUpKind.STEP,
        title=_fit(title),
        attempt_no=1,
        due_at=due_at,
    )


# A sequence step's to-do was done or skipped (the sending engine goes on with the sequence),
# called in the change's transaction.
step_settled = Hook("a step follow-up was done or skipped: followup")


@transaction.atomic
def followup_update(*, followup: FollowUp, actor, **changes: Any) -> FollowUp:
    """Change a follow-up. Leaving `pending` stamps completed_at; marking an attempt before the
    last one done schedules the next attempt."""
    require(actor, Permission.WRITE, "edit follow-ups")
    _check_subject(changes, followup)
    audit.record_update(actor, followup, audit.snapshot(followup, changes), changes)
    status = changes.get("status")
    previous = followup.status
    if status and status != previous:
        changes["completed_at"] = None if status == FollowUpStatus.PENDING else timezone.now()
    for name, value in changes.items():
        setattr(followup, name, value)
    if changes:
        followup.save(update_fields=[*changes, "updated_at"])
    if (
        status == FollowUpStatus.DONE
        and previous == FollowUpStatus.PENDING
        and followup.kind == FollowUpKind.FOLLOW_UP
        and followup.attempt_no < LAST_ATTEMPT
    ):
        FollowUp.objects.create(
            workspace_id=followup.workspace_id,
            outreach=followup.outreach,
            person=followup.person,
            job=followup.job,
            kind=FollowUpKind.FOLLOW_UP,
            title=followup.title,
            attempt_no=followup.attempt_no + 1,
            due_at=due_after(followup.completed_at),
            note=followup.note,
        )
    if (
        followup.kind == FollowUpKind.STEP
        and previous == FollowUpStatus.PENDING
        and status in (FollowUpStatus.DONE, FollowUpStatus.SKIPPED)
    ):
        step_settled(followup=followup)
    return followup


@transaction.atomic
def followup_delete(*, followup: FollowUp, actor) -> None:
    require(actor, Permission.WRITE, "delete follow-ups")
    audit.record_delete(actor, followup)
    followup.delete()
