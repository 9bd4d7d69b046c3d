from rest_framework import serializers

from core.api.fields import EnumField, PublicIdField, PublicIdRelatedField
from core.public_ids import PREFIXES
from workspaces.fields import MemberField

from ..choices import PersonStatus, Strength, SuppressionReason
from ..heat import contact_heat_label
from ..models import MAX_SUPPRESSION_NOTE, Company, Person, Suppression


class CompanySerializer(serializers.ModelSerializer):
    id = PublicIdField(PREFIXES["company"])
    owner_id = MemberField(source="owner", required=False, allow_null=True)

    class Meta:
        model = Company
        fields = ["id", "name", "domain", "owner_id", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class PersonSerializer(serializers.ModelSerializer):
    id = PublicIdField(PREFIXES["person"])
    company_id = PublicIdRelatedField(
        PREFIXES["company"],
        source="company",
        queryset=Company.objects.all(),
        required=False,
        allow_null=True,
    )
    status = EnumField(PersonStatus.choices, required=False)
    strength = EnumField(Strength.choices, required=False)
    heat_score = serializers.SerializerMethodField()
    heat = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "first_name",
            "last_name",
            "title",
            "company_id",
            "email",
            "email_invalid",
            "phone",
            "linkedin_url",
            "facebook_url",
            "status",
            "strength",
            "last_contacted_at",
            "last_replied_at",
            "heat_score",
            "heat",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "email_invalid",
            "last_contacted_at",
            "last_replied_at",
            "created_at",
            "updated_at",
        ]

    # Both read the `heat_score` the view's queryset annotates (followups.selectors).
    def get_heat_score(self, person) -> int:
        return person.heat_score

    def get_heat(self, person) -> str:
        return contact_heat_label(person.heat_score)


class SuppressionSerializer(serializers.ModelSerializer):
    """An entry of the suppression list. It is given the address (or its SHA-256) and keeps
    only the hash: the answer never holds the address."""

    id = PublicIdField(Suppression.PUBLIC_ID_PREFIX)
    email = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=254,
        help_text="The address to suppress; only its SHA-256 is stored.",
    )
    address_hash = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="SHA-256 (hex) of the stripped, lower-cased address, instead of `email`.",
    )
    reason = EnumField(SuppressionReason.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_SUPPRESSION_NOTE)

    class Meta:
        model = Suppression
        fields = ["id", "email", "address_hash", "reason", "note", "created_at"]
        read_only_fields = ["created_at"]
