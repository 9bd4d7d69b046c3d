"""MassProspecting's field names over the canonical outreach serializer.

`CompatOutreachSerializer` *is* the `/api` serializer with three fields renamed (`status`,
`create_time`, `update_time`), so every rule — enums, tag, URL, types and channels, message ids
— is the one `/api` applies. The other serializers here describe the page request and, for the
OpenAPI document, the bodies and envelopes of that system.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import EnumField
from core.api.schema import id_pattern
from core.public_ids import PREFIXES

from ..api.serializers import OutreachSerializer
from ..choices import DeliveryStatus
from .filters import ORDER_FIELDS

# MassProspecting's name → the canonical serializer's field it stands for.
SEED_NAMES = {
    "delivery_status": "status",
    "created_at": "create_time",
    "updated_at": "update_time",
}
# MassProspecting's insert: "Required fields".
INSERT_REQUIRED = ("outreach_type", "status")

# Documented as text, not as a second enum of the delivery statuses under another name: input
# is read in any case with an optional leading colon, as `:pending`; output is lower case.
STATUS_SCHEMA = {"type": "string", "example": "pending"}
STATUS_HELP = (
    f"Delivery status: {', '.join(DeliveryStatus.values)} (any case; a leading colon as in "
    "`:pending` is accepted). On insert, a value other than pending is reached along the "
    "delivery graph; on update, the current value changes nothing, the next state runs its "
    "transition, any other jump is 409."
)

ID_SCHEMA = {"type": "string", "pattern": id_pattern(PREFIXES["outreach"]), "example": "out_42"}

DEFAULT_LIMIT = 25
MAX_LIMIT = 200


class CompatOutreachSerializer(OutreachSerializer):
    """An outreach as MassProspecting names it: its documented fields, `id`, `create_time` and
    `update_time`, plus the links and times `/api` has (person_id, channel, done_time…)."""

    class Meta(OutreachSerializer.Meta):
        fields = [
            "id",
            "outreach_type",
            "delivery_status",
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
            "channel",
            "person_id",
            "company_id",
            "job_id",
            "sent_at",
            "done_time",
            "created_at",
            "updated_at",
        ]

    def get_fields(self):
        fields = {}
        for name, field in super().get_fields().items():
            if name in SEED_NAMES:
                field.source = name
                name = SEED_NAMES[name]
                if name == "status":
                    field.help_text = STATUS_HELP
                    extend_schema_field(STATUS_SCHEMA)(field)
            fields[name] = field
        if not self.partial:
            for name in INSERT_REQUIRED:
                fields[name].required = True
        return fields

    def validate_outreach_type(self, value):
        # MassProspecting lists exactly six types and no "none"; records made through /api may still
        # have none, so the field stays nullable on output.
        if value is None:
            raise serializers.ValidationError("This field may not be null.")
        return value


class PageRequestSerializer(serializers.Serializer):
    """The body of `page.json`."""

    page = serializers.IntegerField(min_value=1, help_text="Page number, starting at 1.")
    limit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_LIMIT,
        default=DEFAULT_LIMIT,
        help_text=f"Records per page, 1–{MAX_LIMIT}. Default {DEFAULT_LIMIT}.",
    )
    filters = serializers.DictField(
        required=False,
        default=dict,
        help_text="Record field → value, all of which must match "
        '(e.g. {"status": "pending", "outreach_type": "LinkedIn_DirectMessage"}).',
    )
    order = EnumField(
        [(name, name) for name in ORDER_FIELDS],
        default="id",
        help_text="Record field to order by. Default id.",
    )
    asc = serializers.BooleanField(default=True, help_text="Ascending order. Default true.")


# --- documentation of that system's bodies and envelopes -----------------------------------


class ClientKeysSerializer(serializers.Serializer):
    """Keys MassProspecting's client library adds to every body."""

    api_key = serializers.CharField(
        required=False,
        help_text="The user's API token (as `Authorization: Token <key>` would carry it).",
    )
    id_account = serializers.CharField(required=False, help_text="Accepted and ignored.")
    promiscuous = serializers.BooleanField(required=False, help_text="Accepted and ignored.")
    backtrace = serializers.BooleanField(required=False, help_text="Accepted and ignored.")


class CompatInsertBareSerializer(ClientKeysSerializer, CompatOutreachSerializer):
    """Bare form of an insert body: the record's fields at the top level."""

    class Meta(CompatOutreachSerializer.Meta):
        fields = [*CompatOutreachSerializer.Meta.fields, *ClientKeysSerializer._declared_fields]


class CompatInsertWrappedSerializer(ClientKeysSerializer):
    """Insert body as MassProspecting's client sends it: the fields under `desc`."""

    desc = CompatOutreachSerializer()


class CompatUpdateFieldsSerializer(CompatOutreachSerializer):
    id = serializers.CharField(help_text="The outreach to change (out_…).")

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if name != "id":
                field.required = False
        # Set on the bound copy: declared fields are copied without their schema override.
        extend_schema_field(ID_SCHEMA)(fields["id"])
        return fields


class CompatUpdateBareSerializer(ClientKeysSerializer, CompatUpdateFieldsSerializer):
    """Bare form of an update body: `id` and the fields to change."""

    class Meta(CompatUpdateFieldsSerializer.Meta):
        fields = [*CompatOutreachSerializer.Meta.fields, *ClientKeysSerializer._declared_fields]


class CompatUpdateWrappedSerializer(ClientKeysSerializer):
    """Update body as MassProspecting's client sends it: `id` and the fields under `desc`."""

    desc = CompatUpdateFieldsSerializer()


class CompatPageBodySerializer(ClientKeysSerializer, PageRequestSerializer):
    """A `page.json` body."""


class CompatRecordResponseSerializer(serializers.Serializer):
    status = serializers.CharField(help_text='Always "success".')
    result = CompatOutreachSerializer()


class CompatPageResponseSerializer(serializers.Serializer):
    status = serializers.CharField(help_text='Always "success".')
    count = serializers.IntegerField(help_text="How many records match the filters (all pages).")
    results = CompatOutreachSerializer(many=True)


class CompatErrorSerializer(serializers.Serializer):
    status = serializers.CharField(
        help_text='The error message, naming the field at fault (e.g. "id not found: out_9").'
    )
