from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import EnumField, PublicIdField
from core.public_ids import PREFIXES
from workspaces.fields import MemberField

from ..choices import WEEKDAYS, MailboxKind, Security
from ..models import Mailbox, Message

TIME_FORMAT = "%H:%M"


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        "example": "09:00",
    }
)
class ClockTimeField(serializers.TimeField):
    """A time of day as `HH:MM` (OpenAPI's `time` format would demand seconds and an offset)."""

    def __init__(self, **kwargs):
        super().__init__(format=TIME_FORMAT, input_formats=[TIME_FORMAT, "%H:%M:%S"], **kwargs)


class MailboxSerializer(serializers.ModelSerializer):
    """A mailbox. Passwords are write-only: the answer says whether one is set, never what."""

    id = PublicIdField(Mailbox.PUBLIC_ID_PREFIX)
    owner_id = MemberField(
        source="owner",
        required=False,
        help_text="The user it belongs to (default: you; another user needs a manager).",
    )
    kind = EnumField(MailboxKind.choices, required=False)
    smtp_security = EnumField(Security.choices, required=False)
    imap_security = EnumField(Security.choices, required=False)
    smtp_password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        trim_whitespace=False,
        help_text='Write-only; "" removes it.',
    )
    imap_password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        trim_whitespace=False,
        help_text='Write-only; "" removes it.',
    )
    smtp_password_set = serializers.BooleanField(read_only=True)
    imap_password_set = serializers.BooleanField(read_only=True)
    window_days = serializers.ListField(
        child=serializers.ChoiceField(choices=WEEKDAYS),
        allow_empty=False,
        max_length=7,
        required=False,
        help_text="Days it sends on: mon … sun (default mon–fri).",
    )
    window_start = ClockTimeField(required=False, help_text="HH:MM in time_zone (default 09:00).")
    window_end = ClockTimeField(required=False, help_text="HH:MM in time_zone (default 17:00).")
    time_zone = serializers.CharField(
        max_length=64, required=False, help_text="An IANA name, e.g. Europe/Berlin (default UTC)."
    )
    sent_last_24h = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Mailbox
        fields = [
            "id",
            "owner_id",
            "name",
            "from_name",
            "from_email",
            "kind",
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "smtp_username",
            "smtp_password",
            "smtp_password_set",
            "imap_host",
            "imap_port",
            "imap_security",
            "imap_username",
            "imap_password",
            "imap_password_set",
            "imap_folder",
            "daily_limit",
            "min_interval_seconds",
            "window_days",
            "window_start",
            "window_end",
            "time_zone",
            "signature",
            "active",
            "paused_reason",
            "sent_last_24h",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["paused_reason", "created_at", "updated_at"]


class MailboxTestSerializer(serializers.Serializer):
    """What the server said to the test message."""

    delivered = serializers.BooleanField(help_text="Whether the message left this machine.")
    code = serializers.IntegerField(allow_null=True, help_text="The SMTP reply code.")
    answer = serializers.CharField(help_text="The server's answer, or what a local mailbox did.")
    detail = serializers.CharField()
    message_id = serializers.CharField(help_text="The stored message (msg_…).")
    to = serializers.EmailField()


class ForecastDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()


class ForecastSerializer(serializers.Serializer):
    """A mailbox's queue played forward at its limits."""

    mailbox_id = serializers.CharField()
    queued = serializers.IntegerField(help_text="Email steps waiting on this mailbox.")
    due_now = serializers.IntegerField(help_text="Of those, due already.")
    sent_last_24h = serializers.IntegerField()
    daily_limit = serializers.IntegerField()
    active = serializers.BooleanField()
    next_send_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(
        allow_null=True, help_text="When the last queued message goes out at these limits."
    )
    by_day = ForecastDaySerializer(many=True, help_text="Messages per day in its time zone.")
    explanation = serializers.CharField()


class MessageSerializer(serializers.ModelSerializer):
    """A message a mailbox sent (or will send) for an outreach's step."""

    id = PublicIdField(Message.PUBLIC_ID_PREFIX)
    outreach_id = PublicIdField(PREFIXES["outreach"], source="outreach_id", allow_null=True)
    mailbox_id = PublicIdField(Mailbox.PUBLIC_ID_PREFIX, source="mailbox_id", allow_null=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "outreach_id",
            "step",
            "mailbox_id",
            "to",
            "subject",
            "body",
            "message_id",
            "status",
            "server_answer",
            "attempts",
            "sent_at",
            "created_at",
        ]
        read_only_fields = fields


class DkimKeySerializer(serializers.Serializer):
    """The workspace's DKIM key: set one (`private_key`) or have one made (leave it out)."""

    domain = serializers.CharField(max_length=255, help_text="The sender domain it signs for.")
    selector = serializers.CharField(max_length=63, help_text="e.g. outreach1")
    private_key = serializers.CharField(
        write_only=True,
        required=False,
        max_length=20_000,
        trim_whitespace=False,
        help_text="PEM; write-only. Leave it out to have a 2048-bit key made.",
    )
    dns_name = serializers.CharField(read_only=True, help_text="Where the TXT record goes.")
    dns_value = serializers.CharField(read_only=True, help_text="The TXT record to publish.")
    updated_at = serializers.DateTimeField(read_only=True)
