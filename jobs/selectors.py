"""Reads about jobs that other code needs (heat inputs, dormant candidates)."""

from datetime import datetime, timedelta

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from .heat import LatestTouch
from .models import Job

# After the last follow-up attempt, a job with no activity for this long is a dormant candidate.
DORMANT_AFTER_DAYS = 7
LAST_ATTEMPT = 2


def latest_touch(job_id: int) -> LatestTouch | None:
    """The job's latest outreach (by when it was sent, else created) as heat needs it."""
    from outreach.models import Outreach

    row = (
        Outreach.objects.filter(job_id=job_id)
        .annotate(touched_at=Coalesce("sent_at", "created_at"))
        .order_by(F("touched_at").desc(), "-id")
        .values(
            "outcome",
            "person__strength",
            "person_id",
            "channel",
            "personalization_score",
            "touched_at",
        )
        .first()
    )
    if row is None:
        return None
    return LatestTouch(
        outcome=row["outcome"],
        strength=row["person__strength"] if row["person_id"] else None,
        channel=row["channel"],
        personalization_score=row["personalization_score"],
        touched_at=row["touched_at"],
    )


def with_dormant_candidate(queryset: QuerySet[Job], now: datetime | None = None) -> QuerySet[Job]:
    """Annotate `dormant_candidate`: the job's last follow-up attempt was closed more than 7 days
    ago and nothing happened since (no open follow-up, no newer outreach). Open jobs only."""
    from followups.models import FollowUp
    from outreach.models import Outreach

    cutoff = (now or timezone.now()) - timedelta(days=DORMANT_AFTER_DAYS)
    last_attempt_closed = FollowUp.objects.filter(
        job=OuterRef("pk"),
        attempt_no__gte=LAST_ATTEMPT,
        status__in=["done", "skipped"],
        completed_at__lte=cutoff,
    )
    open_followup = FollowUp.objects.filter(job=OuterRef("pk"), status="pending")
    recent_outreach = Outreach.objects.filter(job=OuterRef("pk")).filter(
        Q(sent_at__gt=cutoff) | Q(created_at__gt=cutoff)
    )
    condition = (
        Q(archived=False)
        & ~Q(stage__in=["rejected", "dormant", "offer"])
        & Exists(last_attempt_closed)
        & ~Exists(open_followup)
        & ~Exists(recent_outreach)
    )
    return queryset.annotate(
        dormant_candidate=ExpressionWrapper(condition, output_field=BooleanField())
    )
