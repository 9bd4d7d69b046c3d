from rest_framework import serializers

from contacts.models import Company
from core.api.fields import EnumField, HttpUrlField, PublicIdField, PublicIdRelatedField
from core.public_ids import PREFIXES

from ..choices import JobStage
from ..models import Job


class JobSerializer(serializers.ModelSerializer):
    id = PublicIdField(PREFIXES["job"])
    company_id = PublicIdRelatedField(
        PREFIXES["company"],
        source="company",
        queryset=Company.objects.all(),
        required=False,
        allow_null=True,
    )
    stage = EnumField(JobStage.choices, required=False)
    url = HttpUrlField(
        required=False,
        allow_blank=True,
        max_length=Job._meta.get_field("url").max_length,
        message="Enter a valid URL.",
    )
    dormant_candidate = serializers.BooleanField(
        read_only=True,
        help_text="The last follow-up attempt closed over 7 days ago and nothing happened since.",
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "title",
            "company_id",
            "url",
            "stage",
            "archived",
            "heat_score",
            "heat",
            "dormant_candidate",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["heat_score", "heat", "created_at", "updated_at"]


class HeatExplanationSerializer(serializers.Serializer):
    """The parts of a job's heat (documentation of `heat_explain`)."""

    job_id = serializers.CharField()
    stage = serializers.CharField()
    archived = serializers.BooleanField()
    stage_base = serializers.IntegerField()
    outcome_points = serializers.IntegerField()
    strength_points = serializers.IntegerField()
    channel_points = serializers.IntegerField()
    personalization_points = serializers.FloatField()
    added = serializers.FloatField()
    days_since_touch = serializers.FloatField(allow_null=True)
    decay = serializers.FloatField()
    cap = serializers.IntegerField(allow_null=True)
    heat_score = serializers.IntegerField()
    heat = serializers.IntegerField()
