"""Writes of jobs, and the upkeep of their heat."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from core.hooks import Provider
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require
from workspaces.selectors import workspace_for_create

from .heat import HeatExplanation, explain_heat
from .models import Job

# Heat weighs a job's latest outreach, which the outreach app reads for us (`job_id=` → a
# LatestTouch or None); registered in OutreachConfig.ready.
latest_touch = Provider("the latest outreach of a job, as its heat weighs it")


def job_explain_heat(job: Job) -> HeatExplanation:
    return explain_heat(
        stage=job.stage,
        archived=job.archived,
        latest=latest_touch(job_id=job.pk),
        now=timezone.now(),
    )


def job_recompute_heat(job_id: int | None) -> None:
    """Store the job's current heat; called in the transaction of every change that moves it."""
    if job_id is None:
        return
    job = Job.objects.filter(pk=job_id).only("pk", "stage", "archived").first()
    if job is None:
        return
    explanation = job_explain_heat(job)
    Job.objects.filter(pk=job_id).update(heat_score=explanation.heat_score, heat=explanation.heat)


@transaction.atomic
def job_create(*, actor, workspace=None, **values: Any) -> Job:
    """Create a job with its heat computed."""
    require(actor, Permission.WRITE, "create jobs")
    job = Job.objects.create(workspace_id=workspace_for_create(actor, workspace), **values)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=job, changes=audit.created(values))
    job_recompute_heat(job.pk)
    job.refresh_from_db(fields=["heat_score", "heat"])
    return job


@transaction.atomic
def job_update(*, job: Job, actor, **changes: Any) -> Job:
    """Change a job; its heat follows its stage and archived flag."""
    require(actor, Permission.WRITE, "edit jobs")
    audit.record_update(actor, job, audit.snapshot(job, changes), changes)
    for name, value in changes.items():
        setattr(job, name, value)
    if changes:
        job.save(update_fields=[*changes, "updated_at"])
    job_recompute_heat(job.pk)
    job.refresh_from_db(fields=["heat_score", "heat"])
    return job


@transaction.atomic
def job_delete(*, job: Job, actor) -> None:
    """Delete a job. Refused (409) while outreaches name it."""
    require(actor, Permission.WRITE, "delete jobs")
    audit.record_delete(actor, job)
    job.delete()
