from django.conf import settings
from django.db import models
from django.utils import timezone

from core.public_ids import PREFIXES, PublicIdMixin

from .choices import AuditAction, Role


class Workspace(PublicIdMixin, models.Model):
    """One team's desk: everything it holds is invisible to every other workspace."""

    PUBLIC_ID_PREFIX = PREFIXES["workspace"]

    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in a workspace: at most one, with one role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.REP)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "role"], name="membership_ws_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} of {self.workspace}"


class Invite(models.Model):
    """A one-time link that makes whoever opens it (and picks a username) a member."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.REP)
    # Only a hash is kept: the link itself is shown once, to the admin who made it.
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"invite to {self.workspace} as {self.role}"

    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class AuditEntry(models.Model):
    """Who changed what, when and from where. Kept after the object is gone (no foreign key
    to it) and never changed by the app."""

    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The actor's username when the entry was written ("system" for background work), so the
    # entry still reads right after the user is deleted.
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=40, blank=True, default="")
    object_id = models.CharField(max_length=200, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="audit_ws_time_idx"),
            models.Index(fields=["workspace", "object_id"], name="audit_ws_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.object_id}".strip()
