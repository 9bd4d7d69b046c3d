"""The stale list can be cleared: logging any outcome takes an outreach off it (no response
schedules the next attempt), and every list of the queue that stops says how many more there are
and links to all of them."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from followups.models import FollowUp
from outreach.models import Outreach
from outreach.selectors import stale_outreaches
from tests.factories import FollowUpFactory, OutreachFactory, PersonFactory, SequenceFactory
from workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db

DAYS_AGO = timezone.now() - datetime.timedelta(days=3)


def stale_ids(html: str) -> list[str]:
    return re.findall(r'action="/followups/stale/(out_\d+)/outcome/"', html)


def stale_count() -> int:
    return stale_outreaches(limit=1)[1]


@pytest.mark.parametrize(
    "outcome", ["no_response", "replied", "positive", "negative", "bounced", "unsubscribed"]
)
def test_logging_any_outcome_takes_the_outreach_off_the_list(dash, outcome):
    kept = OutreachFactory(sent_at=DAYS_AGO - datetime.timedelta(hours=1))
    logged = OutreachFactory(sent_at=DAYS_AGO)
    assert stale_ids(dash.get("/followups/").content.decode()) == [
        kept.public_id,
        logged.public_id,
    ]

    response = dash.post(
        f"/followups/stale/{logged.public_id}/outcome/", {"outcome": outcome}, follow=True
    )

    assert stale_ids(response.content.decode()) == [kept.public_id]
    assert stale_count() == 1
    logged.refresh_from_db()
    assert logged.outcome == outcome


def test_no_response_again_still_takes_it_off(dash):
    """An outreach whose outcome already was no response (logged long ago) is stale again; logging
    no response once more is a new look, so it leaves the list."""
    quiet = OutreachFactory(sent_at=DAYS_AGO, outcome="no_response")
    assert stale_count() == 1

    dash.post(f"/followups/stale/{quiet.public_id}/outcome/", {"outcome": "no_response"})

    assert stale_count() == 0
    entry = AuditEntry.objects.get(object_id=quiet.public_id)
    assert entry.changes == {"outcome": ["no_response", "no_response"]}


def test_it_comes_back_when_hours_pass_again_without_news(dash):
    quiet = OutreachFactory(sent_at=DAYS_AGO)
    dash.post(f"/followups/stale/{quiet.public_id}/outcome/", {"outcome": "no_response"})
    assert stale_count() == 0
    AuditEntry.objects.filter(object_id=quiet.public_id).update(created_at=DAYS_AGO)
    assert stale_count() == 1
    # A later look at another outreach does not count for this one.
    other = OutreachFactory(sent_at=DAYS_AGO)
    dash.post(f"/followups/stale/{other.public_id}/outcome/", {"outcome": "no_response"})
    assert [o.pk for o in stale_outreaches()[0]] == [quiet.pk]


def test_no_response_schedules_the_next_attempt(dash):
    quiet = OutreachFactory(sent_at=DAYS_AGO, person=PersonFactory(first_name="Stan"))
    FollowUpFactory(
        outreach=quiet, person=quiet.person, attempt_no=1, status="done", completed_at=DAYS_AGO
    )

    response = dash.post(
        f"/followups/stale/{quiet.public_id}/outcome/", {"outcome": "no_response"}, follow=True
    )

    attempt = FollowUp.objects.get(outreach=quiet, status="pending")
    assert attempt.attempt_no == 2
    assert attempt.due_at > timezone.now() + datetime.timedelta(days=2)
    html = response.content.decode()
    assert "Logged “no response yet” for Stan" in html
    assert "Follow-up attempt 2 is due" in html


def test_a_pending_attempt_is_the_next_one(dash):
    quiet = OutreachFactory(sent_at=DAYS_AGO)
    due = timezone.now() + datetime.timedelta(hours=5)
    pending = FollowUpFactory(outreach=quiet, person=quiet.person, attempt_no=1, due_at=due)

    response = dash.post(
        f"/followups/stale/{quiet.public_id}/outcome/", {"outcome": "no_response"}, follow=True
    )

    assert list(FollowUp.objects.filter(outreach=quiet)) == [pending]
    assert "Follow-up attempt 1 stays due" in response.content.decode()


def test_an_overdue_pending_attempt_is_said_to_wait_in_the_queue(dash):
    quiet = OutreachFactory(sent_at=DAYS_AGO)
    FollowUpFactory(outreach=quiet, person=quiet.person, attempt_no=1, due_at=DAYS_AGO)
    response = dash.post(
        f"/followups/stale/{quiet.public_id}/outcome/", {"outcome": "no_response"}, follow=True
    )
    assert "Follow-up attempt 1 is waiting in the queue (due " in response.content.decode()


def test_after_the_last_attempt_nothing_more_is_scheduled(dash):
    quiet = OutreachFactory(sent_at=DAYS_AGO)
    FollowUpFactory(outreach=quiet, attempt_no=2, status="done", completed_at=DAYS_AGO)

    response = dash.post(
        f"/followups/stale/{quiet.public_id}/outcome/", {"outcome": "no_response"}, follow=True
    )

    assert not FollowUp.objects.filter(outreach=quiet, status="pending").exists()
    assert "That was the last attempt of following up." in response.content.decode()
    assert stale_count() == 0


def test_a_reply_from_the_list_has_the_outcome_effects(dash):
    quiet = OutreachFactory(sent_at=DAYS_AGO)
    FollowUpFactory(outreach=quiet, person=quiet.person, attempt_no=1)
    dash.post(f"/followups/stale/{quiet.public_id}/outcome/", {"outcome": "replied"})
    statuses = dict(FollowUp.objects.filter(outreach=quiet).values_list("kind", "status"))
    assert statuses == {"follow_up": "canceled", "respond": "pending"}


def test_the_default_choice_is_no_response_and_says_what_it_does(dash):
    OutreachFactory(sent_at=DAYS_AGO, outcome="none")
    html = dash.get("/followups/").content.decode()
    selected = re.findall(r'<option value="(\w+)" selected>([^<]+)</option>', html)
    assert selected == [("no_response", "No response yet: follow up again")]


def test_the_stale_list_says_how_many_more_and_links_to_all(dash):
    rows = [OutreachFactory(sent_at=DAYS_AGO - datetime.timedelta(minutes=i)) for i in range(27)]
    html = dash.get("/followups/").content.decode()
    assert len(stale_ids(html)) == 25
    assert "Showing the 25 oldest of 27." in html
    assert '<a href="/followups/stale/?hours=48">See all 27 stale outreaches →</a>' in html
    assert "GET /api/" not in html

    full = dash.get("/followups/stale/?hours=48").content.decode()
    assert stale_ids(full) == [o.public_id for o in reversed(rows)]
    assert "1–27 of 27" in full

    second = dash.get("/followups/stale/?hours=48&per=10&page=3").content.decode()
    assert len(stale_ids(second)) == 7


def test_logging_from_the_full_list_comes_back_to_it(dash):
    quiet = OutreachFactory(sent_at=DAYS_AGO)
    back = "/followups/stale/?hours=48&page=1"
    response = dash.post(
        f"/followups/stale/{quiet.public_id}/outcome/", {"outcome": "bounced", "next": back}
    )
    assert response["Location"] == back
    elsewhere = dash.post(
        f"/followups/stale/{quiet.public_id}/outcome/",
        {"outcome": "bounced", "next": "https://example.org/"},
    )
    assert elsewhere["Location"] == "/followups/"


@pytest.mark.parametrize(
    ("section", "offset", "heading"),
    [
        ("overdue", datetime.timedelta(days=-3), "Overdue"),
        ("upcoming", datetime.timedelta(days=3), "Next 7 days"),
    ],
)
def test_a_queue_section_says_how_many_more_and_links_to_all(dash, section, offset, heading):
    for i in range(26):
        FollowUpFactory(
            title=f"Call {i}", due_at=timezone.now() + offset + datetime.timedelta(minutes=i)
        )
    html = dash.get("/followups/").content.decode()
    assert "Showing the 25 due first of 26." in html
    assert f'<a href="/followups/due/{section}/">See all 26 →</a>' in html

    full = dash.get(f"/followups/due/{section}/").content.decode()
    assert f"<h1>{heading}</h1>" in full
    assert all(f"Call {i}<" in full for i in range(26))
    assert "1–26 of 26" in full
    assert dash.get("/followups/due/someday/").status_code == 404


def test_done_from_a_section_page_comes_back_to_it(dash):
    followup = FollowUpFactory(due_at=timezone.now() - datetime.timedelta(days=2))
    response = dash.post(
        f"/followups/{followup.public_id}/status/",
        {"status": "done", "next": "/followups/due/overdue/"},
    )
    assert response["Location"] == "/followups/due/overdue/"


@pytest.mark.parametrize("path", ["/followups/stale/?per=200", "/followups/due/overdue/?per=200"])
def test_full_lists_cost_the_same_queries_for_1_row_and_30(dash, path):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert dash.get(path).status_code == 200
        return len(captured)

    OutreachFactory(sent_at=DAYS_AGO, job=None)
    FollowUpFactory(due_at=DAYS_AGO)
    one = queries()
    for _ in range(29):
        OutreachFactory(sent_at=DAYS_AGO)
        FollowUpFactory(due_at=DAYS_AGO)
    assert queries() == one
    assert Outreach.objects.stale().count() == 30


def test_the_outreach_page_logs_an_outcome_the_same_way(dash):
    quiet = OutreachFactory(sent_at=DAYS_AGO)
    FollowUpFactory(outreach=quiet, attempt_no=1, status="done", completed_at=DAYS_AGO)
    sequence = SequenceFactory()

    response = dash.post(
        f"/outreaches/{quiet.public_id}/update/",
        {"outcome": "no_response", "approved": "on", "sequence": sequence.pk},
        follow=True,
    )

    assert "Outreach updated." in response.content.decode()
    quiet.refresh_from_db()
    assert (quiet.outcome, quiet.approved, quiet.sequence_id) == ("no_response", True, sequence.pk)
    assert FollowUp.objects.get(outreach=quiet, status="pending").attempt_no == 2
    assert stale_count() == 0
    assert "Outcome logged: no response" in response.content.decode()
