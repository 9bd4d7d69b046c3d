"""The dashboard's pages: login, CSRF, the layout, the home charts and the smaller lists."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outreach.models import Sequence
from tests.factories import (
    CompanyFactory,
    FollowUpFactory,
    JobFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    SequenceStepFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def dash(client, user):
    client.force_login(user)
    return client


def page_urls():
    outreach = OutreachFactory(body="hello")
    sequence = SequenceFactory()
    SequenceStepFactory(sequence=sequence)
    job = JobFactory(company=outreach.company)
    return [
        "/",
        "/outreaches/",
        f"/outreaches/{outreach.public_id}/",
        "/followups/",
        "/jobs/",
        f"/jobs/{job.public_id}/",
        "/jobs/new/",
        f"/jobs/{job.public_id}/edit/",
        "/people/",
        f"/people/{outreach.person.public_id}/",
        "/people/new/",
        f"/people/{outreach.person.public_id}/edit/",
        "/people/import/",
        "/companies/",
        f"/companies/{outreach.company.public_id}/",
        "/companies/new/",
        f"/companies/{outreach.company.public_id}/edit/",
        "/sequences/",
        f"/sequences/{sequence.public_id}/",
        "/sequences/new/",
        f"/sequences/{sequence.public_id}/edit/",
    ]


# --- login, logout, CSRF ---------------------------------------------------------------------


def test_every_page_needs_a_login(client):
    for url in page_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url


def test_every_page_renders_in_the_layout_for_a_logged_in_user(dash):
    for url in page_urls():
        response = dash.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'aria-label="Main"' in html, url
        assert "Log out" in html, url


def test_login_page_is_styled_and_logs_in(client):
    UserFactory(username="bob", password="pass-word-123")
    page = client.get("/login/")
    assert page.status_code == 200
    assert b"css/app.css" in page.content
    assert b'<label for="id_username">' in page.content

    wrong = client.post("/login/", {"username": "bob", "password": "nope"})
    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in wrong.content.decode()

    response = client.post("/login/", {"username": "bob", "password": "pass-word-123"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_logout_is_a_post_form_with_csrf(dash):
    html = dash.get("/").content.decode()
    form = re.search(r'<form method="post" action="/logout/">(.*?)</form>', html, re.S)
    assert form and "csrfmiddlewaretoken" in form.group(1)
    assert dash.post("/logout/").status_code == 302
    assert dash.get("/").status_code == 302  # logged out


def test_dashboard_posts_need_the_csrf_token(user):
    outreach = OutreachFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = f"/outreaches/{outreach.public_id}/transition/"

    refused = client.post(url, {"transition": "start_enrichment"})
    assert refused.status_code == 403

    page = client.get(f"/outreaches/{outreach.public_id}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    accepted = client.post(url, {"transition": "start_enrichment", "csrfmiddlewaretoken": token[1]})
    assert accepted.status_code == 302
    outreach.refresh_from_db()
    assert outreach.current_state == "enrichment"


def test_no_inline_scripts_or_event_handlers(dash):
    """A strict Content-Security-Policy can be switched on without breaking a page."""
    for url in [*page_urls(), "/api/docs"]:
        html = dash.get(url).content.decode()
        for script in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S):
            attrs, body = script
            assert "src=" in attrs and not body.strip(), (url, script)
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert "style=" not in html, url


def test_htmx_is_served_from_static_not_a_cdn(dash):
    html = dash.get("/").content.decode()
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in html
    assert "unpkg" not in html and "cdn" not in html.lower()


def test_api_docs_page_works_offline_with_a_back_link(dash):
    html = dash.get("/api/docs").content.decode()
    assert "← Back to app" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert 'data-schema-url="/api/schema"' in html


def test_unknown_and_malformed_ids_are_404(dash):
    assert dash.get("/outreaches/out_999999/").status_code == 404
    assert dash.get("/outreaches/per_1/").status_code == 404
    assert dash.get("/outreaches/banana/").status_code == 404
    assert dash.get("/people/per_99999999999999999999999/").status_code == 404


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

    assert html.count('<svg class="chart"') == 4
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


# --- other lists -----------------------------------------------------------------------------


def test_people_list_filters_with_the_api_filterset_and_sorts(dash):
    acme = CompanyFactory(name="Acme")
    PersonFactory(first_name="Zed", last_name="Zulu", company=acme, status="replied")
    PersonFactory(first_name="Amy", last_name="Alpha", company=acme)
    PersonFactory(first_name="Other", last_name="Person")

    html = dash.get(f"/people/?company_id={acme.public_id}&sort=name&direction=desc").content
    html = html.decode()
    assert "Other Person" not in html
    assert html.index("Zed Zulu") < html.index("Amy Alpha")

    bad = dash.get("/people/?status=bogus").content.decode()
    assert "Select a valid choice" in bad


def test_jobs_are_sorted_by_heat(dash):
    JobFactory(title="Lukewarm role", heat_score=30, heat=1)
    JobFactory(title="Hot role", heat_score=90, heat=3)
    html = dash.get("/jobs/").content.decode()
    assert html.index("Hot role") < html.index("Lukewarm role")


def test_sequences_show_steps_and_results(dash):
    sequence = SequenceFactory(name="Warm intro")
    SequenceStepFactory(sequence=sequence, position=1, subject_template="Hi {first_name}")
    OutreachFactory(sequence=sequence, sent_at=timezone.now(), outcome="positive")
    OutreachFactory(sequence=sequence, sent_at=timezone.now())

    listing = dash.get("/sequences/").content.decode()
    assert "Warm intro" in listing and "50 %" in listing

    detail = dash.get(f"/sequences/{sequence.public_id}/").content.decode()
    assert "Hi {first_name}" in detail
    assert "Step 1" in detail


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


def test_sequence_list_survives_many_sequences_with_constant_queries(dash):
    def count():
        with CaptureQueriesContext(connection) as queries:
            dash.get("/sequences/")
        return len(queries)

    SequenceFactory()
    few = count()
    for _ in range(10):
        SequenceStepFactory(sequence=SequenceFactory())
    assert count() == few
    assert Sequence.objects.count() == 11


def test_job_page_explains_the_heat(dash):
    job = JobFactory(stage="tech")
    OutreachFactory(
        job=job,
        person=PersonFactory(strength="strong"),
        channel="phone",
        outcome="positive",
        personalization_score=50,
        sent_at=timezone.now(),
    )
    html = dash.get(f"/jobs/{job.public_id}/").content.decode()
    for label, value in (
        ("Stage base (tech)", "+65"),
        ("Outcome of the latest outreach", "+30"),
        ("Person&#x27;s strength", "+20"),
        ("Channel", "+16"),
        ("Personalization ÷ 5", "+10"),
    ):
        assert re.search(rf"<dt>{re.escape(label)}</dt><dd>{re.escape(value)}</dd>", html), label
    assert "Heat score now</dt><dd>100 → heat 3 of 3" in html


def test_filter_forms_have_labels_and_start_at_any(dash):
    for url in ("/outreaches/", "/people/", "/companies/", "/jobs/"):
        html = dash.get(url).content.decode()
        assert "[invalid name]" not in html, url
        for select in re.findall(r"<select name=\"(\w+)\"[^>]*>\s*<option value=\"(.*?)\"", html):
            name, first_value = select
            if name not in ("per", "sequence"):
                assert first_value == "", (url, name)
    jobs = dash.get("/jobs/?dormant_candidate=true").content.decode()
    assert '<label for="id_dormant_candidate">Dormant candidate</label>' in jobs


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


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/people/?per=200", lambda: PersonFactory()),
        ("/companies/?per=200", lambda: PersonFactory(company=CompanyFactory()).company),
        ("/jobs/?per=200", lambda: OutreachFactory(job=JobFactory()).job),
        ("/sequences/?per=200", lambda: SequenceStepFactory().sequence),
        ("/followups/", lambda: FollowUpFactory(due_at=timezone.now())),
    ],
)
def test_list_query_counts_do_not_grow_with_rows(dash, url, make):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert dash.get(url).status_code == 200
        return len(queries)

    make()
    one = count()
    for _ in range(20):
        make()
    assert count() == one


def test_sequence_list_uses_the_api_filterset(dash):
    SequenceFactory(name="Live one", active=True)
    SequenceFactory(name="Old one", active=False)
    inactive = dash.get("/sequences/?active=false").content.decode()
    assert "Old one" in inactive and "Live one" not in inactive
    assert "Live one" in dash.get("/sequences/?q=live").content.decode()
    bad = dash.get("/sequences/?active=maybe").content.decode()
    assert "Use true or false." in bad
