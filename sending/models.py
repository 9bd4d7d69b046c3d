from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.models import workspace_field
from core.public_ids import PREFIXES, PublicIdMixin
from core.scoping import WorkspaceManager

from . import choices
from .choices import MailboxKind, MessageStatus, Security

PORT_VALIDATORS = [MinValueValidator(1), MaxValueValidator(65535)]


class Mailbox(PublicIdMixin, models.Model):
    """A user's mailbox that sequences send through (SMTP), and read replies from (IMAP).

    A `local` mailbox builds and stores every message exactly as it would be sent, and sends
    nothing. Passwords are stored encrypted (core.crypto) and never read back through the app.
    """

    PUBLIC_ID_PREFIX = PREFIXES["mailbox"]

    workspace = workspace_field()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mailboxes"
    )
    name = models.CharField(max_length=100)
    from_name = models.CharField(max_length=100, blank=True, default="")
    from_email = models.EmailField(max_length=254)
    kind = models.CharField(max_length=10, choices=MailboxKind.choices, default=MailboxKind.LOCAL)

    smtp_host = models.CharField(max_length=255, blank=True, default="")
    smtp_port = models.PositiveIntegerField(
        default=choices.DEFAULT_SMTP_PORT, validators=PORT_VALIDATORS
    )
    smtp_security = models.CharField(
        max_length=10, choices=Security.choices, default=Security.STARTTLS
    )
    smtp_username = models.CharField(max_length=255, blank=True, default="")
    smtp_password_encrypted = models.TextField(blank=True, default="")

    imap_host = models.CharField(max_length=255, blank=True, default="")
    imap_port = models.PositiveIntegerField(
        default=choices.DEFAULT_IMAP_PORT, validators=PORT_VALIDATORS
    )
    imap_security = models.CharField(max_length=10, choices=Security.choices, default=Security.SSL)
    imap_username = models.CharField(max_length=255, blank=True, default="")
    imap_password_encrypted = models.TextField(blank=True, default="")
    imap_folder = models.CharField(max_length=255, default=choices.DEFAULT_IMAP_FOLDER)

    daily_limit = models.PositiveIntegerField(
        default=choices.DEFAULT_DAILY_LIMIT,
        validators=[MinValueValidator(1), MaxValueValidator(choices.MAX_DAILY_LIMIT)],
        help_text="At most this many messages in any 24 hours.",
    )
    min_interval_seconds = models.PositiveIntegerField(
        default=choices.DEFAULT_MIN_INTERVAL_SECONDS,
        validators=[MaxValueValidator(choices.MAX_MIN_INTERVAL_SECONDS)],
        help_text="Never two messages closer than this.",
    )
    window_days = models.JSONField(default=choices.default_window_days)
    window_start = models.TimeField(default=choices.DEFAULT_WINDOW_START)
    window_end = models.TimeField(default=choices.DEFAULT_WINDOW_END)
    time_zone = models.CharField(max_length=64, default=choices.DEFAULT_TIME_ZONE)
    signature = models.TextField(max_length=choices.MAX_SIGNATURE, blank=True, default="")
    active = models.BooleanField(default=True)
    # Why the engine paused the mailbox (active false), e.g. the server refused the login;
    # cleared when someone makes it active again.
    paused_reason = models.CharField(max_length=1000, blank=True, default="")
    # The engine's note to itself: the mailbox may not send before this (its window, its daily
    # limit or its minimum interval). Empty: ask again.
    next_send_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceManager()

    class Meta:
        verbose_name_plural = "mailboxes"
        indexes = [
            models.Index(fields=["workspace", "owner", "active"], name="mailbox_owner_active"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def domain(self) -> str:
        """The domain of the sender address (Message-IDs are made on it)."""
        return self.from_email.rpartition("@")[2].lower()

    @property
    def smtp_password_set(self) -> bool:
        return bool(self.smtp_password_encrypted)

    @property
    def imap_password_set(self) -> bool:
        return bool(self.imap_password_encrypted)


class Message(PublicIdMixin, models.Model):
    """One email of an outreach's sequence step (or a mailbox's test message), with the exact
    bytes handed to the server.

    `step` is the step's position in the sequence: steps are replaced as a whole when a
    sequence is edited, and a sent message must keep naming its step. At most one message per
    outreach and step exists (the constraint), so a step is never sent twice.
    """

    PUBLIC_ID_PREFIX = PREFIXES["message"]

    workspace = workspace_field(db_index=False)
    outreach = models.ForeignKey(
        "outreach.Outreach",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="None for a mailbox's test message.",
    )
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=998, blank=True, default="")
    body = models.TextField(blank=True, default="")
    message_id = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.SCHEDULED
    )
    server_answer = models.CharField(
        max_length=1000, blank=True, default="", help_text="What the server said, or why not."
    )
    raw = models.BinaryField(blank=True, default=b"")
    # When it was handed to the server (set when the send begins, so that a message being
    # sent already counts against the mailbox's daily limit).
    sent_at = models.DateTimeField(null=True, blank=True)
    # Sends tried: a temporary refusal (SMTP 4xx, server unreachable) is tried again later.
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["outreach", "step"], name="message_outreach_step_once")
        ]
        indexes = [
            models.Index(fields=["mailbox", "sent_at"], name="message_mailbox_sent"),
            models.Index(fields=["workspace", "message_id"], name="message_header_id"),
            # The messages a person must decide about, and those a stopped worker left behind.
            models.Index(
                fields=["status", "updated_at"],
                name="message_unsettled",
                condition=models.Q(status__in=[MessageStatus.SENDING, MessageStatus.UNCERTAIN]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status}"


class DkimKey(models.Model):
    """The workspace's DKIM key: messages from mailboxes on `domain` are signed with it.

    The private key (PEM) is stored encrypted; the public half goes in DNS at
    `<selector>._domainkey.<domain>`.
    """

    workspace = models.OneToOneField(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="+", editable=False
    )
    domain = models.CharField(max_length=255)
    selector = models.CharField(max_length=63)
    private_key_encrypted = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceManager()

    class Meta:
        verbose_name = "DKIM key"

    def __str__(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"
