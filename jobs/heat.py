"""Job heat: how promising a job is right now, by the job-search desk's heat rules.

heat_score (0–100) = stage base + (outcome + person strength + channel + personalization ÷ 5 of
the latest outreach) × decay, where decay = 0.5 ^ (days since that outreach / 7) with days capped
at 30 and the factor never below 0.25. Offer, rejected and dormant jobs are capped; archived jobs
are 0. heat (0–3) buckets the score.

The rules weigh the outcomes none, no_response, positive and negative; the other outcomes of this
product are weighed here by their closest meaning: replied like no-news-yet-but-engaged (20),
bounced and unsubscribed like a negative answer.
"""

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

STAGE_BASE = {
    "applied": 35,
    "hr": 50,
    "tech": 65,
    "offer": 80,
    "rejected": 10,
    "dormant": 5,
}
STAGE_CAP = {"offer": 95, "rejected": 20, "dormant": 15}
OUTCOME_POINTS = {
    "positive": 30,
    "replied": 20,
    "no_response": 15,
    "none": 5,
    "negative": -20,
    "bounced": -20,
    "unsubscribed": -20,
}
STRENGTH_POINTS = {"strong": 20, "medium": 12, "weak": 6}
NO_PERSON_POINTS = 4
CHANNEL_POINTS = {"email": 12, "linkedin": 14, "phone": 16}
OTHER_CHANNEL_POINTS = 8
DECAY_HALF_LIFE_DAYS = 7
DECAY_MAX_DAYS = 30
DECAY_FLOOR = 0.25


@dataclass(frozen=True)
class LatestTouch:
    """What heat needs of a job's latest outreach."""

    outcome: str
    strength: str | None  # None when the outreach names no person
    channel: str
    personalization_score: int
    touched_at: datetime


@dataclass(frozen=True)
class HeatExplanation:
    stage: str
    archived: bool
    stage_base: int
    outcome_points: int
    strength_points: int
    channel_points: int
    personalization_points: float
    added: float
    days_since_touch: float | None
    decay: float
    cap: int | None
    heat_score: int
    heat: int

    def as_dict(self) -> dict:
        return asdict(self)


def heat_bucket(score: int) -> int:
    if score <= 24:
        return 0
    if score <= 49:
        return 1
    if score <= 74:
        return 2
    return 3


def _round(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def decay_factor(days: float) -> float:
    days = min(max(days, 0.0), DECAY_MAX_DAYS)
    return max(0.5 ** (days / DECAY_HALF_LIFE_DAYS), DECAY_FLOOR)


def explain_heat(
    *, stage: str, archived: bool, latest: LatestTouch | None, now: datetime
) -> HeatExplanation:
    """Every part of the heat of one job, and the total."""
    base = STAGE_BASE[stage]
    outcome = strength = channel = 0
    personalization = 0.0
    days = None
    decay = 1.0
    if latest is not None:
        outcome = OUTCOME_POINTS.get(latest.outcome, 0)
        strength = STRENGTH_POINTS.get(latest.strength, 0) if latest.strength else NO_PERSON_POINTS
        channel = CHANNEL_POINTS.get(latest.channel, OTHER_CHANNEL_POINTS)
        personalization = latest.personalization_score / 5
        days = max((now - latest.touched_at).total_seconds() / 86_400, 0.0)
        decay = decay_factor(days)
    added = outcome + strength + channel + personalization
    cap = STAGE_CAP.get(stage)
    score = base + added * decay
    if cap is not None:
        score = min(score, cap)
    score = 0 if archived else min(max(_round(score), 0), 100)
    return HeatExplanation(
        stage=stage,
        archived=archived,
        stage_base=base,
        outcome_points=outcome,
        strength_points=strength,
        channel_points=channel,
        personalization_points=personalization,
        added=added,
        days_since_touch=None if days is None else round(days, 2),
        decay=round(decay, 4),
        cap=cap,
        heat_score=score,
        heat=heat_bucket(score),
    )
