"""The naive-DRF baseline: what most people would write first, kept here and never routed.

A plain ModelViewSet and ModelSerializer (related names through `source=`, no select_related),
django-filter with an OrderingFilter on the related columns, and DRF's PageNumberPagination (an
exact COUNT(*) and OFFSET on the joined query). It answers the same filters and sort keys as the
product's list, so every list scenario can be replayed against it.
"""

import django_filters
from django.db.models import Q
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination

from outreach.models import Outreach

# The product's `sort` keys as this baseline's `ordering` columns.
NAIVE_ORDERING = {
    "": "created_at",
    "channel": "channel",
    "company": "company__name",
    "status": "current_state",
    "sequence": "sequence__name",
    "owner": "company__owner__username",
}
# The product's filter parameters whose values are prefixed ids, and the column each filters on.
ID_PARAMS = {
    "person_id": "person",
    "company_id": "company",
    "sequence_id": "sequence",
    "job_id": "job",
    "owner": "owner",
}


class NaiveOutreachSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name", default=None, read_only=True)
    owner = serializers.CharField(source="company.owner.username", default=None, read_only=True)
    sequence_name = serializers.CharField(source="sequence.name", default=None, read_only=True)
    tag = serializers.CharField(source="tag.name", default=None, read_only=True)

    class Meta:
        model = Outreach
        fields = [
            "id",
            "person",
            "company",
            "company_name",
            "owner",
            "job",
            "sequence",
            "sequence_name",
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
        ]


class NaiveOutreachFilterSet(django_filters.FilterSet):
    status = django_filters.CharFilter(field_name="current_state")
    owner = django_filters.NumberFilter(field_name="company__owner_id")
    tag = django_filters.CharFilter(field_name="tag__name")
    q = django_filters.CharFilter(method="search")
    ordering = django_filters.OrderingFilter(
        fields=[(column, column) for column in NAIVE_ORDERING.values()] + [("id", "id")]
    )

    class Meta:
        model = Outreach
        fields = [
            "channel",
            "person",
            "company",
            "sequence",
            "job",
            "delivery_status",
            "outcome",
            "outreach_type",
            "approved",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(person__first_name__icontains=value)
            | Q(person__last_name__icontains=value)
            | Q(person__email__icontains=value)
            | Q(company__name__icontains=value)
        )


class NaivePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "per"
    max_page_size = 200


class NaiveOutreachViewSet(viewsets.ModelViewSet):
    queryset = Outreach.objects.all()
    serializer_class = NaiveOutreachSerializer
    filterset_class = NaiveOutreachFilterSet
    pagination_class = NaivePagination


def naive_params(params: dict[str, str]) -> dict[str, str]:
    """The product's query parameters, as this baseline spells them."""
    out: dict[str, str] = {}
    sort = params.get("sort", "")
    direction = params.get("direction") or ("desc" if not sort else "asc")
    sign = "-" if direction == "desc" else ""
    out["ordering"] = f"{sign}{NAIVE_ORDERING[sort]},{sign}id"
    for name, value in params.items():
        if name in ("sort", "direction"):
            continue
        if name in ID_PARAMS:
            out[ID_PARAMS[name]] = value.split("_", 1)[1]
        else:
            out[name] = value
    return out
