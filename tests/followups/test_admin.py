"""The follow-up admin writes through the follow-up services."""

import pytest
from django.utils import timezone

from followups.models import FollowUp
from tests.support.admin import change_form_data, make_followup, url

pytestmark = pytest.mark.django_db


def test_follow_up_needs_a_subject(admin_client):
    data = change_form_data(admin_client.get(url(FollowUp, "add")))

    response = admin_client.post(
        url(FollowUp, "add"),
        {**data, "title": "About nothing", "due_at_0": "2025-03-01", "due_at_1": "12:00:00"},
    )

    assert response.status_code == 200
    assert not FollowUp.objects.exists()
    assert response.context["adminform"].form.errors


def test_marking_a_follow_up_done_stamps_completed_at(admin_client):
    followup = make_followup()
    data = change_form_data(admin_client.get(url(FollowUp, "change", followup.pk)))

    response = admin_client.post(url(FollowUp, "change", followup.pk), {**data, "status": "done"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    followup.refresh_from_db()
    assert followup.status == "done"
    assert followup.completed_at is not None
    assert followup.completed_at <= timezone.now()
