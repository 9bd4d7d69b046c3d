"""`filters` and `order` of `page.json`, in MassProspecting's field names.

Filtering reuses the outreach FilterSet of `/api` (the same filters, the same parsing), adding
the MassProspecting fields `/api` does not filter on.
"""

import django_filters
from django.db.models import F, QuerySet
from rest_framework.exceptions import ValidationError

from core.filters import EnumFilter, PublicIdFilter
from core.public_ids import PREFIXES

from ..choices import BodyType, Direction, SkipRepliers
from ..filters import OutreachFilterSet

# Record field → the FilterSet parameter that filters on it.
FILTER_PARAMS = {
    "id": "id",
    "outreach_type": "outreach_type",
    "status": "delivery_status",
    "approved": "approved",
    "skip_repliers": "skip_repliers",
    "direction": "direction",
    "tag": "tag",
    "subject": "subject",
    "body": "body",
    "body_type": "body_type",
    "error_description": "error_description",
    "screenshot_url": "screenshot_url",
    "message_id": "message_id",
    "reply_to_message_id": "reply_to_message_id",
    "channel": "channel",
    "person_id": "person_id",
    "company_id": "company_id",
    "job_id": "job_id",
}

# Record field → the column `order` sorts by.
ORDER_FIELDS = {
    "id": "id",
    "create_time": "created_at",
    "update_time": "updated_at",
    "outreach_type": "outreach_type",
    "status": "delivery_status",
    "approved": "approved",
    "skip_repliers": "skip_repliers",
    "direction": "direction",
    "tag": "tag__name",
    "subject": "subject",
    "body": "body",
    "body_type": "body_type",
    "error_description": "error_description",
    "screenshot_url": "screenshot_url",
    "message_id": "message_id",
    "reply_to_message_id": "reply_to_message_id",
    "channel": "channel",
    "person_id": "person_id",
    "company_id": "company_id",
    "job_id": "job_id",
    "sent_at": "sent_at",
    "done_time": "done_time",
}


class CompatOutreachFilterSet(OutreachFilterSet):
    """The `/api` filters plus exact matches on the MassProspecting fields it lacks."""

    id = PublicIdFilter(field_name="id", prefix=PREFIXES["outreach"])
    skip_repliers = EnumFilter(choices=SkipRepliers.choices)
    direction = EnumFilter(choices=Direction.choices)
    body_type = EnumFilter(choices=BodyType.choices)
    subject = django_filters.CharFilter()
    body = django_filters.CharFilter()
    error_description = django_filters.CharFilter()
    screenshot_url = django_filters.CharFilter()
    message_id = django_filters.CharFilter()
    reply_to_message_id = django_filters.CharFilter()


def compat_ordering(order: str, asc: bool) -> list:
    """Order by the field, then by id the same way, so pages never repeat or skip rows."""
    column = ORDER_FIELDS[order]
    keys = [F(column)] if column == "id" else [F(column), F("id")]
    return [k.asc(nulls_last=True) if asc else k.desc(nulls_last=True) for k in keys]


def compat_filter(queryset: QuerySet, filters: dict, request=None) -> QuerySet:
    """Apply `filters` (record field → one value); a bad key or value is a 400 naming it."""
    errors: dict[str, list[str]] = {}
    data: dict[str, str] = {}
    for name, value in filters.items():
        if name not in FILTER_PARAMS:
            errors[name] = [f"Not a field to filter on. Use one of: {', '.join(FILTER_PARAMS)}."]
        elif isinstance(value, bool):
            data[FILTER_PARAMS[name]] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            data[FILTER_PARAMS[name]] = str(value)
        else:
            errors[name] = ["Give one value: a string, a number or a boolean."]
    if errors:
        raise ValidationError({"filters": errors})
    filterset = CompatOutreachFilterSet(data=data, queryset=queryset, request=request)
    if not filterset.is_valid():
        seed_name = {param: name for name, param in FILTER_PARAMS.items()}
        raise ValidationError(
            {"filters": {seed_name.get(k, k): list(v) for k, v in filterset.errors.items()}}
        )
    return filterset.qs
