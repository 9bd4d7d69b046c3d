from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import workspace_field
from core.public_ids import PREFIXES, PublicIdMixin
from core.scoping import WorkspaceManager

from .choices import MAX_ADDRESS, MAX_HEADER, MAX_SUBJECT, BounceKind, Classification


class InboundMessage(PublicIdMixin, models.Model):
    """One message that came back in (read from a mailbox over IMAP, or posted to
    `/api/inbound`), kept whatever it is: never dropped.

    `classification` says what it is (replies/classify.py), `outreach` and `person` what it was
    matched to. `effects_applied` lists the classifications whose effects already ran for it, so
    a message classified again after a rule change acts once for each, never twice.
    """

    PUBLIC_ID_PREFIX = PREFIXES["inbound_message"]

    # Indexed by the workspace-leading indexes of Meta.
    workspace = workspace_field(db_index=False)
    mailbox = models.ForeignKey(
        "sending.Mailbox",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    from_address = models.CharField(max_length=MAX_ADDRESS, blank=True, default="")
    from_name = models.CharField(max_length=200, blank=True, default="")
    to = models.CharField(max_length=MAX_HEADER, blank=True, default="")
    subject = models.CharField(max_length=MAX_SUBJECT, blank=True, default="")
    date = models.DateTimeField(null=True, blank=True, help_text="The message's Date header.")
    message_id = models.CharField(max_length=MAX_SUBJECT, blank=True, default="")
    in_reply_to = models.CharField(max_length=MAX_SUBJECT, blank=True, default="")
    references = models.TextField(blank=True, default="")
    text = models.TextField(blank=True, default="", help_text="The text without quoted history.")
    raw = models.BinaryField(blank=True, default=b"")
    # The Message-ID (else a digest of the bytes): the same message read twice is kept once.
    fingerprint = models.CharField(max_length=MAX_SUBJECT, editable=False)

    classification = models.CharField(
        max_length=12, choices=Classification.choices, default=Classification.UNMATCHED
    )
    bounce_kind = models.CharField(max_length=4, choices=BounceKind.choices, blank=True, default="")
    bounce_status = models.CharField(
        max_length=20, blank=True, default="", help_text="The enhanced status code, e.g. 5.1.1."
    )
    bounced_recipient = models.CharField(max_length=MAX_ADDRESS, blank=True, default="")
    returns_at = models.DateTimeField(
        null=True, blank=True, help_text="An automatic answer's return date, when it names one."
    )

    outreach = models.ForeignKey(
        "outreach.Outreach",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    person = models.ForeignKey(
        "contacts.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    effects_applied = models.JSONField(default=list, blank=True, editable=False)
    effects_note = models.TextField(
        blank=True, default="", help_text="What receiving it changed, in words."
    )
    received_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceManager()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "-received_at", "-id"], name="inbound_ws_received"),
            models.Index(
                fields=["workspace", "classification", "-received_at", "-id"],
                name="inbound_ws_class_received",
            ),
            models.Index(
                fields=["outreach", "received_at"],
                name="inbound_outreach_received",
                condition=Q(outreach__isnull=False),
            ),
            models.Index(
                fields=["person", "received_at"],
                name="inbound_person_received",
                condition=Q(person__isnull=False),
            ),
            models.Index(
                fields=["mailbox", "received_at"],
                name="inbound_mailbox_received",
                condition=Q(mailbox__isnull=False),
            ),
        ]
        constraints = [
            # Read twice from one mailbox (a UIDVALIDITY change reads it all again), posted
            # twice: kept once.
            models.UniqueConstraint(
                fields=["mailbox", "fingerprint"],
                name="inbound_once_per_mailbox",
                condition=Q(mailbox__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["workspace", "fingerprint"],
                name="inbound_once_without_mailbox",
                condition=Q(mailbox__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.classification}"


class MailboxPoll(models.Model):
    """Where IMAP polling of one mailbox stands: the folder's UIDVALIDITY and the last UID
    read, and the last error.

    A refused login stops polling the mailbox (`stopped`) until its IMAP settings change:
    `settings_digest` is a digest of the settings the login was refused with.
    """

    mailbox = models.OneToOneField(
        "sending.Mailbox", on_delete=models.CASCADE, related_name="imap_poll"
    )
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_read_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    error_at = models.DateTimeField(null=True, blank=True)
    stopped = models.BooleanField(
        default=False, help_text="The server refused the login: not polled until it changes."
    )
    settings_digest = models.CharField(max_length=64, blank=True, default="")
    # A worker polling the mailbox holds it until then (another worker skips it meanwhile).
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "mailbox poll"

    def __str__(self) -> str:
        return f"poll of mailbox {self.mailbox_id}"
