"""The outreach rows follow a running enrichment batch: each progress answer that shows more done
than the bar did tells the results block to refresh itself (htmx, an HX-Trigger header)."""

import json
import re

import pytest

from outreach.models import EnrichmentBatch
from outreach.views.batches import ROWS_CHANGED_EVENT
from tests.factories import EnrichmentBatchFactory, OutreachFactory

pytestmark = pytest.mark.django_db


def progress(dash, batch, seen=None):
    url = f"/outreaches/enrichment-batches/{batch.public_id}/progress/"
    return dash.get(url if seen is None else f"{url}?seen={seen}")


def test_more_done_than_shown_triggers_a_refresh_of_the_rows(dash):
    batch = EnrichmentBatchFactory(total=3)
    first = progress(dash, batch)
    # The first look only shows the bar: the rows were drawn with the page.
    assert "HX-Trigger" not in first
    assert 'progress/?seen=0" hx-trigger="every 1s"' in first.content.decode()

    EnrichmentBatch.objects.filter(pk=batch.pk).update(ready=1)
    moved = progress(dash, batch, seen=0)
    assert moved.status_code == 200
    assert json.loads(moved["HX-Trigger"]) == {
        ROWS_CHANGED_EVENT: {"batch": batch.public_id, "done": 1, "finished": False}
    }
    assert "progress/?seen=1" in moved.content.decode()

    assert "HX-Trigger" not in progress(dash, batch, seen=1)

    EnrichmentBatch.objects.filter(pk=batch.pk).update(ready=2, not_available=1)
    finished = progress(dash, batch, seen=1)
    assert finished.status_code == 286  # polling stops, and the rows refresh once more
    assert json.loads(finished["HX-Trigger"])[ROWS_CHANGED_EVENT]["finished"] is True


@pytest.mark.parametrize("seen", ["", "abc", "-1"])
def test_an_unreadable_seen_only_shows_the_bar(dash, seen):
    batch = EnrichmentBatchFactory(total=3, ready=1)
    assert "HX-Trigger" not in progress(dash, batch, seen=seen)


def test_the_results_block_refreshes_itself_with_its_filters_on_the_event(dash):
    OutreachFactory()
    html = dash.get("/outreaches/?channel=email&sort=company").content.decode()
    section = re.search(r'<section id="results"[^>]*>', html).group(0)
    assert 'hx-get="/outreaches/?channel=email&amp;sort=company"' in section
    assert f'hx-trigger="{ROWS_CHANGED_EVENT} from:body"' in section
    assert 'hx-swap="outerHTML"' in section

    # What it asks for is the results block alone.
    partial = dash.get(
        "/outreaches/?channel=email&sort=company", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    ).content.decode()
    assert partial.lstrip().startswith('<section id="results"')
    assert "<html" not in partial
