"""The inbound list's filters, shared by `GET /api/inbound` and the Inbox page."""

import django_filters
from django.db.models import Q

from core.filters import EnumFilter, FilterSet, PublicIdFilter
from core.public_ids import PREFIXES

from .choices import Classification
from .models import InboundMessage


class InboundMessageFilterSet(FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=200, help_text="Search senders and subjects."
    )
    classification = EnumFilter(
        choices=Classification.choices,
        help_text="reply, bounce, auto_reply, unsubscribe or unmatched.",
    )
    mailbox_id = PublicIdFilter(field_name="mailbox_id", prefix=PREFIXES["mailbox"])
    outreach_id = PublicIdFilter(field_name="outreach_id", prefix=PREFIXES["outreach"])
    person_id = PublicIdFilter(field_name="person_id", prefix=PREFIXES["person"])

    class Meta:
        model = InboundMessage
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(from_address__icontains=value)
            | Q(from_name__icontains=value)
            | Q(subject__icontains=value)
        )
