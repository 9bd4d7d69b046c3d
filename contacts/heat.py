"""Contact heat: how warm a person is, from their last touch, replies and open follow-ups.

score = recency of the last touch (≤3 days 50, ≤7 days 40, ≤14 days 25, ≤30 days 10, else 0)
      + 20 when they replied in the last 30 days
      + strength (strong 20, medium 12, weak 5)
      + 10 while a follow-up is open,
0 for people who asked not to be contacted or said no. hot ≥ 75, warm ≥ 45, else cold.
"""

from datetime import datetime

RECENCY_POINTS = ((3, 50), (7, 40), (14, 25), (30, 10))
RECENT_REPLY_DAYS = 30
RECENT_REPLY_POINTS = 20
STRENGTH_POINTS = {"strong": 20, "medium": 12, "weak": 5}
OPEN_FOLLOW_UP_POINTS = 10
COLD_STATUSES = {"do_not_contact", "not_interested"}
HOT, WARM = 75, 45


def _days(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else (now - then).total_seconds() / 86_400


def contact_heat_score(
    *,
    status: str,
    strength: str,
    last_contacted_at: datetime | None,
    last_replied_at: datetime | None,
    has_open_follow_up: bool,
    now: datetime,
) -> int:
    if status in COLD_STATUSES:
        return 0
    touches = [t for t in (last_contacted_at, last_replied_at) if t is not None]
    score = 0
    if touches:
        days = _days(now, max(touches))
        score += next((points for limit, points in RECENCY_POINTS if days <= limit), 0)
    replied_days = _days(now, last_replied_at)
    if replied_days is not None and replied_days <= RECENT_REPLY_DAYS:
        score += RECENT_REPLY_POINTS
    score += STRENGTH_POINTS.get(strength, 0)
    if has_open_follow_up:
        score += OPEN_FOLLOW_UP_POINTS
    return min(score, 100)


def contact_heat_label(score: int) -> str:
    if score >= HOT:
        return "hot"
    if score >= WARM:
        return "warm"
    return "cold"
