from rest_framework import serializers

from core.api.fields import EnumField, PublicIdField
from core.public_ids import PREFIXES

from ..choices import BounceKind, Classification
from ..models import InboundMessage


class InboundMessageSerializer(serializers.ModelSerializer):
    """A message that came back in, what it was classified as and what it was matched to."""

    id = PublicIdField(InboundMessage.PUBLIC_ID_PREFIX)
    mailbox_id = PublicIdField(PREFIXES["mailbox"], source="mailbox_id", allow_null=True)
    outreach_id = PublicIdField(PREFIXES["outreach"], source="outreach_id", allow_null=True)
    person_id = PublicIdField(PREFIXES["person"], source="person_id", allow_null=True)
    classification = EnumField(Classification.choices, read_only=True)
    bounce_kind = EnumField(BounceKind.choices, read_only=True, allow_blank=True)

    class Meta:
        model = InboundMessage
        fields = [
            "id",
            "classification",
            "outreach_id",
            "person_id",
            "mailbox_id",
            "from_address",
            "from_name",
            "to",
            "subject",
            "date",
            "message_id",
            "in_reply_to",
            "references",
            "text",
            "bounce_kind",
            "bounce_status",
            "bounced_recipient",
            "returns_at",
            "effects_note",
            "received_at",
        ]
        read_only_fields = fields
