"""Inputs that once crashed or were taken though they should not be: each is a 4xx naming the
field, or (for derived text) shortened to fit."""

import json

import pytest

from followups.models import FollowUp
from tests.factories import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("score", [1e28, "1e30", 1e308, -1e308, "NaN", "Infinity", 10**40])
def test_huge_or_odd_scores_are_400(api, score):
    response = api.post(
        "/api/outreaches", {"channel": "email", "personalization_score": score}, format="json"
    )
    assert response.status_code == 400
    assert "personalization_score" in response.json()


def test_long_names_make_a_shortened_follow_up_title(api):
    company = CompanyFactory(name="C" * 200)
    person = PersonFactory(company=company, first_name="F" * 100, last_name="L" * 100)
    response = api.post(
        "/api/outreaches",
        {"person_id": person.public_id, "channel": "email", "sent_at": "2026-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 201
    (followup,) = FollowUp.objects.all()
    assert len(followup.title) == 300 and followup.title.endswith("…")


def test_a_sent_at_at_the_end_of_time_is_taken(api):
    response = api.post(
        "/api/outreaches",
        {"channel": "email", "sent_at": "9999-12-31T23:59:59-12:00"},
        format="json",
    )
    assert response.status_code == 400
    assert "sent_at" in response.json()
    at_the_edge = api.post(
        "/api/outreaches", {"channel": "email", "sent_at": "9999-12-31T00:00:00Z"}, format="json"
    )
    assert at_the_edge.status_code == 201


def test_a_nul_in_a_compatible_insert_is_400(api):
    body = {"desc": {"outreach_type": "GMail_DirectMessage", "status": "pending", "tag": "a\x00b"}}
    response = api.post(
        "/ajax/outreach/insert.json", json.dumps(body), content_type="application/json"
    )
    assert 400 <= response.status_code < 500


def test_api_answers_are_never_cached_across_callers(api):
    response = api.get("/api/outreaches")
    assert response["Cache-Control"] == "no-store"
    assert "Authorization" in response["Vary"]
