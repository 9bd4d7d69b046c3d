"""What only a browser shows: htmx filtering, row selection, batch actions with their progress,
safe rendering of HTML bodies, and the CSV import report."""

import re

import pytest
from playwright.sync_api import expect

from outreach.models import Outreach
from tests.factories import CompanyFactory, OutreachFactory, PersonFactory, SequenceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_filter_select_all_matching_and_batch_assign(logged_in):
    page = logged_in
    SequenceFactory(name="Founders")
    linkedin = [OutreachFactory(channel="linkedin") for _ in range(3)]
    others = [OutreachFactory(channel="email") for _ in range(2)]

    page.goto("/outreaches/?per=2")
    expect(page.locator("input.js-row-check")).to_have_count(2)

    # Changing a filter swaps the results in place (htmx) and keeps the URL shareable.
    page.get_by_label("Channel", exact=True).select_option("linkedin")
    expect(page.get_by_text("All 3 matching", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"channel=linkedin"))
    expect(page.locator("input.js-row-check")).to_have_count(2)

    page.get_by_label("Select every outreach on this page").check()
    expect(page.locator(".js-selected-count")).to_have_text("2 selected")
    page.get_by_role("button", name="Select all 3 matching these filters").click()
    expect(page.locator("#all-matching")).to_be_checked()
    expect(page.locator(".js-selected-count")).to_have_text("All 3 matching selected")

    page.get_by_label("Sequence to assign").select_option(label="Founders")
    page.get_by_role("button", name="Assign sequence").click()

    expect(page.get_by_role("status").filter(has_text="Assigned")).to_have_text(
        "Assigned “Founders” to 3 outreaches."
    )
    assigned = set(Outreach.objects.filter(sequence__name="Founders").values_list("pk", flat=True))
    assert assigned == {o.pk for o in linkedin}
    assert not Outreach.objects.filter(pk__in=[o.pk for o in others], sequence__isnull=False)


def test_batch_enrichment_shows_progress_until_done(logged_in):
    page = logged_in
    company = CompanyFactory(domain="acme.com")
    for i in range(4):
        OutreachFactory(
            person=PersonFactory(company=company, email=f"p{i}@acme.com"), channel="email"
        )
    OutreachFactory(state="ready")

    page.goto("/outreaches/")
    page.get_by_label("All 5 matching").check()
    page.get_by_role("button", name="Start enrichment").click()

    expect(page.get_by_role("status").filter(has_text="Started")).to_have_text(
        "Started enrichment for 4 outreaches."
    )
    expect(page.get_by_role("status").filter(has_text="skipped")).to_contain_text(
        "1 skipped: state is 'ready'; start_enrichment needs 'new' or 'not_available'."
    )
    progress = page.locator(".progress-card")
    expect(progress).to_have_attribute("data-percent", "100")
    expect(progress).to_contain_text("4 of 4 · 100%")
    expect(progress.locator("progress")).to_have_attribute("value", "100")
    assert Outreach.objects.filter(current_state="ready").count() == 5


def test_html_body_scripts_never_run(logged_in):
    page = logged_in
    outreach = OutreachFactory(
        subject="Hello",
        body_type="html",
        body=(
            "<p>Visible <strong>text</strong></p>"
            "<script>window.__xss=1</script>"
            '<img src="x" onerror="window.__xss=2">'
            '<a href="javascript:window.__xss=3" id="bad">click me</a>'
        ),
    )
    page.goto(f"/outreaches/{outreach.public_id}/")

    body = page.get_by_test_id("outreach-body")
    expect(body).to_contain_text("Visible text")
    page.get_by_text("click me").click()
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert body.locator("script, img, [onerror]").count() == 0


def test_transition_buttons_and_history_in_the_browser(logged_in):
    page = logged_in
    outreach = OutreachFactory()
    page.goto(f"/outreaches/{outreach.public_id}/")

    page.get_by_label("Reason (optional)").fill("worth a try")
    page.get_by_role("button", name="Start enrichment").click()

    expect(page.get_by_role("status").first).to_contain_text("Start enrichment: new → enrichment")
    expect(page.locator(".timeline__reason").first).to_have_text("worth a try")
