"""Writes of follow-ups."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from outreach_site.errors import InvalidInput

from .choices import FollowUpStatus
from .models import FollowUp


def _check_subject(values: dict[str, Any], instance: FollowUp | None = None) -> None:
    def current(name):
        return values[name] if name in values else getattr(instance, name, None)

    if not any(current(name) for name in ("outreach", "person", "job")):
        raise InvalidInput(
            "A follow-up needs an outreach_id, a person_id or a job_id.", field="outreach_id"
        )


def _default_title(values: dict[str, Any]) -> str:
    outreach, person, job = values.get("outreach"), values.get("person"), values.get("job")
    person = person or (outreach.person if outreach else None)
    if person:
        return f"Follow up with {person}"
    if job:
        return f"Follow up on {job}"
    return "Follow up"


@transaction.atomic
def followup_create(*, actor, **values: Any) -> FollowUp:
    """Create a follow-up about an outreach, a person and/or a job."""
    _check_subject(values)
    outreach = values.get("outreach")
    if outreach is not None:
        values.setdefault("person", outreach.person)
        values.setdefault("job", outreach.job)
    if not values.get("title"):
        values["title"] = _default_title(values)
    values.setdefault("due_at", timezone.now())
    return FollowUp.objects.create(**values)


@transaction.atomic
def followup_update(*, followup: FollowUp, actor, **changes: Any) -> FollowUp:
    """Change a follow-up; moving it out of `pending` stamps completed_at."""
    _check_subject(changes, followup)
    status = changes.get("status")
    if status and status != followup.status:
        changes["completed_at"] = None if status == FollowUpStatus.PENDING else timezone.now()
    for name, value in changes.items():
        setattr(followup, name, value)
    if changes:
        followup.save(update_fields=[*changes, "updated_at"])
    return followup


@transaction.atomic
def followup_delete(*, followup: FollowUp, actor) -> None:
    followup.delete()
