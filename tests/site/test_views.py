"""The site's own pages: the home dashboard (charts and numbers) and the API docs."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import FollowUpFactory, OutreachFactory, SequenceFactory

pytestmark = pytest.mark.django_db


# --- home ------------------------------------------------------------------------------------


def test_home_shows_charts_and_numbers(dash):
    sequence = SequenceFactory(name="Founders")
    sent = timezone.now() - datetime.timedelta(days=1)
    OutreachFactory(state="ready", sequence=sequence, sent_at=sent, outcome="replied")
    OutreachFactory(state="ready", sequence=sequence, sent_at=sent)
    OutreachFactory(channel="linkedin", outcome="positive")
    FollowUpFactory(due_at=timezone.now() - datetime.timedelta(days=3))
    FollowUpFactory(due_at=timezone.now() - datetime.timedelta(days=2))

    html = dash.get("/").content.decode()

    assert html.count('<figure class="chart') == 4
    assert "Ready: 2" in html  # funnel bar description
    assert "LinkedIn · Positive: 1" in html  # outcome segment
    assert "Founders: 50 % (1/2)" in html  # reply rate bar
    assert "Overdue: 2" in html
    assert re.search(r"Reply rate</div>\s*<div class=\"stat__value\">50 %", html)


def test_home_query_count_does_not_grow_with_data(dash):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert dash.get("/").status_code == 200
        return len(queries)

    OutreachFactory(sequence=SequenceFactory(), sent_at=timezone.now())
    FollowUpFactory(due_at=timezone.now())
    few = count()
    for _ in range(15):
        OutreachFactory(sequence=SequenceFactory(), sent_at=timezone.now())
        FollowUpFactory(due_at=timezone.now())
    assert count() == few


def test_home_has_empty_states_without_data(dash):
    html = dash.get("/").content.decode()
    assert "No outreaches yet" in html
    assert "Nothing sent on a sequence yet" in html


# --- API docs --------------------------------------------------------------------------------


def test_api_docs_page_works_offline_with_a_back_link(dash):
    html = dash.get("/api/docs").content.decode()
    assert "← Back to app" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert 'data-schema-url="/api/schema"' in html


def test_docs_page_works_offline_with_a_way_back(client, user):
    client.force_login(user)
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "← Back to app" in html
    assert "/api/schema" in html
    assert "cdn" not in html.lower()
    assert "swagger-ui" in html
