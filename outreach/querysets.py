from django.db import models
from django.db.models import Q


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
