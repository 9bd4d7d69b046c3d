"""`dry_run=true` on the batch endpoints: the answer the real run gives, and nothing written."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.models import EnrichmentBatch, Outreach, OutreachTransition
from tests.factories import OutreachFactory, SequenceFactory
from workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db

STATES = ["new", "enrichment", "ready", "waiting"]


def snapshot():
    return (
        sorted(Outreach.objects.values_list("pk", "current_state", "sequence_id")),
        OutreachTransition.objects.count(),
        EnrichmentBatch.objects.count(),
        AuditEntry.objects.count(),
    )


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(states=st.lists(st.sampled_from(STATES), min_size=1, max_size=6), missing=st.booleans())
def test_a_dry_run_answers_as_the_real_run_and_writes_nothing(api, states, missing):
    ids = [OutreachFactory(state=state).public_id for state in states]
    if missing:
        ids.append("out_999999")
    before = snapshot()
    path = "/api/outreaches/batch_start_enrichment"
    dry = api.patch(path, {"outreach_ids": ids, "dry_run": True}, format="json")
    assert dry.status_code == 200
    assert snapshot() == before
    real = api.patch(path, {"outreach_ids": ids}, format="json").json()
    assert dry.json() == {**real, "batch_id": None, "dry_run": True}
    Outreach.objects.all().delete()


def test_a_dry_assign_by_query_parameter(api):
    outreaches = OutreachFactory.create_batch(2)
    sequence = SequenceFactory(name="Cadence")
    body = {
        "outreach_ids": [o.public_id for o in outreaches] + ["out_999999"],
        "sequence_id": sequence.public_id,
    }
    before = snapshot()
    dry = api.patch("/api/outreaches/batch_assign?dry_run=true", body, format="json")
    assert snapshot() == before
    real = api.patch("/api/outreaches/batch_assign", body, format="json")
    assert dry.json() == {**real.json(), "dry_run": True}
    assert real.json()["updated_count"] == 2


def test_a_dry_run_queues_no_work(api, run_tasks):
    outreach = OutreachFactory()
    with run_tasks():
        api.patch(
            "/api/outreaches/batch_start_enrichment?dry_run=1",
            {"outreach_ids": [outreach.public_id]},
            format="json",
        )
    outreach.refresh_from_db()
    assert outreach.current_state == "new"
    assert not EnrichmentBatch.objects.exists()


def test_a_bad_dry_run_flag_is_400_naming_it(api):
    response = api.patch(
        "/api/outreaches/batch_start_enrichment?dry_run=maybe",
        {"outreach_ids": ["out_1"]},
        format="json",
    )
    assert response.status_code == 400
    assert "dry_run" in response.json()
