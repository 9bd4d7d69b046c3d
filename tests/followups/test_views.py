"""The follow-up queue page: due follow-ups done or skipped, stale outreaches' outcomes logged."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.factories import FollowUpFactory, OutreachFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_followup_queue_done_and_skip(dash):
    overdue = FollowUpFactory(title="Call Ann", due_at=timezone.now() - datetime.timedelta(days=2))
    today = FollowUpFactory(title="Mail Ben", due_at=timezone.now())
    html = dash.get("/followups/").content.decode()
    assert "Call Ann" in html and "Mail Ben" in html

    response = dash.post(f"/followups/{overdue.public_id}/status/", {"status": "done"}, follow=True)
    assert "Done: Call Ann." in response.content.decode()
    dash.post(f"/followups/{today.public_id}/status/", {"status": "skipped"})
    overdue.refresh_from_db()
    today.refresh_from_db()
    assert (overdue.status, today.status) == ("done", "skipped")
    assert overdue.completed_at is not None

    refused = dash.post(f"/followups/{today.public_id}/status/", {"status": "lost"}, follow=True)
    assert "Unknown action for a follow-up." in refused.content.decode()


def test_queue_lists_stale_outreaches_and_logs_their_outcome(dash):
    old = timezone.now() - datetime.timedelta(days=3)
    stale = OutreachFactory(sent_at=old, person=PersonFactory(first_name="Stan", last_name="Lee"))
    OutreachFactory(sent_at=timezone.now())  # too recent
    OutreachFactory(sent_at=old, outcome="positive")  # has an outcome

    html = dash.get("/followups/").content.decode()
    assert "Stan Lee" in html
    assert re.findall(r'action="/followups/stale/(out_\d+)/outcome/"', html) == [stale.public_id]
    assert "sent over 48 hours ago" in dash.get("/followups/").content.decode()
    assert "Stan Lee" not in dash.get("/followups/?hours=100").content.decode()

    response = dash.post(
        f"/followups/stale/{stale.public_id}/outcome/", {"outcome": "replied"}, follow=True
    )
    assert "Logged “replied” for Stan Lee." in response.content.decode()
    stale.refresh_from_db()
    assert stale.outcome == "replied"

    bad = dash.post(
        f"/followups/stale/{stale.public_id}/outcome/", {"outcome": "none"}, follow=True
    )
    assert (
        "Select a valid choice. none is not one of the available choices." in bad.content.decode()
    )

    warned = dash.get("/followups/?hours=0", follow=True)
    assert "hours: Ensure this value is greater than or equal to 1." in warned.content.decode()
