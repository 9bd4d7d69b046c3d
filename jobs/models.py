from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.models import workspace_field
from core.public_ids import PREFIXES, PublicIdMixin
from core.scoping import WorkspaceManager
from core.validation import validate_http_url

from .choices import JobStage


class Job(PublicIdMixin, models.Model):
    """A role being pursued at a company; its heat says how promising it is right now."""

    PUBLIC_ID_PREFIX = PREFIXES["job"]

    workspace = workspace_field()

    title = models.CharField(max_length=200)
    company = models.ForeignKey(
        "contacts.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    url = models.URLField(max_length=500, blank=True, default="", validators=[validate_http_url])
    stage = models.CharField(max_length=10, choices=JobStage.choices, default=JobStage.APPLIED)
    archived = models.BooleanField(default=False)
    heat_score = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    heat = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(3)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceManager()

    class Meta:
        ordering = ["-heat_score", "id"]
        indexes = [
            models.Index(fields=["-heat_score", "id"], name="job_heat_id_idx"),
            models.Index(fields=["stage"], name="job_stage_idx"),
        ]

    def __str__(self) -> str:
        return self.title
