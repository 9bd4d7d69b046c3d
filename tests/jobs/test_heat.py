"""Job heat pinned by hand-computed cases of the heat formula the follow-up rules define."""

from datetime import UTC, datetime, timedelta

import pytest

from jobs.heat import LatestTouch, explain_heat, heat_bucket

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def touch(days=0.0, outcome="none", strength="weak", channel="email", score=70):
    return LatestTouch(
        outcome=outcome,
        strength=strength,
        channel=channel,
        personalization_score=score,
        touched_at=NOW - timedelta(days=days),
    )


def score(stage="applied", archived=False, latest=None):
    return explain_heat(stage=stage, archived=archived, latest=latest, now=NOW)


# added part of the reference touch: none 5 + weak 6 + email 12 + 70/5 14 = 37
@pytest.mark.parametrize(
    ("stage", "expected_score", "expected_heat"),
    [
        ("applied", 72, 2),  # 35 + 37
        ("hr", 87, 3),  # 50 + 37
        ("tech", 100, 3),  # 65 + 37 = 102, clamped to 100
        ("offer", 95, 3),  # 80 + 37 = 117, offer cap 95
        ("rejected", 20, 0),  # 10 + 37 = 47, rejected cap 20
        ("dormant", 15, 0),  # 5 + 37 = 42, dormant cap 15
    ],
)
def test_each_stage(stage, expected_score, expected_heat):
    result = score(stage=stage, latest=touch())
    assert (result.heat_score, result.heat) == (expected_score, expected_heat)
    assert result.added == 37


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("positive", 97),  # 35 + 30 + 6 + 12 + 14
        ("no_response", 82),  # 35 + 15 + 32
        ("none", 72),  # 35 + 5 + 32
        ("negative", 47),  # 35 - 20 + 32
        ("replied", 87),  # 35 + 20 + 32
        ("bounced", 47),
        ("unsubscribed", 47),
    ],
)
def test_each_outcome(outcome, expected):
    assert score(latest=touch(outcome=outcome)).heat_score == expected


@pytest.mark.parametrize(
    ("strength", "expected"),
    [("strong", 86), ("medium", 78), ("weak", 72), (None, 70)],  # no person: 4 points
)
def test_person_strength(strength, expected):
    assert score(latest=touch(strength=strength)).heat_score == expected


@pytest.mark.parametrize(
    ("channel", "expected"),
    [("email", 72), ("linkedin", 74), ("phone", 76), ("other", 68), ("facebook", 68)],
)
def test_channel(channel, expected):
    assert score(latest=touch(channel=channel)).heat_score == expected


def test_personalization_counts_a_fifth():
    assert score(latest=touch(score=100)).heat_score == 78  # 35 + 5 + 6 + 12 + 20
    assert score(latest=touch(score=0)).heat_score == 58  # 35 + 5 + 6 + 12 + 0


@pytest.mark.parametrize(
    ("days", "decay", "expected"),
    [
        (0, 1.0, 72),  # 35 + 37
        (3.5, 0.7071, 61),  # 35 + 37 * 0.7071 = 61.16
        (7, 0.5, 54),  # 35 + 18.5 = 53.5, rounded half up
        (14, 0.25, 44),  # 35 + 9.25
        (30, 0.25, 44),  # 0.5^(30/7) = 0.051, floored at 0.25
        (90, 0.25, 44),  # days capped at 30
    ],
)
def test_decay(days, decay, expected):
    result = score(latest=touch(days=days))
    assert result.decay == pytest.approx(decay, abs=1e-4)
    assert result.heat_score == expected


def test_a_touch_in_the_future_does_not_grow_the_score():
    assert score(latest=touch(days=-2)).heat_score == 72


def test_no_outreach_is_the_stage_base():
    result = score(stage="hr")
    assert (result.heat_score, result.heat, result.added, result.days_since_touch) == (
        50,
        2,
        0,
        None,
    )


def test_archived_is_zero_whatever_else():
    assert score(stage="offer", archived=True, latest=touch(outcome="positive")).heat_score == 0


def test_negative_total_is_clamped_to_zero():
    # 5 - 20 + 4 (no person) + 8 (other channel) + 0 = -3
    latest = touch(outcome="negative", strength=None, channel="other", score=0)
    assert score(stage="dormant", latest=latest).heat_score == 0


@pytest.mark.parametrize(
    ("value", "bucket"), [(0, 0), (24, 0), (25, 1), (49, 1), (50, 2), (74, 2), (75, 3), (100, 3)]
)
def test_buckets(value, bucket):
    assert heat_bucket(value) == bucket


def test_explanation_lists_every_part():
    parts = score(stage="tech", latest=touch(days=7)).as_dict()
    assert parts == {
        "stage": "tech",
        "archived": False,
        "stage_base": 65,
        "outcome_points": 5,
        "strength_points": 6,
        "channel_points": 12,
        "personalization_points": 14.0,
        "added": 37.0,
        "days_since_touch": 7.0,
        "decay": 0.5,
        "cap": None,
        "heat_score": 84,
        "heat": 3,
    }
