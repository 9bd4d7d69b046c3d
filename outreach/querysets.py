import json
from collections.abc import Iterable
from datetime import timedelta

from django.apps import apps
from django.db import models
from django.db.models import F, Func, OuterRef, Q, Subquery
from django.utils import timezone

from core.expressions import InSubquery

# Jobs whose outreaches no longer need following up.
CLOSED_JOB_STAGES = ("rejected", "dormant")


def json_ids_sql(connection) -> str:
    """A subquery whose `value` column holds the ids of one JSON array parameter (`%s`)."""
    if connection.vendor == "postgresql":
        return "SELECT value::bigint AS value FROM jsonb_array_elements_text(%s::jsonb)"
    return "SELECT value FROM json_each(%s)"


class InIds(Func):
    """`column IN (ids)` with the ids sent as one JSON parameter. Django writes one placeholder
    per id and prepares each value, which costs more than the statement itself for a batch of
    10,000; the database unpacks a JSON array at C speed instead."""

    output_field = models.BooleanField()

    def __init__(self, column: str, ids: Iterable[int]):
        super().__init__(F(column))
        self.ids = [int(pk) for pk in ids]

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        ids = json_ids_sql(connection)
        # On PostgreSQL `= ANY(ARRAY(…))` runs the subquery once and probes the index with it.
        condition = "= ANY(ARRAY({}))" if connection.vendor == "postgresql" else "IN ({})"
        return f"{column} {condition.format(ids)}", [*params, json.dumps(self.ids)]


class OutreachQuerySet(models.QuerySet):
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
        Person = apps.get_model("contacts", "Person")
        Company = apps.get_model("contacts", "Company")
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

    def refresh_sort_keys(self) -> int:
        """Copy the company's name, its owner's username and the sequence's name onto each
        outreach (the list sorts on these copies), in one UPDATE."""
        Company = apps.get_model("contacts", "Company")
        Sequence = apps.get_model("outreach", "Sequence")
        company = Company.objects.filter(pk=OuterRef("company_id"))
        sequence = Sequence.objects.filter(pk=OuterRef("sequence_id"))
        return self.update(
            sort_company=Subquery(company.values("name")[:1]),
            sort_owner=Subquery(company.values("owner__username")[:1]),
            sort_sequence=Subquery(sequence.values("name")[:1]),
        )

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
