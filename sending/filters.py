"""The mailbox list's filters (shared by `GET /api/mailboxes` and the Mailboxes page), and the
message list's."""

import django_filters
from django.db.models import Q

from core.filters import BooleanFilter, EnumFilter, FilterSet, PublicIdFilter
from core.public_ids import PREFIXES

from .choices import MailboxKind, MessageStatus
from .models import Mailbox, Message


class MailboxFilterSet(FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=200, help_text="Search names and sender addresses."
    )
    kind = EnumFilter(choices=MailboxKind.choices, help_text="local or smtp.")
    active = BooleanFilter(help_text="true or false.")
    owner_id = PublicIdFilter(field_name="owner_id", prefix=PREFIXES["user"])

    class Meta:
        model = Mailbox
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(from_email__icontains=value)
            | Q(from_name__icontains=value)
        )


class MessageFilterSet(FilterSet):
    status = EnumFilter(choices=MessageStatus.choices)

    class Meta:
        model = Message
        fields: list[str] = []
