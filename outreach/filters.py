"""One FilterSet per list, shared by the API viewset and the dashboard list view."""

import django_filters
from django.db.models import F

from outreach_site.filters import BooleanFilter, EnumFilter, PublicIdFilter
from outreach_site.public_ids import PREFIXES

from .choices import Channel, DeliveryStatus, Outcome, OutreachType, PipelineState
from .models import Outreach, Sequence

# `sort` values of seed 001 and the columns they order by.
SORT_KEYS = {
    "channel": "channel",
    "company": "company__name",
    "status": "current_state",
    "sequence": "sequence__name",
    "owner": "company__owner__username",
}
DEFAULT_SORT = "created_at"


def _unfiltered(queryset, name, value):
    """`sort` and `direction` are read by OutreachFilterSet.filter_queryset, not here."""
    return queryset


class OutreachFilterSet(django_filters.FilterSet):
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
    """Order by the sort key, then by id in the same direction so pages never overlap."""
    if not sort:
        descending = direction != "asc"
        keys = [F("created_at"), F("id")]
    else:
        descending = direction == "desc"
        keys = [F(SORT_KEYS[sort]), F("id")]
    return [k.desc(nulls_last=True) if descending else k.asc(nulls_last=True) for k in keys]


class SequenceFilterSet(django_filters.FilterSet):
    active = BooleanFilter(help_text="true or false.")

    class Meta:
        model = Sequence
        fields: list[str] = []
