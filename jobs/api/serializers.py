from rest_framework import serializers

from contacts.models import Company
from outreach_site.api.fields import EnumField, PublicIdField, PublicIdRelatedField
from outreach_site.public_ids import PREFIXES

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
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["heat_score", "heat", "created_at", "updated_at"]
