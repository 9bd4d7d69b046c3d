"""Delivery status (the MassProspecting-compatible API's `status`): the second state machine, its
history, its stamps."""

import datetime
import json

import pytest
from django.utils import timezone

from outreach.exceptions import TransitionNotAllowed
from outreach.models import Outreach, OutreachTransition
from outreach.services.outreaches import outreach_set_delivery_status
from outreach.services.transitions import outreaches_batch_transition
from outreach.state_machine import DELIVERY_TRANSITIONS, transition_spec
from tests.factories import OutreachFactory

pytestmark = pytest.mark.django_db

STATUSES = ["pending", "running", "performed", "failed", "aborted", "canceled"]
# SPEC's graph, restated once so the test fails if the model drifts from it.
SPEC_GRAPH = {
    ("pending", "running"): "run",
    ("pending", "canceled"): "cancel",
    ("pending", "aborted"): "abort",
    ("running", "performed"): "perform",
    ("running", "failed"): "fail",
    ("running", "aborted"): "abort",
    ("failed", "pending"): "retry",
    ("aborted", "pending"): "retry",
}
PAIRS = [(a, b) for a in STATUSES for b in STATUSES]


def patch(api, outreach, payload):
    return api.patch(
        f"/api/outreaches/{outreach.public_id}",
        data=json.dumps(payload),
        content_type="application/json",
    )


def history(outreach):
    return list(
        OutreachTransition.objects.filter(outreach=outreach, field="delivery_status")
        .order_by("id")
        .values_list("transition", "from_state", "to_state")
    )


def test_the_model_declares_exactly_the_spec_graph():
    declared = {}
    for name in DELIVERY_TRANSITIONS:
        spec = transition_spec(name)
        for source in spec.sources:
            declared[(source, spec.target)] = name
    assert declared == SPEC_GRAPH


def test_delivery_status_is_protected():
    outreach = OutreachFactory()
    with pytest.raises(AttributeError):
        outreach.delivery_status = "running"


# --- every from/to pair, through the field write of /api -------------------------------------


@pytest.mark.parametrize(("current", "wanted"), PAIRS)
def test_patch_delivery_status_every_pair(api, user, current, wanted):
    outreach = OutreachFactory(delivery=current)
    response = patch(api, outreach, {"delivery_status": wanted})
    stored = Outreach.objects.get(pk=outreach.pk)
    if current == wanted:
        assert response.status_code == 200
        assert response.json()["delivery_status"] == current
        assert history(outreach) == []
    elif (current, wanted) in SPEC_GRAPH:
        assert response.status_code == 200, response.json()
        assert response.json()["delivery_status"] == wanted
        assert stored.delivery_status == wanted
        assert history(outreach) == [(SPEC_GRAPH[current, wanted], current, wanted)]
        assert OutreachTransition.objects.get(outreach=outreach).actor == user
    else:
        assert response.status_code == 409
        message = response.json()["detail"]
        assert f"from '{current}' to '{wanted}'" in message
        assert stored.delivery_status == current
        assert history(outreach) == []


def test_refused_jump_says_where_the_status_can_go(api):
    response = patch(api, OutreachFactory(), {"delivery_status": "performed"})
    assert response.json() == {
        "detail": "Cannot change the delivery status from 'pending' to 'performed'; "
        "from 'pending' it can go to 'aborted', 'canceled', 'running'."
    }
    final = patch(api, OutreachFactory(delivery="performed"), {"delivery_status": "pending"})
    assert final.status_code == 409
    assert "it can go to nothing: it is final" in final.json()["detail"]


def test_refused_status_rolls_back_the_other_fields_of_the_patch(api):
    outreach = OutreachFactory(delivery="canceled", subject="before")
    response = patch(api, outreach, {"subject": "after", "delivery_status": "running"})
    assert response.status_code == 409
    assert Outreach.objects.get(pk=outreach.pk).subject == "before"


@pytest.mark.parametrize("value", ["RUNNING", ":running", " :Running "])
def test_patch_status_is_read_leniently(api, value):
    response = patch(api, OutreachFactory(), {"delivery_status": value})
    assert response.status_code == 200
    assert response.json()["delivery_status"] == "running"


def test_patch_unknown_status_is_400_naming_the_field(api):
    response = patch(api, OutreachFactory(), {"delivery_status": "sent"})
    assert response.status_code == 400
    assert response.json() == {
        "delivery_status": [
            '"sent" is not a valid choice. Use one of: '
            "pending, running, performed, failed, aborted, canceled."
        ]
    }


# --- every transition endpoint from every status ---------------------------------------------


@pytest.mark.parametrize("name", sorted(DELIVERY_TRANSITIONS))
@pytest.mark.parametrize("current", STATUSES)
def test_transition_endpoint_from_every_status(api, name, current):
    spec = transition_spec(name)
    outreach = OutreachFactory(delivery=current)
    response = api.patch(
        f"/api/outreaches/{outreach.public_id}/{name}", {"reason": "by hand"}, format="json"
    )
    if current in spec.sources:
        assert response.status_code == 200, response.json()
        assert response.json()["delivery_status"] == spec.target
        row = OutreachTransition.objects.get(outreach=outreach)
        assert (row.transition, row.from_state, row.to_state) == (name, current, spec.target)
        assert row.metadata == {"reason": "by hand"}
    else:
        assert response.status_code == 409
        assert f"'{current}'" in response.json()["detail"]
        assert f"'{spec.target}'" in response.json()["detail"]
        assert not OutreachTransition.objects.exists()


def test_transitions_endpoint_lists_delivery_history(api):
    outreach = OutreachFactory()
    for status in ("running", "failed", "pending"):
        patch(api, outreach, {"delivery_status": status})
    items = api.get(f"/api/outreaches/{outreach.public_id}/transitions").json()["items"]
    assert [(i["field"], i["transition"], i["to_state"]) for i in items] == [
        ("delivery_status", "run", "running"),
        ("delivery_status", "fail", "failed"),
        ("delivery_status", "retry", "pending"),
    ]


# --- done_time and sent_at --------------------------------------------------------------------


def test_done_time_is_set_the_first_time_delivery_leaves_pending(user):
    outreach = OutreachFactory()
    assert outreach.done_time is None
    ran = outreach_set_delivery_status(outreach=outreach, status="running", actor=user)
    first = ran.done_time
    assert first is not None
    for status in ("failed", "pending", "running", "performed"):
        moved = outreach_set_delivery_status(outreach=ran, status=status, actor=user)
        assert moved.done_time == first
    assert Outreach.objects.get(pk=outreach.pk).done_time == first


@pytest.mark.parametrize("status", ["canceled", "aborted"])
def test_done_time_is_set_by_any_way_out_of_pending(user, status):
    moved = outreach_set_delivery_status(outreach=OutreachFactory(), status=status, actor=user)
    assert moved.done_time is not None


def test_writing_pending_again_leaves_done_time_empty(user):
    outreach = OutreachFactory()
    same = outreach_set_delivery_status(outreach=outreach, status="pending", actor=user)
    assert same.done_time is None


def test_performed_sets_sent_at_when_unset(user):
    outreach = OutreachFactory(delivery="running")
    before = timezone.now()
    moved = outreach_set_delivery_status(outreach=outreach, status="performed", actor=user)
    assert moved.sent_at >= before
    assert Outreach.objects.get(pk=outreach.pk).sent_at == moved.sent_at


def test_performed_keeps_a_sent_at_already_given(user):
    sent = timezone.now() - datetime.timedelta(days=2)
    outreach = OutreachFactory(delivery="running", sent_at=sent)
    moved = outreach_set_delivery_status(outreach=outreach, status="performed", actor=user)
    assert moved.sent_at == sent
    assert Outreach.objects.get(pk=outreach.pk).sent_at == sent


@pytest.mark.parametrize("status", ["failed", "aborted"])
def test_other_outcomes_of_running_do_not_set_sent_at(user, status):
    moved = outreach_set_delivery_status(
        outreach=OutreachFactory(delivery="running"), status=status, actor=user
    )
    assert moved.sent_at is None


def test_perform_endpoint_sets_sent_at_and_done_time(api):
    outreach = OutreachFactory()
    api.patch(f"/api/outreaches/{outreach.public_id}/run")
    body = api.patch(f"/api/outreaches/{outreach.public_id}/perform").json()
    assert body["delivery_status"] == "performed"
    assert body["sent_at"] is not None
    assert body["done_time"] is not None


def test_done_time_is_read_only_on_the_api(api):
    outreach = OutreachFactory()
    response = patch(api, outreach, {"done_time": "2020-01-01T00:00:00Z"})
    assert response.status_code == 200
    assert response.json()["done_time"] is None


# --- creation with a status ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "path"),
    [
        ("pending", []),
        ("running", ["run"]),
        ("performed", ["run", "perform"]),
        ("failed", ["run", "fail"]),
        ("aborted", ["abort"]),
        ("canceled", ["cancel"]),
    ],
)
def test_create_with_a_status_walks_the_shortest_path(api, status, path):
    response = api.post(
        "/api/outreaches", {"channel": "email", "delivery_status": status}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["delivery_status"] == status
    outreach = Outreach.objects.get()
    assert [row[0] for row in history(outreach)] == path
    assert all(row.metadata == {"on_create": True} for row in OutreachTransition.objects.all())
    assert (body["done_time"] is not None) == (status != "pending")
    assert (body["sent_at"] is not None) == (status == "performed")


def test_create_without_a_status_is_pending_with_no_history(api):
    body = api.post("/api/outreaches", {"channel": "email"}, format="json").json()
    assert body["delivery_status"] == "pending"
    assert body["done_time"] is None
    assert not OutreachTransition.objects.exists()


# --- batches ------------------------------------------------------------------------------


def test_batch_cancel_sets_done_time_once(user):
    fresh = OutreachFactory()
    done_before = timezone.now() - datetime.timedelta(days=1)
    earlier = OutreachFactory(done_time=done_before)
    result = outreaches_batch_transition(ids=[fresh.pk, earlier.pk], name="cancel", actor=user)
    assert result.success_count == 2
    assert Outreach.objects.get(pk=fresh.pk).done_time is not None
    assert Outreach.objects.get(pk=earlier.pk).done_time == done_before


def test_batch_retry_does_not_stamp_done_time(user):
    outreach = OutreachFactory(delivery="failed")
    outreaches_batch_transition(ids=[outreach.pk], name="retry", actor=user)
    assert Outreach.objects.get(pk=outreach.pk).done_time is None


@pytest.mark.parametrize("name", ["run", "perform"])
def test_batches_refuse_transitions_that_check_or_affect_each_outreach(user, name):
    outreach = OutreachFactory(delivery="pending" if name == "run" else "running")
    with pytest.raises(ValueError, match="use outreach_transition"):
        outreaches_batch_transition(ids=[outreach.pk], name=name, actor=user)


def test_service_refusal_is_a_transition_not_allowed(user):
    with pytest.raises(TransitionNotAllowed, match="from 'canceled' to 'running'"):
        outreach_set_delivery_status(
            outreach=OutreachFactory(delivery="canceled"), status="running", actor=user
        )


# --- filters --------------------------------------------------------------------------------


def test_list_filters_on_delivery_status(api):
    running = OutreachFactory(delivery="running")
    OutreachFactory()
    for value in ("running", "RUNNING", ":running"):
        items = api.get(f"/api/outreaches?delivery_status={value}").json()["items"]
        assert [i["id"] for i in items] == [running.public_id]
    bad = api.get("/api/outreaches?delivery_status=sent")
    assert bad.status_code == 400
    assert "delivery_status" in bad.json()
