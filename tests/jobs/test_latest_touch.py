"""A job's heat weighs its most recently touched outreach: sent (else recorded), or an outcome
logged on it later, so a reply logged on an older outreach counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import Job
from jobs.services import job_explain_heat
from outreach.selectors import job_latest_touch
from tests.factories import JobFactory, OutreachFactory

pytestmark = pytest.mark.django_db


def test_a_reply_logged_on_an_older_outreach_is_the_latest_touch(api):
    job = JobFactory(stage="applied")
    now = timezone.now()
    older = OutreachFactory(job=job, sent_at=now - timedelta(days=10), channel="phone")
    newer = OutreachFactory(job=job, sent_at=now - timedelta(days=2), channel="email")
    assert job_latest_touch(job_id=job.pk).channel == "email"

    response = api.patch(f"/api/outreaches/{older.public_id}", {"outcome": "positive"})
    assert response.status_code == 200

    latest = job_latest_touch(job_id=job.pk)
    assert (latest.outcome, latest.channel) == ("positive", "phone")
    assert latest.touched_at > now
    explained = job_explain_heat(Job.objects.get(pk=job.pk))
    assert explained.outcome_points == 30
    assert explained.days_since_touch == 0
    assert Job.objects.get(pk=job.pk).heat_score == explained.heat_score

    # Sending the newer one again later makes it the latest once more.
    newer.sent_at = timezone.now() + timedelta(minutes=1)
    newer.save(update_fields=["sent_at"])
    assert job_latest_touch(job_id=job.pk).channel == "email"


def test_an_outcome_logged_on_another_jobs_outreach_does_not_count(api):
    job, other_job = JobFactory(), JobFactory()
    now = timezone.now()
    OutreachFactory(job=job, sent_at=now - timedelta(days=1), channel="email")
    elsewhere = OutreachFactory(job=other_job, sent_at=now - timedelta(days=9))
    api.patch(f"/api/outreaches/{elsewhere.public_id}", {"outcome": "replied"})
    assert job_latest_touch(job_id=job.pk).outcome == "none"


def test_the_latest_touch_is_one_query_whatever_the_outreaches(django_assert_num_queries, api):
    job = JobFactory()
    rows = [
        OutreachFactory(job=job, sent_at=timezone.now() - timedelta(days=i)) for i in range(1, 8)
    ]
    for row in rows[3:]:
        api.patch(f"/api/outreaches/{row.public_id}", {"outcome": "no_response"})
    with django_assert_num_queries(1):
        latest = job_latest_touch(job_id=job.pk)
    assert latest.outcome == "no_response"
