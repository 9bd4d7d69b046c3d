"""Reads of people that more than one screen needs."""

from django.db.models import Exists, OuterRef, QuerySet

from .models import Person


def with_open_follow_up(queryset: QuerySet[Person]) -> QuerySet[Person]:
    """Annotate `has_open_follow_up` (an input of contact heat) in the same query as the rows."""
    from followups.models import FollowUp

    return queryset.annotate(
        has_open_follow_up=Exists(FollowUp.objects.filter(person=OuterRef("pk"), status="pending"))
    )
