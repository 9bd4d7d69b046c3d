"""Contact heat: how warm a person is, from their last touch, replies and open follow-ups.

score = recency of the last touch (≤3 days 50, ≤7 days 40, ≤14 days 25, ≤30 days 10, else 0)
      + 20 when they replied in the last 30 days
      + strength (strong 20, medium 12, weak 5)
      + 10 while a follow-up is open,
0 for people who asked not to be contacted or said no. hot ≥ 75, warm ≥ 45, else cold.

The score is one SQL expression, so a page of people gets it with its rows (and could sort by
it); whether a follow-up is open is the follow-ups app's to say, so it comes in as an argument
(`followups.selectors.people_with_heat` puts the two together).
"""

from datetime import datetime, timedelta

from django.db.models import Case, Expression, F, IntegerField, Q, QuerySet, Value, When

from .choices import PersonStatus, Strength

RECENCY_POINTS = ((3, 50), (7, 40), (14, 25), (30, 10))
RECENT_REPLY_DAYS = 30
RECENT_REPLY_POINTS = 20
STRENGTH_POINTS = {Strength.STRONG: 20, Strength.MEDIUM: 12, Strength.WEAK: 5}
OPEN_FOLLOW_UP_POINTS = 10
COLD_STATUSES = (PersonStatus.DO_NOT_CONTACT, PersonStatus.NOT_INTERESTED)
HOT, WARM = 75, 45


def _points(condition_points: list[tuple[Q, int]]) -> Case:
    return Case(
        *(When(condition, then=Value(points)) for condition, points in condition_points),
        default=Value(0),
        output_field=IntegerField(),
    )


def with_heat_score(
    queryset: QuerySet, *, has_open_follow_up: Expression, now: datetime
) -> QuerySet:
    """Annotate `heat_score` (0–100; the parts add up to at most 100) on people."""
    # The last touch is the later of the two; either may be missing.
    last_touch = Case(
        When(last_contacted_at__isnull=True, then=F("last_replied_at")),
        When(last_replied_at__isnull=True, then=F("last_contacted_at")),
        When(last_contacted_at__gt=F("last_replied_at"), then=F("last_contacted_at")),
        default=F("last_replied_at"),
    )
    recency = Case(
        *(
            When(Q(last_touch__gte=now - timedelta(days=days)), then=Value(points))
            for days, points in RECENCY_POINTS
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    replied = _points(
        [(Q(last_replied_at__gte=now - timedelta(days=RECENT_REPLY_DAYS)), RECENT_REPLY_POINTS)]
    )
    strength = _points([(Q(strength=value), points) for value, points in STRENGTH_POINTS.items()])
    follow_up = Case(
        When(has_open_follow_up, then=Value(OPEN_FOLLOW_UP_POINTS)),
        default=Value(0),
        output_field=IntegerField(),
    )
    score = Case(
        When(status__in=COLD_STATUSES, then=Value(0)),
        default=recency + replied + strength + follow_up,
        output_field=IntegerField(),
    )
    return queryset.annotate(last_touch=last_touch).annotate(heat_score=score)


def contact_heat_label(score: int) -> str:
    if score >= HOT:
        return "hot"
    if score >= WARM:
        return "warm"
    return "cold"
