from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from core.models import workspace_field
from core.public_ids import PREFIXES, PublicIdMixin
from core.scoping import WorkspaceManager
from core.validation import validate_datetime_in_range, validate_http_url

from .choices import (
    BodyType,
    Channel,
    Context,
    DeliveryStatus,
    Direction,
    HistoryField,
    Outcome,
    OutreachType,
    PipelineState,
    SkipRepliers,
)
from .querysets import OutreachQuerySet

# Size limits of what people write: the API, the dashboard forms and the admin read these.
MAX_SEQUENCE_DESCRIPTION = 10_000
MAX_SEQUENCE_STEPS = 50
MAX_TEMPLATE = 20_000
MAX_BODY = 100_000
MAX_ERROR_DESCRIPTION = 10_000


def has_sequence(outreach: "Outreach") -> bool:
    return outreach.sequence_id is not None


has_sequence.failure = "it needs a sequence"


def is_approved(outreach: "Outreach") -> bool:
    return outreach.approved


is_approved.failure = "it must be approved (approved: true)"


class Tag(models.Model):
    """A label that groups outreaches; skip_repliers=tag_only compares outreaches by tag."""

    workspace = workspace_field()

    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="tag_name_unique_in_workspace"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Sequence(PublicIdMixin, models.Model):
    """A cadence of ordered steps that outreaches are run through."""

    PUBLIC_ID_PREFIX = PREFIXES["sequence"]

    workspace = workspace_field()

    name = models.CharField(max_length=200)
    description = models.TextField(max_length=MAX_SEQUENCE_DESCRIPTION, blank=True, default="")
    active = models.BooleanField(default=True)
    exclusive = models.BooleanField(
        default=True,
        help_text="A person runs at most one exclusive sequence at a time.",
    )
    stop_on_company_reply = models.BooleanField(
        default=False,
        help_text="A reply finishes the sequence for the person's colleagues at the same company.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="sequence_name_unique_in_workspace"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SequenceStep(models.Model):
    """One step of a sequence: which channel, how many days after the previous step, what to say."""

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    delay_days = models.PositiveSmallIntegerField(default=0)
    subject_template = models.CharField(max_length=300, blank=True, default="")
    body_template = models.TextField(max_length=MAX_TEMPLATE, blank=True, default="")

    class Meta:
        ordering = ["sequence", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "position"], name="step_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.sequence} #{self.position}"


class Outreach(PublicIdMixin, FSMModelMixin, models.Model):
    """One attempt to reach one person (and/or about one job) on one channel.

    Two state machines live here: the pipeline (`current_state`) and the delivery status
    (`delivery_status`, the MassProspecting-compatible `status`). Their transition methods below
    are the only statement of what may follow what; services run them and write the history.
    """

    PUBLIC_ID_PREFIX = PREFIXES["outreach"]

    # Indexed by the workspace-leading indexes of Meta.
    workspace = workspace_field(db_index=False)

    # These references are indexed by the (reference, -created_at, -id) indexes of Meta, which
    # also serve every lookup by the reference alone: no single-column index besides them
    # (each index is written again by every batch UPDATE of the table).
    person = models.ForeignKey(
        "contacts.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outreaches",
        db_index=False,
    )
    company = models.ForeignKey(
        "contacts.Company",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outreaches",
        db_index=False,
    )
    job = models.ForeignKey(
        "jobs.Job",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outreaches",
        db_index=False,
    )
    sequence = models.ForeignKey(
        Sequence,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outreaches",
        db_index=False,
    )
    tag = models.ForeignKey(
        Tag,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outreaches",
        db_index=False,
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    outreach_type = models.CharField(
        max_length=30, choices=OutreachType.choices, null=True, blank=True
    )
    current_state = FSMField(
        max_length=20, choices=PipelineState.choices, default=PipelineState.NEW, protected=True
    )
    delivery_status = FSMField(
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        protected=True,
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.NONE)
    context = models.CharField(max_length=20, choices=Context.choices, default=Context.OTHER)
    message_type = models.CharField(max_length=50, blank=True, default="")
    personalization_score = models.PositiveSmallIntegerField(
        default=70, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    approved = models.BooleanField(default=False)
    skip_repliers = models.CharField(
        max_length=10, choices=SkipRepliers.choices, default=SkipRepliers.NONE
    )
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.OUTGOING
    )
    subject = models.CharField(max_length=998, blank=True, default="")
    body = models.TextField(max_length=MAX_BODY, blank=True, default="")
    body_type = models.CharField(max_length=5, choices=BodyType.choices, default=BodyType.PLAIN)
    error_description = models.TextField(max_length=MAX_ERROR_DESCRIPTION, blank=True, default="")
    screenshot_url = models.URLField(
        max_length=2000, blank=True, default="", validators=[validate_http_url]
    )
    message_id = models.CharField(max_length=998, blank=True, default="")
    reply_to_message_id = models.CharField(max_length=998, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True, validators=[validate_datetime_in_range])
    done_time = models.DateTimeField(null=True, blank=True)
    # Not indexed: only deleting a user looks rows up by it, and every index is one more entry
    # for each row a batch moves to write.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Copies of the names the list sorts by (`sort=company|owner|sequence`), so that every sort
    # is an index scan of this table instead of a join sorted row by row. Written only by
    # outreach.sort_keys.
    sort_company = models.CharField(max_length=200, null=True, blank=True, editable=False)
    sort_owner = models.CharField(max_length=150, null=True, blank=True, editable=False)
    sort_sequence = models.CharField(max_length=200, null=True, blank=True, editable=False)
    # Where the running sequence stands (written by the sending engine, read-only in the API):
    # the mailbox it sends through, the position of the next step and when it is due. An empty
    # next_step_at with a next_step waits for something else: a step's task, or a person
    # deciding about an uncertain message.
    mailbox = models.ForeignKey(
        "sending.Mailbox",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outreaches",
        db_index=False,
    )
    next_step = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    next_step_at = models.DateTimeField(null=True, blank=True, editable=False)
    paused_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = WorkspaceManager.from_queryset(OutreachQuerySet)()

    class Meta:
        verbose_name_plural = "outreaches"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["workspace", "-created_at", "-id"], name="outreach_ws_created_idx"
            ),
            models.Index(fields=["workspace", "channel", "id"], name="outreach_ws_channel_idx"),
            models.Index(fields=["workspace", "current_state", "id"], name="outreach_ws_state_idx"),
            # Every UPDATE that is not HOT (any move of a state) writes each index again, so
            # these two leave out the rows no plan reads them for: the default delivery status
            # and outcome (most rows) are listed by scanning the created-at index, which finds
            # a page of them at once. What is left still serves the rarer values, and the stale
            # list (sent, still without an outcome: `sent_at < …` implies the second arm).
            models.Index(
                fields=["workspace", "delivery_status", "id"],
                name="outreach_ws_delivery_idx",
                condition=~Q(delivery_status=DeliveryStatus.PENDING),
            ),
            models.Index(
                fields=["workspace", "outcome", "sent_at"],
                name="outreach_ws_outcome_sent_idx",
                condition=~Q(outcome=Outcome.NONE) | Q(sent_at__isnull=False),
            ),
            # A person's, company's, sequence's, job's or tag's outreaches newest first (the
            # list's default order) straight from the index, however old or rare they are
            # (the workspace second: the scope's condition is met in the index too).
            # Often-empty references leave their empty rows out, which no lookup needs.
            models.Index(
                fields=["person", "workspace", "-created_at", "-id"],
                name="outreach_person_created_idx",
            ),
            models.Index(
                fields=["company", "workspace", "-created_at", "-id"],
                name="outreach_company_created_idx",
            ),
            models.Index(
                fields=["sequence", "workspace", "-created_at", "-id"],
                name="outreach_sequence_created_idx",
                condition=Q(sequence__isnull=False),
            ),
            models.Index(
                fields=["job", "workspace", "-created_at", "-id"],
                name="outreach_job_created_idx",
                condition=Q(job__isnull=False),
            ),
            models.Index(
                fields=["tag", "workspace", "-created_at", "-id"],
                name="outreach_tag_created_idx",
                condition=Q(tag__isnull=False),
            ),
            # Every list is one workspace's: its indexes lead with the workspace.
            # One per sort key, ascending; descending with nulls last needs its own index on
            # PostgreSQL, created by migrations 0003 and 0010 (SQLite cannot declare one, nor
            # needs it).
            models.Index(
                fields=["workspace", "sort_company", "id"], name="outreach_ws_sort_company_idx"
            ),
            models.Index(
                fields=["workspace", "sort_owner", "id"], name="outreach_ws_sort_owner_idx"
            ),
            models.Index(
                fields=["workspace", "sort_sequence", "id"], name="outreach_ws_sort_sequence_idx"
            ),
            # The engine's questions: which outreaches of a mailbox have a step due now (and
            # the forecast's queue), and which pauses end now. Only running rows have entries.
            models.Index(
                fields=["mailbox", "next_step_at"],
                name="outreach_mailbox_due_idx",
                condition=Q(next_step_at__isnull=False),
            ),
            models.Index(
                fields=["paused_until"],
                name="outreach_paused_until_idx",
                condition=Q(paused_until__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(personalization_score__gte=0) & Q(personalization_score__lte=100),
                name="outreach_personalization_0_100",
            )
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def title(self) -> str:
        """What the pages call this outreach: its person, else its channel and company (load
        `person` and `company` with it)."""
        if self.person_id is not None and (self.person.full_name or self.person.email):
            return self.person.full_name or self.person.email
        channel = self.get_channel_display() if self.channel else ""
        kind = f"{channel} outreach" if channel else "Outreach"
        return f"{kind} to {self.company.name}" if self.company_id else kind

    @property
    def owner_pk(self) -> int | None:
        """The owner is the company's owner (load `company` with the outreach)."""
        return self.company.owner_id if self.company_id else None

    # --- pipeline (current_state) -------------------------------------------------------------

    @transition(
        field=current_state,
        source=[PipelineState.NEW, PipelineState.NOT_AVAILABLE],
        target=PipelineState.ENRICHMENT,
    )
    def start_enrichment(self) -> None:
        """Queue the search for this outreach's address on its channel."""

    @transition(field=current_state, source=PipelineState.ENRICHMENT, target=PipelineState.READY)
    def complete_enrichment(self) -> None:
        """The channel's address was found and is valid."""

    @transition(
        field=current_state, source=PipelineState.ENRICHMENT, target=PipelineState.NOT_AVAILABLE
    )
    def fail_enrichment(self) -> None:
        """No valid address for the channel; the reason goes into the history."""

    @transition(
        field=current_state,
        source=PipelineState.READY,
        target=PipelineState.STARTING,
        conditions=[has_sequence, is_approved],
    )
    def start(self) -> None:
        """Begin the sequence; needs a sequence and approval."""

    @transition(field=current_state, source=PipelineState.STARTING, target=PipelineState.WAITING)
    def wait(self) -> None:
        """The first step was performed; wait for a reply or the next step."""

    @transition(
        field=current_state,
        source=[PipelineState.STARTING, PipelineState.WAITING],
        target=PipelineState.PAUSED,
    )
    def pause(self) -> None:
        """Hold the sequence (until a time, or until resumed)."""

    @transition(field=current_state, source=PipelineState.PAUSED, target=PipelineState.WAITING)
    def resume(self) -> None:
        """Go on with the sequence; a step that fell due meanwhile goes out now."""

    @transition(
        field=current_state,
        source=[PipelineState.STARTING, PipelineState.WAITING, PipelineState.PAUSED],
        target=PipelineState.FINISHED,
    )
    def finish(self) -> None:
        """The sequence is over: its last step went out, the person answered, or by hand."""

    # --- delivery (delivery_status, MassProspecting's `status`) ----------------------------------

    @transition(field=delivery_status, source=DeliveryStatus.PENDING, target=DeliveryStatus.RUNNING)
    def run(self) -> None:
        """Delivery begins."""

    @transition(
        field=delivery_status, source=DeliveryStatus.RUNNING, target=DeliveryStatus.PERFORMED
    )
    def perform(self) -> None:
        """The message went out."""

    @transition(field=delivery_status, source=DeliveryStatus.RUNNING, target=DeliveryStatus.FAILED)
    def fail(self) -> None:
        """Delivery failed; it may be retried."""

    @transition(
        field=delivery_status,
        source=[DeliveryStatus.PENDING, DeliveryStatus.RUNNING],
        target=DeliveryStatus.ABORTED,
    )
    def abort(self) -> None:
        """Delivery was stopped on purpose (skip_repliers, do-not-contact, by hand)."""

    @transition(
        field=delivery_status, source=DeliveryStatus.PENDING, target=DeliveryStatus.CANCELED
    )
    def cancel(self) -> None:
        """Delivery will never happen."""

    @transition(
        field=delivery_status,
        source=[DeliveryStatus.FAILED, DeliveryStatus.ABORTED],
        target=DeliveryStatus.PENDING,
    )
    def retry(self) -> None:
        """Put a failed or aborted delivery back in the queue."""


class OutreachTransition(models.Model):
    """One state change of one outreach: the audit trail, one row per transition."""

    # Indexed by (outreach, id) in Meta, which also serves lookups by outreach alone.
    outreach = models.ForeignKey(
        Outreach, on_delete=models.CASCADE, related_name="transitions", db_index=False
    )
    field = models.CharField(
        max_length=20, choices=HistoryField.choices, default=HistoryField.PIPELINE
    )
    transition = models.CharField(max_length=50)
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    # Not indexed, as Outreach.created_by: only deleting a user looks rows up by it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the system made the change.",
        db_index=False,
    )
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["outreach", "id"]
        indexes = [models.Index(fields=["outreach", "id"], name="transition_outreach_id_idx")]

    def __str__(self) -> str:
        return f"{self.outreach_id}: {self.from_state} → {self.to_state}"


class EnrichmentResult(models.TextChoices):
    """What enrichment did with one outreach of a batch."""

    PENDING = "pending", "Pending"
    READY = "ready", "Ready"
    NOT_AVAILABLE = "not_available", "Not available"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class EnrichmentBatch(PublicIdMixin, models.Model):
    """One request to enrich outreaches (a batch, or a single start) and its progress.

    The counts add up to `done`: `ready` and `not_available` are the provider's answers,
    `failed` means the provider raised (the outreach went to `not_available` with the error),
    `skipped` means the outreach left `enrichment` another way (by hand, or deleted) before the
    worker reached it. `updated_at` moves with every chunk; a batch that has not moved for
    ENRICHMENT_STALE_AFTER_MINUTES is queued again by the recovery sweep (`requeued` counts it).
    """

    PUBLIC_ID_PREFIX = PREFIXES["enrichment_batch"]

    workspace = workspace_field()

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the system started it (recovery of stuck outreaches).",
    )
    total = models.PositiveIntegerField(default=0)
    ready = models.PositiveIntegerField(default=0)
    not_available = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    requeued = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set on every chunk and requeue (through UPDATE, so written explicitly there).
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceManager()

    class Meta:
        verbose_name_plural = "enrichment batches"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["finished_at", "updated_at"], name="enrichment_batch_open_idx")
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def done(self) -> int:
        return self.ready + self.not_available + self.failed + self.skipped

    @property
    def percent(self) -> int:
        """How much is done, rounded down: 100 only once everything is."""
        return 100 if self.total == 0 else 100 * self.done // self.total

    @property
    def is_done(self) -> bool:
        return self.finished_at is not None or self.done >= self.total

    @property
    def status(self) -> str:
        if self.finished_at is not None:
            return "finished"
        return "running" if self.started_at is not None else "queued"


class EnrichmentBatchItem(models.Model):
    """One outreach of a batch. Moving it out of `pending` exactly once keeps the batch's
    counts exact when a chunk runs twice (a retry, a recovered crash)."""

    # Both references are served by the indexes of Meta: (batch, outreach) and (outreach, result).
    batch = models.ForeignKey(
        EnrichmentBatch, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    # No database constraint: deleting an outreach leaves its item, which then counts as skipped.
    outreach = models.ForeignKey(
        Outreach,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,
    )
    result = models.CharField(
        max_length=20, choices=EnrichmentResult.choices, default=EnrichmentResult.PENDING
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "outreach"], name="enrichment_item_unique")
        ]
        indexes = [models.Index(fields=["outreach", "result"], name="enrichment_item_outreach_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.outreach_id}: {self.result}"
