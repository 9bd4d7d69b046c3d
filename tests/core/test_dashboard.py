"""What every dashboard page shares (core.dashboard, the layout): a login, the layout, no inline
code, public ids in paths, filter forms that start at "any", lists whose queries do not grow."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.templatetags.dashboard import readable_changes
from tests.factories import (
    CompanyFactory,
    FollowUpFactory,
    JobFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    SequenceStepFactory,
)

pytestmark = pytest.mark.django_db


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


def test_unknown_and_malformed_ids_are_404(dash):
    assert dash.get("/outreaches/out_999999/").status_code == 404
    assert dash.get("/outreaches/per_1/").status_code == 404
    assert dash.get("/outreaches/banana/").status_code == 404
    assert dash.get("/people/per_99999999999999999999999/").status_code == 404


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


def test_no_template_comment_spans_lines():
    """Django's {# … #} ends at the line's end: one spanning lines is printed on the page."""
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    broken = [
        f"{path}:{number}"
        for root in roots
        for path in root.rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\{#(?!.*#\})", line)
    ]
    assert roots and not broken


def test_audit_changes_read_as_words_even_for_lists_and_reverse_relations():
    entry = SimpleNamespace(
        object_type="sequence",
        changes={
            "steps": [[{"position": 1}], [{"position": 1}, {"position": 2}]],
            "exclusive": [True, False],
        },
    )
    assert readable_changes(entry) == [
        ("Steps", "1 item", "2 items"),
        ("Exclusive", True, False),
    ]
    outreach = SimpleNamespace(object_type="outreach", changes={"outcome": ["none", "replied"]})
    assert readable_changes(outreach) == [("Outcome", "None", "Replied")]


def test_mail_and_team_are_one_link_each_with_their_pages_as_tabs(dash):
    home = dash.get("/").content.decode()
    assert 'href="/outbox/"' in home and ">Mail<" in home and ">Team<" in home
    assert 'href="/suppressions/"' not in home  # a tab of Mail, not a link of its own
    for path in ("/outbox/", "/inbox/", "/mailboxes/", "/suppressions/"):
        page = dash.get(path).content.decode()
        assert '<nav class="tabs" aria-label="Mail">' in page, path
        assert f'href="{path}" aria-current="page"' in page, path
    members = dash.get("/members/").content.decode()
    assert '<nav class="tabs" aria-label="Team">' in members
    assert 'href="/webhooks/"' in members and 'href="/audit/"' in members
