from rest_framework import serializers

from contacts.models import Person
from core.api.fields import EnumField, PublicIdField, PublicIdRelatedField
from core.public_ids import PREFIXES
from jobs.models import Job
from outreach.models import Outreach

from ..choices import FollowUpKind, FollowUpStatus
from ..models import FollowUp


class FollowUpSerializer(serializers.ModelSerializer):
    id = PublicIdField(PREFIXES["followup"])
    outreach_id = PublicIdRelatedField(
        PREFIXES["outreach"],
        source="outreach",
        queryset=Outreach.objects.all(),
        required=False,
        allow_null=True,
    )
    person_id = PublicIdRelatedField(
        PREFIXES["person"],
        source="person",
        queryset=Person.objects.all(),
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
    kind = EnumField(FollowUpKind.choices, required=False)
    status = EnumField(FollowUpStatus.choices, required=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=300)
    due_at = serializers.DateTimeField(required=False)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "outreach_id",
            "person_id",
            "job_id",
            "kind",
            "title",
            "attempt_no",
            "due_at",
            "note",
            "status",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["completed_at", "created_at", "updated_at"]
