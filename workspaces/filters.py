"""The audit log's filters, shared by `GET /api/audit` and the Audit page."""

import django_filters

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
