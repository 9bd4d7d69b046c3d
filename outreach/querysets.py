from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

# Jobs whose outreaches no longer need following up.
CLOSED_JOB_STAGES = ("rejected", "dormant")


class OutreachQuerySet(models.QuerySet):
    def for_api(self) -> "OutreachQuerySet":
        """What one serialised outreach needs, loaded in the same query as the rows."""
        return self.select_related("tag", "company", "sequence")

    def search(self, text: str) -> "OutreachQuerySet":
        """Match a person's name or email, or the company's name."""
        text = text.strip()
        if not text:
            return self
        condition = (
            Q(person__first_name__icontains=text)
            | Q(person__last_name__icontains=text)
            | Q(person__email__icontains=text)
            | Q(company__name__icontains=text)
        )
        parts = text.split()
        if len(parts) >= 2:
            condition |= Q(person__first_name__icontains=parts[0]) & Q(
                person__last_name__icontains=" ".join(parts[1:])
            )
        return self.filter(condition)

    def stale(self, *, hours: int = 48) -> "OutreachQuerySet":
        """Sent more than `hours` ago and still without an outcome, oldest first — seed 000's
        findStaleWithoutOutcome, which feeds the follow-up queue. Outreaches of archived,
        rejected or dormant jobs are left out."""
        cutoff = timezone.now() - timedelta(hours=hours)
        return (
            self.filter(sent_at__lt=cutoff, outcome__in=("none", "no_response"))
            .exclude(job__archived=True)
            .exclude(job__stage__in=CLOSED_JOB_STAGES)
            .order_by("sent_at", "id")
        )
