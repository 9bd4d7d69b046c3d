"""What only a browser shows: the outreach rows following a running enrichment batch without a
reload, and the follow-up queue's stale list emptying as outcomes are logged, on a desktop and on
a phone."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outreach.enrichment.engine import enrich_chunk
from outreach.models import EnrichmentBatch, Outreach
from tests.factories import CompanyFactory, OutreachFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [1440, 390]


@pytest.fixture
def chunks_held(monkeypatch):
    """The enrichment chunks are queued but not run: the test runs them, one step at a time."""
    held = []
    monkeypatch.setattr("outreach.tasks.enqueue_all", held.extend)
    return held


def states(page) -> list[str]:
    return page.locator("#results tbody tr td:nth-child(5) .badge").all_inner_texts()


@pytest.mark.parametrize("width", WIDTHS)
def test_rows_follow_a_running_enrichment_batch_without_a_reload(logged_in, chunks_held, width):
    page = logged_in
    page.set_viewport_size({"width": width, "height": 900})
    company = CompanyFactory(domain="acme.com")
    rows = [
        OutreachFactory(
            person=PersonFactory(company=company, email=f"p{i}@acme.com"), channel="email"
        )
        for i in range(4)
    ]

    page.goto("/outreaches/?sort=company")
    page.get_by_label("All 4 matching").check()
    page.get_by_role("button", name="Start enrichment").click()
    progress = page.locator(".progress-card")
    expect(progress).to_contain_text("0 of 4 · 0%")
    expect(page.locator("#results tbody tr")).to_have_count(4)
    assert states(page) == ["Enrichment"] * 4
    assert chunks_held, "the chunk was queued"

    # Whatever the user checks stays checked while the rows refresh.
    page.evaluate("window.stillTheSamePage = true")
    page.locator("input.js-row-check").first.check()
    batch = EnrichmentBatch.objects.get()
    ids = sorted(o.pk for o in rows)

    enrich_chunk(batch_id=batch.pk, outreach_ids=ids[:2])
    expect(progress).to_contain_text("2 of 4 · 50%")
    expect(
        page.locator("#results tbody tr td:nth-child(5) .badge", has_text="Ready")
    ).to_have_count(2)
    expect(page.locator("input.js-row-check").first).to_be_checked()
    expect(page.locator(".js-selected-count")).to_have_text("1 selected")

    enrich_chunk(batch_id=batch.pk, outreach_ids=ids[2:])
    expect(progress).to_contain_text("finished")
    expect(progress).to_contain_text("4 of 4 · 100%")
    expect(
        page.locator("#results tbody tr td:nth-child(5) .badge", has_text="Ready")
    ).to_have_count(4)
    assert page.evaluate("window.stillTheSamePage") is True
    assert Outreach.objects.filter(current_state="ready").count() == 4


@pytest.mark.parametrize("width", WIDTHS)
def test_the_stale_list_empties_as_outcomes_are_logged(logged_in, width):
    page = logged_in
    page.set_viewport_size({"width": width, "height": 900})
    sent = timezone.now() - datetime.timedelta(days=3)
    people = [PersonFactory(first_name="Stale", last_name=f"Person{i:02d}") for i in range(27)]
    for i, person in enumerate(people):
        OutreachFactory(person=person, sent_at=sent + datetime.timedelta(minutes=i))

    page.goto("/followups/")
    stale = page.locator("#stale")
    expect(stale.locator(".card__hint .badge")).to_have_text("27")
    expect(stale.locator("li")).to_have_count(25)
    expect(stale).to_contain_text("Showing the 25 oldest of 27.")
    first = stale.locator("li").first
    expect(first).to_contain_text("Stale Person00")
    expect(first.get_by_role("combobox")).to_have_value("no_response")
    first.get_by_role("button", name="Log outcome").click()

    expect(page.get_by_role("status").filter(has_text="Logged")).to_contain_text(
        "Logged “no response yet” for Stale Person00. Follow-up attempt 1 is due"
    )
    expect(stale.locator(".card__hint .badge")).to_have_text("26")
    expect(stale).not_to_contain_text("Stale Person00")

    stale.get_by_role("link", name="See all 26 stale outreaches →").click()
    expect(page.get_by_role("heading", name="Stale outreaches", exact=True)).to_be_visible()
    rows = page.locator("#stale li")
    expect(rows).to_have_count(26)
    row = rows.filter(has_text="Stale Person05")
    row.get_by_role("combobox").select_option("replied")
    row.get_by_role("button", name="Log outcome").click()
    expect(page.get_by_role("status").filter(has_text="Logged")).to_contain_text(
        "Logged “replied” for Stale Person05."
    )
    expect(page.get_by_role("heading", name="Stale outreaches", exact=True)).to_be_visible()
    expect(page.locator("#stale li")).to_have_count(25)
    expect(page.locator("#stale")).not_to_contain_text("Stale Person05")
