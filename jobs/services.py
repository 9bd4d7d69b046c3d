"""Writes of jobs."""

from typing import Any

from django.db import transaction

from .models import Job


@transaction.atomic
def job_create(*, actor, **values: Any) -> Job:
    """Create a job."""
    return Job.objects.create(**values)


@transaction.atomic
def job_update(*, job: Job, actor, **changes: Any) -> Job:
    for name, value in changes.items():
        setattr(job, name, value)
    if changes:
        job.save(update_fields=[*changes, "updated_at"])
    return job


@transaction.atomic
def job_delete(*, job: Job, actor) -> None:
    """Delete a job. Refused (409) while outreaches name it."""
    job.delete()
