"""Overdue means one thing everywhere: a pending follow-up due before today (the queue's
"Overdue"). A "Respond" to-do is due the moment a reply makes it, so it is due today, not red."""

import datetime

import pytest
from django.utils import timezone

from followups.models import start_of_today
from followups.services import followup_create_respond
from tests.factories import FollowUpFactory, OutreachFactory

pytestmark = pytest.mark.django_db

OVERDUE = '<span class="badge badge--overdue">overdue</span>'


def test_a_new_respond_to_do_is_due_today_not_overdue(dash):
    outreach = OutreachFactory()
    respond = followup_create_respond(outreach=outreach)

    assert (respond.is_overdue, respond.is_due_today) == (False, True)
    html = dash.get(f"/outreaches/{outreach.public_id}/").content.decode()
    assert "Respond to" in html
    assert OVERDUE not in html
    assert '<span class="badge badge--starting">due today</span>' in html
    assert OVERDUE not in dash.get("/").content.decode()


def test_a_follow_up_due_before_today_is_overdue_on_the_outreach_page_and_home(dash):
    outreach = OutreachFactory()
    FollowUpFactory(
        outreach=outreach,
        person=outreach.person,
        title="Call back",
        due_at=start_of_today() - datetime.timedelta(minutes=1),
    )

    assert OVERDUE in dash.get(f"/outreaches/{outreach.public_id}/").content.decode()
    assert OVERDUE in dash.get("/").content.decode()


@pytest.mark.parametrize(
    ("due", "status", "overdue", "today"),
    [
        (datetime.timedelta(minutes=-1), "pending", True, False),
        (datetime.timedelta(0), "pending", False, True),
        (datetime.timedelta(hours=23, minutes=59), "pending", False, True),
        (datetime.timedelta(days=1), "pending", False, False),
        (datetime.timedelta(days=-3), "done", False, False),
    ],
)
def test_overdue_and_due_today_around_midnight(due, status, overdue, today):
    followup = FollowUpFactory(due_at=start_of_today() + due, status=status)
    assert (followup.is_overdue, followup.is_due_today) == (overdue, today)


def test_start_of_today_is_local_midnight(settings):
    settings.TIME_ZONE = "America/New_York"
    moment = datetime.datetime(2026, 3, 1, 3, 30, tzinfo=datetime.UTC)  # 22:30 the day before
    start = start_of_today(moment)
    assert timezone.localtime(start).date() == datetime.date(2026, 2, 28)
    assert (start.hour, start.minute) == (0, 0)
