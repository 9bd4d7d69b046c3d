from datetime import timedelta

from django.conf import settings
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat, Greatest
from django.utils import timezone

from contacts.models import Company, Person
from core.expressions import in_matches
from core.public_ids import PREFIXES
from core.scoping import WorkspaceQuerySet
from jobs.choices import CLOSED_JOB_STAGES
from workspaces.choices import AuditAction
from workspaces.models import AuditEntry

from .choices import UNRESOLVED_OUTCOMES

# --- when an outcome was logged -------------------------------------------------------------
# An outcome logged after the outreach was recorded is an `update` entry of the audit log that
# names `outcome` (written in the transaction of the change, and never changed). The history,
# the stale list and a job's heat read the moment from there.


def outcome_log_entries() -> QuerySet[AuditEntry]:
    """Every logged outcome of every outreach, newest first (filter by object_id for one)."""
    return AuditEntry.objects.filter(
        object_type="outreach", action=AuditAction.UPDATE, changes__has_key="outcome"
    ).order_by("-created_at", "-id")


def _outcome_log_of_outer_outreach() -> QuerySet[AuditEntry]:
    # The workspace too, so the lookup is one range of the (workspace, object_id) index.
    return outcome_log_entries().filter(
        workspace_id=OuterRef("workspace_id"),
        object_id=Concat(
            Value(f"{PREFIXES['outreach']}_"), Cast(OuterRef("pk"), output_field=CharField())
        ),
    )


def last_touched_at() -> Greatest:
    """When the outreach was last touched: sent (else recorded), or an outcome logged later."""
    sent = Coalesce("sent_at", "created_at")
    logged = Subquery(_outcome_log_of_outer_outreach().values("created_at")[:1])
    return Greatest(sent, Coalesce(logged, sent))


class OutreachQuerySet(WorkspaceQuerySet):
    def for_api(self) -> "OutreachQuerySet":
        """What one serialised outreach needs, loaded in the same query as the rows."""
        return self.select_related("tag", "company", "sequence")

    def search(self, text: str) -> "OutreachQuerySet":
        """Match a person's name or email, or the company's name.

        The people and companies that match are looked up first (their own, smaller, tables)
        and the outreaches then found by their person_id and company_id (see in_matches).
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
        people = Person.objects.filter(condition)
        companies = Company.objects.filter(name__icontains=text)
        return self.filter(in_matches("person_id", people) | in_matches("company_id", companies))

    def stale(self, *, hours: int | None = None) -> "OutreachQuerySet":
        """Sent more than `hours` (default STALE_AFTER_HOURS) ago and still without an outcome,
        oldest first: the follow-up queue's stale list. An outcome logged in those hours (`no
        response` too: someone looked) takes it off until `hours` pass again. Outreaches of
        archived, rejected or dormant jobs are left out."""
        hours = settings.STALE_AFTER_HOURS if hours is None else hours
        cutoff = timezone.now() - timedelta(hours=hours)
        logged_since = _outcome_log_of_outer_outreach().filter(created_at__gte=cutoff)
        return (
            self.filter(sent_at__lt=cutoff, outcome__in=UNRESOLVED_OUTCOMES)
            .exclude(Exists(logged_since))
            .exclude(job__archived=True)
            .exclude(job__stage__in=CLOSED_JOB_STAGES)
            .order_by("sent_at", "id")
        )
