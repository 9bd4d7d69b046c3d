"""The enrichment API: batch_start_enrichment names its batch, the batch reports progress."""

import pytest

from outreach.models import EnrichmentBatch, Outreach
from tests.factories import EnrichmentBatchFactory, OutreachFactory, PersonFactory
from tests.support.api import ReadOnlyResourceCases

pytestmark = pytest.mark.django_db

BATCH_KEYS = {
    "id",
    "status",
    "total",
    "done",
    "percent",
    "ready",
    "not_available",
    "failed",
    "skipped",
    "requeued",
    "actor_id",
    "created_at",
    "started_at",
    "finished_at",
    "updated_at",
}


class TestEnrichmentBatchesResource(ReadOnlyResourceCases):
    path = "/api/enrichment_batches"
    prefix = "enb"
    make = EnrichmentBatchFactory


def test_batch_start_enrichment_returns_the_batch_id_and_the_work_runs_after_commit(
    api, user, run_tasks
):
    ready = OutreachFactory.create_batch(2)
    unavailable = OutreachFactory(channel="phone")
    busy = OutreachFactory(state="waiting")
    ids = [o.public_id for o in [*ready, unavailable, busy]]
    with run_tasks():
        response = api.patch(
            "/api/outreaches/batch_start_enrichment", {"outreach_ids": ids}, format="json"
        )
    assert response.status_code == 200
    body = response.json()
    batch = EnrichmentBatch.objects.get()
    assert body == {
        "success_count": 3,
        "batch_id": batch.public_id,
        "skipped": [
            {
                "id": busy.public_id,
                "reason": "state is 'waiting'; start_enrichment needs 'new' or 'not_available'",
            }
        ],
    }

    progress = api.get(f"/api/enrichment_batches/{body['batch_id']}")
    assert progress.status_code == 200
    data = progress.json()
    assert set(data) == BATCH_KEYS
    assert {k: data[k] for k in ("status", "total", "done", "percent")} == {
        "status": "finished",
        "total": 3,
        "done": 3,
        "percent": 100,
    }
    assert (data["ready"], data["not_available"], data["failed"], data["skipped"]) == (2, 1, 0, 0)
    assert data["actor_id"] == f"usr_{user.pk}"
    assert data["finished_at"] is not None


def test_progress_of_a_batch_still_queued(api, user, django_capture_on_commit_callbacks):
    outreaches = OutreachFactory.create_batch(4)
    with django_capture_on_commit_callbacks(execute=False):
        response = api.patch(
            "/api/outreaches/batch_start_enrichment",
            {"outreach_ids": ",".join(o.public_id for o in outreaches)},
        )
    data = api.get(f"/api/enrichment_batches/{response.json()['batch_id']}").json()
    assert (data["status"], data["total"], data["done"], data["percent"]) == ("queued", 4, 0, 0)
    assert data["started_at"] is None


def test_nothing_to_start_answers_a_null_batch_id(api):
    outreach = OutreachFactory(state="ready")
    response = api.patch(
        "/api/outreaches/batch_start_enrichment",
        {"outreach_ids": [outreach.public_id]},
        format="json",
    )
    assert response.json()["success_count"] == 0
    assert response.json()["batch_id"] is None


def test_single_start_enrichment_runs_in_the_background(api, run_tasks):
    outreach = OutreachFactory(person=PersonFactory(email="jane@acme.com"))
    with run_tasks():
        response = api.patch(f"/api/outreaches/{outreach.public_id}/start_enrichment")
    assert response.status_code == 200
    assert response.json()["current_state"] == "enrichment"  # the answer comes before the work
    assert Outreach.objects.get(pk=outreach.pk).current_state == "ready"
    history = api.get(f"/api/outreaches/{outreach.public_id}/transitions").json()["items"]
    assert [(h["transition"], h["actor"]) for h in history] == [
        ("start_enrichment", "alice"),
        ("complete_enrichment", "system"),
    ]
    assert history[1]["metadata"]["found"]["value"] == "jane@acme.com"


def test_batches_are_listed_newest_first(api, user, run_tasks):
    for _ in range(2):
        with run_tasks():
            api.patch(
                "/api/outreaches/batch_start_enrichment",
                {"outreach_ids": [OutreachFactory().public_id]},
                format="json",
            )
    items = api.get("/api/enrichment_batches").json()["items"]
    assert [i["id"] for i in items] == [
        b.public_id for b in EnrichmentBatch.objects.order_by("-id")
    ]


def test_batches_are_read_only(api, user, run_tasks):
    with run_tasks():
        batch_id = api.patch(
            "/api/outreaches/batch_start_enrichment",
            {"outreach_ids": [OutreachFactory().public_id]},
            format="json",
        ).json()["batch_id"]
    assert api.delete(f"/api/enrichment_batches/{batch_id}").status_code == 405
    assert api.post("/api/enrichment_batches", {}, format="json").status_code == 405
