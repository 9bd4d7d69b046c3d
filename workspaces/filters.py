"""The member list's search, and the audit log's filters (shared by `GET /api/audit` and the
Audit page)."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q

from core.filters import FilterSet, PublicIdFilter
from core.public_ids import PREFIXES

from .choices import AuditAction
from .models import AuditEntry


class AuditFilterSet(FilterSet):
    actor = PublicIdFilter(field_name="actor_id", prefix=PREFIXES["user"])
    object_id = django_filters.CharFilter(help_text="A public id, e.g. out_42.")
    action = django_filters.ChoiceFilter(choices=AuditAction.choices)
    since = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="ISO 8601 date-time."
    )

    class Meta:
        model = AuditEntry
        fields = ["actor", "object_id", "action", "since"]


class MemberFilterSet(FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=200, help_text="Search names, usernames and emails."
    )

    class Meta:
        model = get_user_model()
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(username__icontains=value)
            | Q(email__icontains=value)
        )
