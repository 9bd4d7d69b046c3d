"""One FilterSet per list, shared by the API viewset and the dashboard list view."""

import django_filters
from django.db.models import F

from core.filters import BooleanFilter, EnumFilter, FilterSet, PublicIdFilter
from core.public_ids import PREFIXES

from .choices import Channel, DeliveryStatus, Outcome, OutreachType, PipelineState
from .models import Outreach, Sequence, Tag

# `sort` values of the REST contract and the columns they order by: company, sequence and owner
# names are copied onto the outreach (Outreach.sort_*), so each sort reads one index of its table.
SORT_KEYS = {
    "channel": "channel",
    "company": "sort_company",
    "status": "current_state",
    "sequence": "sort_sequence",
    "owner": "sort_owner",
}
DEFAULT_SORT = "created_at"
# Sort keys that may be empty; empty ones come last in both directions.
NULLABLE_SORT_KEYS = {"company", "sequence", "owner"}


def _unfiltered(queryset, name, value):
    """`sort` and `direction` are read by OutreachFilterSet.filter_queryset, not here."""
    return queryset


class OutreachFilterSet(FilterSet):
    channel = EnumFilter(choices=Channel.choices, help_text="phone | email | linkedin | …")
    person_id = PublicIdFilter(field_name="person_id", prefix=PREFIXES["person"])
    company_id = PublicIdFilter(field_name="company_id", prefix=PREFIXES["company"])
    sequence_id = PublicIdFilter(field_name="sequence_id", prefix=PREFIXES["sequence"])
    job_id = PublicIdFilter(field_name="job_id", prefix=PREFIXES["job"])
    status = EnumFilter(
        field_name="current_state",
        choices=PipelineState.choices,
        help_text="Current pipeline state.",
    )
    owner = PublicIdFilter(
        field_name="company__owner_id",
        prefix=PREFIXES["user"],
        help_text="Owner of the outreach's company (usr_<number>).",
    )
    delivery_status = EnumFilter(choices=DeliveryStatus.choices)
    outcome = EnumFilter(choices=Outcome.choices)
    outreach_type = EnumFilter(choices=OutreachType.choices)
    tag = django_filters.CharFilter(field_name="tag__name", help_text="Tag name.")
    approved = BooleanFilter(help_text="true or false.")
    q = django_filters.CharFilter(
        method="search", max_length=200, help_text="Search person name, email or company."
    )
    sort = EnumFilter(
        choices=[(key, key) for key in SORT_KEYS],
        method=_unfiltered,
        help_text="channel | company | status | sequence | owner (default: created_at).",
    )
    direction = EnumFilter(
        choices=[("asc", "asc"), ("desc", "desc")],
        method=_unfiltered,
        help_text="asc or desc (default desc when sort is omitted, else asc).",
    )

    class Meta:
        model = Outreach
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.search(value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        sort = self.form.cleaned_data.get("sort") or ""
        direction = self.form.cleaned_data.get("direction") or ""
        return queryset.order_by(*ordering(sort, direction))


def ordering(sort: str, direction: str) -> list:
    """Order by the sort key, then by id in the same direction so pages never overlap.

    NULLS LAST is only written for the keys that can be empty: on a NOT NULL column it would
    still stop PostgreSQL from reading the (key, id) index in that order.
    """
    if not sort:
        descending = direction != "asc"
        key = F("created_at")
    else:
        descending = direction == "desc"
        key = F(SORT_KEYS[sort])
    nulls = {"nulls_last": True} if sort in NULLABLE_SORT_KEYS else {}
    if descending:
        return [key.desc(**nulls), F("id").desc()]
    return [key.asc(**nulls), F("id").asc()]


class SequenceFilterSet(FilterSet):
    active = BooleanFilter(help_text="true or false.")
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=200, help_text="Search names."
    )

    class Meta:
        model = Sequence
        fields: list[str] = []


class TagFilterSet(FilterSet):
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=200, help_text="Search names."
    )

    class Meta:
        model = Tag
        fields: list[str] = []
