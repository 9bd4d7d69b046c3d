from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework import serializers

from contacts.models import Company, Person
from core.api.fields import (
    EnumField,
    HttpUrlField,
    PublicIdField,
    PublicIdListField,
    PublicIdRelatedField,
    RoundedPercentField,
    SlugRelatedField,
)
from core.api.lean import LeanSerializer
from core.public_ids import PREFIXES
from jobs.models import Job
from sending.models import Mailbox

from ..choices import (
    BodyType,
    Channel,
    Context,
    DeliveryStatus,
    Direction,
    Outcome,
    OutreachType,
    PipelineState,
    SkipRepliers,
)
from ..models import (
    MAX_BODY,
    MAX_ERROR_DESCRIPTION,
    MAX_SEQUENCE_STEPS,
    Outreach,
    OutreachTransition,
    Sequence,
    SequenceStep,
    Tag,
)


class OutreachSerializer(serializers.ModelSerializer):
    id = PublicIdField(PREFIXES["outreach"])
    person_id = PublicIdRelatedField(
        PREFIXES["person"],
        source="person",
        queryset=Person.objects.all(),
        required=False,
        allow_null=True,
    )
    company_id = PublicIdRelatedField(
        PREFIXES["company"],
        source="company",
        queryset=Company.objects.all(),
        required=False,
        allow_null=True,
    )
    job_id = PublicIdRelatedField(
        PREFIXES["job"],
        source="job",
        queryset=Job.objects.all(),
        required=False,
        allow_null=True,
    )
    sequence_id = PublicIdRelatedField(
        PREFIXES["sequence"],
        source="sequence",
        queryset=Sequence.objects.all(),
        required=False,
        allow_null=True,
    )
    mailbox_id = PublicIdRelatedField(
        PREFIXES["mailbox"],
        source="mailbox",
        queryset=Mailbox.objects.all(),
        required=False,
        allow_null=True,
        help_text="The mailbox its sequence sends through; at start it defaults to the owner's "
        "first active mailbox.",
    )
    next_step = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Position of the sequence's next step."
    )
    next_step_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the next step is due; empty while it waits for its to-do or a person.",
    )
    paused_until = serializers.DateTimeField(read_only=True, allow_null=True)
    owner_id = PublicIdField(PREFIXES["user"], source="owner_pk")
    tag = SlugRelatedField(
        slug_field="name",
        queryset=Tag.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": "No tag named {value}; create it first."},
    )
    channel = EnumField(Channel.choices, required=False)
    outreach_type = EnumField(OutreachType.choices, required=False, allow_null=True)
    current_state = EnumField(PipelineState.choices, read_only=True)
    delivery_status = EnumField(
        DeliveryStatus.choices,
        required=False,
        help_text="MassProspecting's `status`. On create: reached from `pending` along the "
        "delivery graph. On update: the current value is a no-op, the next state runs its "
        "transition, anything else is 409.",
    )
    outcome = EnumField(Outcome.choices, required=False)
    context = EnumField(Context.choices, required=False)
    skip_repliers = EnumField(SkipRepliers.choices, required=False)
    direction = EnumField(Direction.choices, required=False)
    body_type = EnumField(BodyType.choices, required=False)
    personalization_score = RoundedPercentField(required=False)
    screenshot_url = HttpUrlField(required=False, allow_blank=True, max_length=2000)
    body = serializers.CharField(required=False, allow_blank=True, max_length=MAX_BODY)
    error_description = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_ERROR_DESCRIPTION
    )

    create_follow_up = serializers.BooleanField(
        write_only=True,
        required=False,
        help_text="When the outreach is (or becomes) sent, schedule follow-up attempt 1. "
        "Default true.",
    )
    follow_up_note = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=5_000,
        help_text="Note for the scheduled follow-up.",
    )

    class Meta:
        model = Outreach
        fields = [
            "id",
            "person_id",
            "company_id",
            "job_id",
            "sequence_id",
            "mailbox_id",
            "next_step",
            "next_step_at",
            "paused_until",
            "owner_id",
            "channel",
            "outreach_type",
            "current_state",
            "delivery_status",
            "outcome",
            "context",
            "message_type",
            "personalization_score",
            "approved",
            "skip_repliers",
            "direction",
            "tag",
            "subject",
            "body",
            "body_type",
            "error_description",
            "screenshot_url",
            "message_id",
            "reply_to_message_id",
            "sent_at",
            "done_time",
            "created_at",
            "updated_at",
            "create_follow_up",
            "follow_up_note",
        ]
        read_only_fields = ["done_time", "created_at", "updated_at"]

    def validate(self, attrs):
        # The model's default channel would make an empty body an outreach of nothing.
        if self.instance is None and not attrs.get("channel") and not attrs.get("outreach_type"):
            raise serializers.ValidationError(
                {"channel": ["An outreach needs a channel or an outreach_type."]}, code="required"
            )
        return attrs


class TransitionSerializer(serializers.ModelSerializer):
    actor_id = PublicIdField(PREFIXES["user"], source="actor_id")
    actor = serializers.SerializerMethodField()
    from_state = serializers.CharField(read_only=True)
    to_state = serializers.CharField(read_only=True)

    class Meta:
        model = OutreachTransition
        fields = [
            "id",
            "field",
            "transition",
            "from_state",
            "to_state",
            "actor_id",
            "actor",
            "metadata",
            "created_at",
        ]

    def get_actor(self, obj) -> str:
        return obj.actor.get_username() if obj.actor_id else "system"


class TransitionRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="Why; stored in the history row's metadata.",
    )
    until = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="pause only: the sequence goes on by itself at this moment.",
    )


class BatchIdsSerializer(serializers.Serializer):
    outreach_ids = PublicIdListField(
        PREFIXES["outreach"],
        help_text=(
            "Array, repeated form field, or comma-separated string; "
            f"at most {settings.MAX_BATCH_IDS:,}."
        ),
    )
    dry_run = serializers.BooleanField(
        default=False,
        help_text="Answer what the batch would do (counts, not_found, skipped with reasons) "
        "without writing anything. Also accepted as the query parameter `dry_run=true`.",
    )


class DryRunQuerySerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(
        default=False, help_text="true: answer what the batch would do, writing nothing."
    )


class BatchAssignSerializer(BatchIdsSerializer):
    sequence_id = PublicIdRelatedField(
        PREFIXES["sequence"], source="sequence", queryset=Sequence.objects.all()
    )


class SkippedSerializer(serializers.Serializer):
    id = serializers.CharField()
    reason = serializers.CharField()


class BatchStartSerializer(BatchIdsSerializer):
    mailbox_id = PublicIdRelatedField(
        PREFIXES["mailbox"],
        source="mailbox",
        queryset=Mailbox.objects.all(),
        required=False,
        allow_null=True,
        help_text="Send all of them through this mailbox (default: each owner's first active "
        "mailbox, or the one already set).",
    )


class BatchStartResponseSerializer(serializers.Serializer):
    success_count = serializers.IntegerField()
    skipped = SkippedSerializer(many=True)
    dry_run = serializers.BooleanField(
        required=False, help_text="Present (true) when nothing was written."
    )


class ScheduleSerializer(serializers.Serializer):
    next_step = serializers.IntegerField(allow_null=True)
    next_step_at = serializers.DateTimeField(allow_null=True)
    waiting_for = serializers.ChoiceField(
        choices=[
            "sending_window",
            "daily_limit",
            "min_interval",
            "task",
            "paused",
            "mailbox_inactive",
        ],
        allow_null=True,
        help_text="null when nothing holds the next step back but its own time.",
    )
    explanation = serializers.CharField()
    expected_at = serializers.DateTimeField(
        allow_null=True, help_text="When it will go out, as far as the limits tell now."
    )


class PreviewQuerySerializer(serializers.Serializer):
    person_id = PublicIdRelatedField(
        PREFIXES["person"], source="person", queryset=Person.objects.select_related("company")
    )
    mailbox_id = PublicIdRelatedField(
        PREFIXES["mailbox"],
        source="mailbox",
        queryset=Mailbox.objects.select_related("owner"),
        required=False,
        help_text="Whose name fills {{ sender_name }} (default: your first mailbox).",
    )


class PreviewStepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    number = serializers.IntegerField()
    channel = serializers.CharField()
    day = serializers.IntegerField(help_text="Days after the start.")
    subject = serializers.CharField(allow_blank=True)
    body = serializers.CharField(allow_blank=True)
    in_thread = serializers.BooleanField(help_text="Sent as an answer in the previous thread.")


class BatchAssignResponseSerializer(serializers.Serializer):
    updated_count = serializers.IntegerField()
    sequence_name = serializers.CharField()
    not_found = serializers.ListField(child=serializers.CharField())
    dry_run = serializers.BooleanField(
        required=False, help_text="Present (true) when nothing was written."
    )


class DeleteResponseSerializer(serializers.Serializer):
    deleted_id = serializers.CharField()
    job_id = serializers.CharField(allow_null=True)
    person_id = serializers.CharField(allow_null=True)


class SequenceStepSerializer(serializers.ModelSerializer):
    channel = EnumField(Channel.choices, required=False)

    class Meta:
        model = SequenceStep
        fields = ["position", "channel", "delay_days", "subject_template", "body_template"]
        read_only_fields = ["position"]


class SequenceSerializer(serializers.ModelSerializer):
    id = PublicIdField(PREFIXES["sequence"])
    steps = SequenceStepSerializer(
        many=True,
        required=False,
        max_length=MAX_SEQUENCE_STEPS,
        help_text=f"The ordered steps, at most {MAX_SEQUENCE_STEPS}.",
    )

    class Meta:
        model = Sequence
        fields = [
            "id",
            "name",
            "description",
            "active",
            "exclusive",
            "stop_on_company_reply",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["name", "created_at"]
        read_only_fields = ["created_at"]


class StaleQuerySerializer(serializers.Serializer):
    hours = serializers.IntegerField(
        required=False,
        default=settings.STALE_AFTER_HOURS,
        min_value=1,
        max_value=24 * 365,
        help_text=f"Sent more than this many hours ago (default {settings.STALE_AFTER_HOURS}).",
    )


# The list and the detail serialise through the lean path (core.api.lean): values() rows turned
# into exactly what OutreachSerializer gives. `owner_pk` and `pk` are read from these columns.
OUTREACH_LEAN = LeanSerializer(
    OutreachSerializer, Outreach, source_columns={"pk": "id", "owner_pk": "company__owner_id"}
)


def outreach_list_columns() -> tuple[str, ...] | None:
    """The values() columns the lean path reads, or None when it cannot serve the list."""
    return OUTREACH_LEAN.columns()


def outreach_list_values() -> QuerySet | None:
    """`Outreach.objects.values(*outreach_list_columns())` (a fresh copy each call), or None
    when the lean path cannot serve the list."""
    return OUTREACH_LEAN.values()


def outreach_list_items(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """What OutreachSerializer(many=True) gives for these values() rows."""
    return OUTREACH_LEAN.items(rows)
