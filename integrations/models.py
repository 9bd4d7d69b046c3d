from django.conf import settings
from django.db import models

from core.models import workspace_field
from core.public_ids import PublicIdMixin
from core.scoping import WorkspaceManager


class IdempotencyKey(models.Model):
    """The first answer to a write sent with `Idempotency-Key`, kept for a day per user and key.

    A row without `status_code` is a request still running.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path, query and body: the same key for another request is a 422.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True, default="")
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class Webhook(PublicIdMixin, models.Model):
    """An endpoint that receives signed events of its workspace (Standard Webhooks).

    The secret is stored encrypted (integrations.webhooks.secrets); during a rotation the
    previous one keeps signing too until `previous_secret_expires_at`.
    """

    PUBLIC_ID_PREFIX = "whk"

    workspace = workspace_field()
    url = models.CharField(max_length=2000)
    events = models.JSONField(default=list, help_text="The event types it receives.")
    active = models.BooleanField(default=True)
    note = models.CharField(
        max_length=300, blank=True, default="", help_text="Why it was deactivated."
    )
    secret_encrypted = models.TextField()
    previous_secret_encrypted = models.TextField(blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # When its deliveries started failing without a success since (None: not failing).
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceManager()

    class Meta:
        indexes = [models.Index(fields=["workspace", "active"], name="webhook_workspace_active")]

    def __str__(self) -> str:
        return self.url


class WebhookEvent(PublicIdMixin, models.Model):
    """One change that committed (the outbox): written in the change's transaction."""

    PUBLIC_ID_PREFIX = "evt"

    workspace = workspace_field(db_index=False)
    type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True, default="")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    objects = WorkspaceManager()

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class WebhookDelivery(PublicIdMixin, models.Model):
    """One event for one endpoint, with the outcome of its last attempt.

    `object_id` repeats the event's so the worker can keep one object's deliveries in order
    (an earlier pending one holds the later back); `leased_until` lets another worker take over
    a delivery whose worker died mid-send.
    """

    PUBLIC_ID_PREFIX = "dlv"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    object_id = models.CharField(max_length=40, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, default="")
    error = models.CharField(max_length=300, blank=True, default="")
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["webhook", "object_id", "status"], name="delivery_object_order"),
            models.Index(fields=["webhook", "-id"], name="delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status}"
