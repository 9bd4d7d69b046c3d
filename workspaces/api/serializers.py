from django.contrib.auth import get_user_model
from rest_framework import serializers

from core.api.fields import PublicIdField
from core.public_ids import PREFIXES, format_public_id

from ..models import AuditEntry


class UserSerializer(serializers.ModelSerializer):
    id = PublicIdField(PREFIXES["user"])
    name = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "name", "role"]

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()

    def get_role(self, user) -> str | None:
        membership = getattr(user, "membership", None)
        return membership.role if membership else None


class MeSerializer(UserSerializer):
    workspace_id = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "workspace_id"]

    def get_workspace_id(self, user) -> str | None:
        membership = getattr(user, "membership", None)
        return (
            format_public_id(PREFIXES["workspace"], membership.workspace_id) if membership else None
        )


class AuditEntrySerializer(serializers.ModelSerializer):
    actor_id = PublicIdField(PREFIXES["user"], source="actor_id")
    actor = serializers.CharField(source="actor_name")
    changes = serializers.JSONField(
        help_text="Changed fields as {field: [before, after]}; secrets read [redacted]."
    )

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor_id",
            "actor",
            "action",
            "object_type",
            "object_id",
            "changes",
            "ip",
        ]
