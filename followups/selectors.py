"""Reads of follow-ups: what is overdue, due today and coming up; people's heat, which
weighs their open follow-ups."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from contacts.heat import with_heat_score
from contacts.models import Person

from .choices import FollowUpStatus
from .models import FollowUp, start_of_today


def today_bounds(now: datetime.datetime | None = None) -> tuple[datetime.datetime, ...]:
    """Start of today and start of tomorrow in the site's time zone."""
    start = start_of_today(now)
    return start, start + datetime.timedelta(days=1)


def pending_followups() -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(status=FollowUpStatus.PENDING).select_related(
        "person", "person__company", "job", "outreach"
    )


def followup_due_counts(now: datetime.datetime | None = None, upcoming_days: int = 7) -> dict:
    """Pending follow-ups that are overdue, due today and due in the next days: one query."""
    start, end = today_bounds(now)
    horizon = end + datetime.timedelta(days=upcoming_days)
    return FollowUp.objects.filter(status=FollowUpStatus.PENDING).aggregate(
        overdue=Count("id", filter=Q(due_at__lt=start)),
        today=Count("id", filter=Q(due_at__gte=start, due_at__lt=end)),
        upcoming=Count("id", filter=Q(due_at__gte=end, due_at__lt=horizon)),
    )


# The queue's sections: key → heading.
QUEUE_SECTIONS = {"overdue": "Overdue", "today": "Due today", "upcoming": "Next 7 days"}


def followup_section(
    section: str, now: datetime.datetime | None = None, upcoming_days: int = 7
) -> QuerySet[FollowUp]:
    """The pending follow-ups of one section of the queue (`open`: all of them), due first."""
    start, end = today_bounds(now)
    horizon = end + datetime.timedelta(days=upcoming_days)
    due = {
        "overdue": Q(due_at__lt=start),
        "today": Q(due_at__gte=start, due_at__lt=end),
        "upcoming": Q(due_at__gte=end, due_at__lt=horizon),
        "open": Q(),
    }[section]
    return pending_followups().filter(due).order_by("due_at", "id")


def followup_queue(
    now: datetime.datetime | None = None, upcoming_days: int = 7, limit: int = 100
) -> dict[str, list[FollowUp]]:
    """The pending follow-ups to work on, in three lists: overdue, today, upcoming."""
    return {
        section: list(followup_section(section, now, upcoming_days)[:limit])
        for section in QUEUE_SECTIONS
    }


def people_with_heat(
    queryset: QuerySet[Person], now: datetime.datetime | None = None
) -> QuerySet[Person]:
    """People annotated with `heat_score` (contacts.heat), in the same query as the rows."""
    open_follow_up = Exists(
        FollowUp.objects.filter(person=OuterRef("pk"), status=FollowUpStatus.PENDING)
    )
    return with_heat_score(queryset, has_open_follow_up=open_follow_up, now=now or timezone.now())
