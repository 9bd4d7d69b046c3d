from rest_framework import serializers

from core.api.fields import PublicIdField

from ..models import Webhook, WebhookDelivery, WebhookEvent
from ..webhooks.events import EVENT_TYPES


class WebhookSerializer(serializers.ModelSerializer):
    """An endpoint. The secret is never read back: it is shown once, by create and rotate."""

    id = PublicIdField(Webhook.PUBLIC_ID_PREFIX)
    url = serializers.URLField(max_length=2000)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), allow_empty=False, max_length=50
    )

    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "active", "note", "created_at", "updated_at"]
        read_only_fields = ["note", "created_at", "updated_at"]


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="`whsec_` + base64: shown in this answer only; keep it."
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    """One event sent (or being sent) to the endpoint, with its last attempt."""

    id = PublicIdField(WebhookDelivery.PUBLIC_ID_PREFIX)
    event_id = PublicIdField(WebhookEvent.PUBLIC_ID_PREFIX, source="event_id")
    type = serializers.CharField(source="event.type", read_only=True)
    payload = serializers.JSONField(source="event.payload", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "type",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "response_code",
            "response_body",
            "error",
            "latency_ms",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
