"""Reads of outreaches and sequences for the dashboard: counts for charts, pages of rows."""

from datetime import datetime, timedelta

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from followups.choices import LAST_ATTEMPT, FollowUpStatus
from followups.models import FollowUp
from jobs.choices import DORMANT_AFTER_DAYS, JobStage
from jobs.heat import LatestTouch
from jobs.models import Job
from workspaces.models import AuditEntry

from .choices import REPLY_OUTCOMES, RUNNING_STATES, Channel, Outcome, PipelineState
from .models import EnrichmentBatch, Outreach, OutreachTransition, Sequence
from .querysets import last_touched_at, outcome_log_entries


def outreach_list_queryset() -> QuerySet[Outreach]:
    """Everything one row of the outreach list shows, in the same query as the rows."""
    return Outreach.objects.select_related(
        "person", "company", "company__owner", "sequence", "tag", "job"
    )


def outreach_detail(pk: int) -> Outreach:
    """One outreach with everything its page shows; raises Outreach.DoesNotExist."""
    return Outreach.objects.select_related(
        "person", "company", "company__owner", "job", "sequence", "tag", "created_by"
    ).get(pk=pk)


def outreach_history(outreach: Outreach) -> QuerySet[OutreachTransition]:
    """The outreach's state changes, oldest first, with who made them."""
    return outreach.transitions.select_related("actor").order_by("id")


def outreach_outcome_log(outreach: Outreach) -> QuerySet[AuditEntry]:
    """The outcomes logged on the outreach after it was recorded, oldest first, with who."""
    return (
        outcome_log_entries()
        .filter(workspace_id=outreach.workspace_id, object_id=outreach.public_id)
        .select_related("actor")
        .order_by("created_at", "id")
    )


def state_counts(queryset: QuerySet[Outreach] | None = None) -> dict[str, int]:
    """{pipeline state: count} over a set of outreaches, in one grouped query."""
    queryset = queryset if queryset is not None else Outreach.objects.all()
    return dict(
        queryset.order_by()
        .values("current_state")
        .annotate(n=Count("id"))
        .values_list("current_state", "n")
    )


def pipeline_counts() -> list[tuple[str, str, int]]:
    """(state, label, count) for every pipeline state in pipeline order, zeros included."""
    counts = state_counts()
    return [(value, label, counts.get(value, 0)) for value, label in PipelineState.choices]


def outcomes_by_channel() -> list[tuple[str, str, dict[str, int]]]:
    """(channel, label, {outcome: count}) for every channel, in one grouped query."""
    table: dict[str, dict[str, int]] = {value: {} for value in Channel.values}
    rows = (
        Outreach.objects.order_by()
        .values("channel", "outcome")
        .annotate(n=Count("id"))
        .values_list("channel", "outcome", "n")
    )
    for channel, outcome, n in rows:
        table.setdefault(channel, {})[outcome] = n
    return [(value, label, table[value]) for value, label in Channel.choices]


def sequences_with_results(queryset: QuerySet[Sequence] | None = None) -> QuerySet[Sequence]:
    """Sequences annotated with how their outreaches went: total, sent, replies, positive."""
    queryset = queryset if queryset is not None else Sequence.objects.all()
    # Steps and outreaches are both joined, so every outreach count is DISTINCT.
    return queryset.annotate(
        outreach_count=Count("outreaches", distinct=True),
        sent_count=Count("outreaches", distinct=True, filter=Q(outreaches__sent_at__isnull=False)),
        reply_count=Count(
            "outreaches",
            distinct=True,
            filter=Q(outreaches__sent_at__isnull=False, outreaches__outcome__in=REPLY_OUTCOMES),
        ),
        positive_count=Count(
            "outreaches", distinct=True, filter=Q(outreaches__outcome=Outcome.POSITIVE)
        ),
        step_count=Count("steps", distinct=True),
    )


def reply_rate(replies: int, sent: int) -> float | None:
    """Share of sent outreaches that got an answer, in percent; None before anything was sent."""
    return round(100 * replies / sent, 1) if sent else None


def reply_rate_by_sequence(limit: int = 10) -> list[dict]:
    """The sequences with the most sent outreaches and their reply rates."""
    sequences = (
        Sequence.objects.annotate(
            sent_count=Count("outreaches", filter=Q(outreaches__sent_at__isnull=False)),
            reply_count=Count(
                "outreaches",
                filter=Q(outreaches__sent_at__isnull=False, outreaches__outcome__in=REPLY_OUTCOMES),
            ),
        )
        .filter(sent_count__gt=0)
        .order_by("-sent_count", "name")[:limit]
    )
    return [
        {
            "sequence": s,
            "sent": s.sent_count,
            "replies": s.reply_count,
            "rate": reply_rate(s.reply_count, s.sent_count),
        }
        for s in sequences
    ]


def outcome_counts(queryset: QuerySet[Outreach]) -> dict[str, int]:
    """{outcome: count} over a set of outreaches, in one grouped query."""
    return dict(
        queryset.order_by().values("outcome").annotate(n=Count("id")).values_list("outcome", "n")
    )


def stale_outreaches_queryset(hours: int | None = None) -> QuerySet[Outreach]:
    """Outreaches sent more than `hours` ago that still have no outcome, oldest first, with
    what a row of the stale list shows."""
    return Outreach.objects.stale(hours=hours).select_related("person", "company", "job")


def stale_outreaches(hours: int | None = None, limit: int = 25) -> tuple[list, int]:
    """The first `limit` stale outreaches and how many there are (the follow-up queue's list)."""
    stale = stale_outreaches_queryset(hours)
    return list(stale[:limit]), stale.count()


# --- what jobs need to know of their outreaches ----------------------------------------------


def job_latest_touch(*, job_id: int) -> LatestTouch | None:
    """The job's most recently touched outreach as heat weighs it: touched when sent (else
    recorded) or when an outcome was logged on it, so a reply logged on an older outreach
    counts, with its moment. One query."""
    row = (
        Outreach.objects.filter(job_id=job_id)
        .annotate(touched_at=last_touched_at())
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


def jobs_with_dormant_candidate(
    queryset: QuerySet[Job], now: datetime | None = None
) -> QuerySet[Job]:
    """Annotate `dormant_candidate`: the job's last follow-up attempt was closed more than
    DORMANT_AFTER_DAYS ago and nothing happened since (no open follow-up, no newer outreach).
    Open jobs only."""
    cutoff = (now or timezone.now()) - timedelta(days=DORMANT_AFTER_DAYS)
    last_attempt_closed = FollowUp.objects.filter(
        job=OuterRef("pk"),
        attempt_no__gte=LAST_ATTEMPT,
        status__in=[FollowUpStatus.DONE, FollowUpStatus.SKIPPED],
        completed_at__lte=cutoff,
    )
    open_followup = FollowUp.objects.filter(job=OuterRef("pk"), status=FollowUpStatus.PENDING)
    recent_outreach = Outreach.objects.filter(job=OuterRef("pk")).filter(
        Q(sent_at__gt=cutoff) | Q(created_at__gt=cutoff)
    )
    condition = (
        Q(archived=False)
        & ~Q(stage__in=[JobStage.REJECTED, JobStage.DORMANT, JobStage.OFFER])
        & Exists(last_attempt_closed)
        & ~Exists(open_followup)
        & ~Exists(recent_outreach)
    )
    return queryset.annotate(
        dormant_candidate=ExpressionWrapper(condition, output_field=BooleanField())
    )


def enrichment_batch(pk: int) -> EnrichmentBatch | None:
    """One enrichment batch (its progress is on the model), or None."""
    return EnrichmentBatch.objects.filter(pk=pk).first()


def sequence_assignment_conflicts(ids: list[int], sequence: Sequence) -> dict[str, int]:
    """Of these outreaches, how many another sequence would be taken from, and how many are
    running theirs: one query."""
    return Outreach.objects.filter(pk__in=ids).aggregate(
        other_sequence=Count("pk", filter=Q(sequence__isnull=False) & ~Q(sequence=sequence)),
        running=Count("pk", filter=Q(current_state__in=RUNNING_STATES)),
    )
