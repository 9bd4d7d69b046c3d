import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import workspace_field
from core.public_ids import PREFIXES, PublicIdMixin
from core.scoping import WorkspaceManager
from core.validation import validate_datetime_in_range

from .choices import FollowUpKind, FollowUpStatus

MAX_NOTE = 10_000


def start_of_today(now: datetime.datetime | None = None) -> datetime.datetime:
    """The midnight that began today in the site's time zone."""
    now = now or timezone.now()
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


class FollowUp(PublicIdMixin, models.Model):
    """A to-do: follow up on an outreach, or respond to a reply."""

    PUBLIC_ID_PREFIX = PREFIXES["followup"]

    workspace = workspace_field()

    outreach = models.ForeignKey(
        "outreach.Outreach",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
    )
    person = models.ForeignKey(
        "contacts.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followups",
    )
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.CASCADE, related_name="followups"
    )
    kind = models.CharField(
        max_length=10, choices=FollowUpKind.choices, default=FollowUpKind.FOLLOW_UP
    )
    title = models.CharField(max_length=300)
    attempt_no = models.PositiveSmallIntegerField(default=1)
    due_at = models.DateTimeField(validators=[validate_datetime_in_range])
    note = models.TextField(max_length=MAX_NOTE, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceManager()

    class Meta:
        verbose_name = "follow-up"
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="followup_status_due_idx"),
            models.Index(fields=["outreach", "status"], name="followup_outreach_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outreach__isnull=False)
                | Q(person__isnull=False)
                | Q(job__isnull=False),
                name="followup_has_subject",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        """Pending and due before today: the queue's "Overdue". One due earlier today (the
        "Respond" a reply creates is due the moment it is made) is due today, not overdue."""
        return self.status == FollowUpStatus.PENDING and self.due_at < start_of_today()

    @property
    def is_due_today(self) -> bool:
        start = start_of_today()
        return (
            self.status == FollowUpStatus.PENDING
            and start <= self.due_at < start + datetime.timedelta(days=1)
        )
