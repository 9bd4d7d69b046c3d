from datetime import datetime, time, timedelta

import django_filters
from django.utils import timezone

from core.filters import EnumFilter, FilterSet, PublicIdFilter
from core.public_ids import PREFIXES

from .choices import FollowUpKind, FollowUpStatus
from .models import FollowUp


class FollowUpFilterSet(FilterSet):
    outreach_id = PublicIdFilter(field_name="outreach_id", prefix=PREFIXES["outreach"])
    person_id = PublicIdFilter(field_name="person_id", prefix=PREFIXES["person"])
    job_id = PublicIdFilter(field_name="job_id", prefix=PREFIXES["job"])
    status = EnumFilter(choices=FollowUpStatus.choices)
    kind = EnumFilter(choices=FollowUpKind.choices)
    due = EnumFilter(
        choices=[("today", "today"), ("overdue", "overdue"), ("upcoming", "upcoming")],
        method="filter_due",
        help_text="Pending follow-ups due today, overdue (before today) or upcoming (after "
        "today), soonest first.",
    )
    q = django_filters.CharFilter(
        field_name="title", lookup_expr="icontains", max_length=200, help_text="Search titles."
    )

    class Meta:
        model = FollowUp
        fields: list[str] = []

    def filter_due(self, queryset, name, value):
        start, end = today_bounds()
        pending = queryset.filter(status=FollowUpStatus.PENDING).order_by("due_at", "id")
        if value == "today":
            return pending.filter(due_at__gte=start, due_at__lt=end)
        if value == "overdue":
            return pending.filter(due_at__lt=start)
        return pending.filter(due_at__gte=end)


def today_bounds(now: datetime | None = None) -> tuple[datetime, datetime]:
    """Start and end of today in the site's time zone."""
    local = timezone.localtime(now)
    start = timezone.make_aware(datetime.combine(local.date(), time.min))
    return start, start + timedelta(days=1)
