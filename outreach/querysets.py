from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from contacts.models import Company, Person
from core.expressions import InSubquery
from core.scoping import WorkspaceQuerySet
from jobs.choices import CLOSED_JOB_STAGES

from .choices import UNRESOLVED_OUTCOMES


class OutreachQuerySet(WorkspaceQuerySet):
    def for_api(self) -> "OutreachQuerySet":
        """What one serialised outreach needs, loaded in the same query as the rows."""
        return self.select_related("tag", "company", "sequence")

    def search(self, text: str) -> "OutreachQuerySet":
        """Match a person's name or email, or the company's name.

        The people and companies that match are looked up first (their own, small, tables) and
        the outreaches then found through their person_id and company_id indexes.
        """
        text = text.strip()
        if not text:
            return self
        condition = (
            Q(first_name__icontains=text) | Q(last_name__icontains=text) | Q(email__icontains=text)
        )
        parts = text.split()
        if len(parts) >= 2:
            condition |= Q(first_name__icontains=parts[0]) & Q(
                last_name__icontains=" ".join(parts[1:])
            )
        # No order_by: the models' default ordering would sort the matches for nothing.
        people = Person.objects.filter(condition).order_by().values("pk")
        companies = Company.objects.filter(name__icontains=text).order_by().values("pk")
        return self.filter(InSubquery("person_id", people) | InSubquery("company_id", companies))

    def stale(self, *, hours: int | None = None) -> "OutreachQuerySet":
        """Sent more than `hours` (default STALE_AFTER_HOURS) ago and still without an outcome,
        oldest first: the follow-up queue's stale list. Outreaches of archived, rejected or
        dormant jobs are left out."""
        hours = settings.STALE_AFTER_HOURS if hours is None else hours
        cutoff = timezone.now() - timedelta(hours=hours)
        return (
            self.filter(sent_at__lt=cutoff, outcome__in=UNRESOLVED_OUTCOMES)
            .exclude(job__archived=True)
            .exclude(job__stage__in=CLOSED_JOB_STAGES)
            .order_by("sent_at", "id")
        )
