"""Which changes publish which events: in the change's transaction, to the subscribed, active
endpoints of the object's workspace, a batch's events in bulk."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from standardwebhooks import Webhook as Verifier

from integrations.models import WebhookDelivery, WebhookEvent
from integrations.webhooks.events import EVENT_TYPES
from integrations.webhooks.services import webhook_create
from outreach.enrichment import engine
from outreach.models import Outreach
from outreach.services.batches import outreaches_batch_assign_sequence
from outreach.services.enrichment import outreaches_batch_start_enrichment
from outreach.services.outreaches import (
    outreach_create,
    outreach_delete,
    outreach_transition,
    outreach_update,
)
from outreach.services.transitions import outreaches_batch_transition
from tests.factories import (
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(user, receiver):
    return webhook_create(actor=user, url=receiver.url, events=list(EVENT_TYPES))


def _events(type_=None):
    rows = WebhookEvent.objects.order_by("pk")
    return list(rows.filter(type=type_) if type_ else rows)


def test_outreach_changes_publish_their_events(hook, user):
    person = PersonFactory()
    outreach = outreach_create(actor=user, person=person, channel="email", subject="Hi")
    outreach_update(outreach=outreach, actor=user, subject="Hello")
    outreach_transition(outreach=outreach, name="start_enrichment", actor=user)
    public_id = outreach.public_id
    outreach_delete(outreach=outreach, actor=user)
    by_type = {e.type: e for e in _events()}
    assert by_type["outreach.created"].payload["id"] == public_id
    assert by_type["outreach.created"].payload["subject"] == "Hi"
    assert by_type["outreach.updated"].payload["changes"] == {
        "subject": {"from": "Hi", "to": "Hello"}
    }
    assert by_type["outreach.transitioned"].payload == {
        "id": public_id,
        "field": "current_state",
        "transition": "start_enrichment",
        "from": "new",
        "to": "enrichment",
    }
    assert by_type["outreach.deleted"].payload == {"id": public_id}
    assert WebhookDelivery.objects.count() == len(_events())


def test_delivered_payload_of_a_transition(hook, user, receiver, run_tasks):
    outreach = OutreachFactory()
    with run_tasks():
        outreach_transition(outreach=outreach, name="start_enrichment", actor=user)
    sent = [Verifier(hook.secret).verify(r.body, r.headers) for r in receiver.requests]
    transitioned = [p for p in sent if p["type"] == "outreach.transitioned"]
    assert transitioned[0]["data"]["from"] == "new"
    assert transitioned[0]["data"]["to"] == "enrichment"


def test_only_subscribed_active_endpoints_of_the_workspace_receive(user, receiver):
    subscribed = webhook_create(actor=user, url=receiver.url, events=["outreach.created"])
    webhook_create(actor=user, url=receiver.url, events=["outreach.deleted"])
    webhook_create(actor=user, url=receiver.url, events=["outreach.created"], active=False)
    other = WorkspaceFactory(name="Elsewhere")
    stranger = UserFactory(username="mallory", membership__workspace=other)
    webhook_create(actor=stranger, url=receiver.url, events=["outreach.created"])
    outreach_create(actor=user, person=PersonFactory(), channel="email")
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.webhook_id == subscribed.webhook.pk


def test_no_event_when_the_change_rolls_back(hook, user):
    person = PersonFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        outreach_create(actor=user, person=person, channel="email")
        assert len(_events()) == 1  # written with the change …
        raise RuntimeError("the change fails")
    assert _events() == []  # … and gone with it
    assert not WebhookDelivery.objects.exists()


def test_nothing_is_written_without_subscribers(user):
    outreach_create(actor=user, person=PersonFactory(), channel="email")
    assert _events() == []


@pytest.mark.parametrize("with_hook", [False, True])
def test_a_batch_publishes_in_bulk_whatever_its_size(user, receiver, with_hook):
    if with_hook:
        webhook_create(actor=user, url=receiver.url, events=list(EVENT_TYPES))
    person = PersonFactory()
    OutreachFactory.create_batch(301, person=person, state="starting")
    counts = []
    for size in (1, 300):
        ids = _starting_ids(size)
        with CaptureQueriesContext(connection) as queries:
            outreaches_batch_transition(ids=ids, name="wait", actor=user)
        counts.append(len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]))
    assert counts[0] == counts[1]
    if with_hook:
        assert len(_events("outreach.transitioned")) == 301
        assert WebhookDelivery.objects.count() == 301
        # subscribers, events, deliveries: three statements more than without a hook
        assert counts[0] == 5 + 2


def _starting_ids(size):
    rows = Outreach.objects.filter(current_state="starting").order_by("pk")
    return list(rows.values_list("pk", flat=True)[:size])


def test_batch_assign_publishes_updates(hook, user):
    rows = OutreachFactory.create_batch(3)
    sequence = SequenceFactory()
    outreaches_batch_assign_sequence(ids=[o.pk for o in rows], sequence=sequence, actor=user)
    updated = _events("outreach.updated")
    assert [e.object_id for e in updated] == [o.public_id for o in rows]
    assert updated[0].payload["changes"] == {"sequence": {"from": None, "to": sequence.public_id}}


def test_a_finished_enrichment_batch_publishes_once(hook, user):
    rows = OutreachFactory.create_batch(4)
    ids = [o.pk for o in rows]
    started = outreaches_batch_start_enrichment(ids=ids, actor=user)
    engine.enrich_chunk(batch_id=started.batch_id, outreach_ids=ids[:2])
    assert _events("enrichment.batch.finished") == []
    engine.enrich_chunk(batch_id=started.batch_id, outreach_ids=ids[2:])
    [finished] = _events("enrichment.batch.finished")
    assert finished.payload["id"] == f"enb_{started.batch_id}"
    assert finished.payload["total"] == 4
    assert sum(finished.payload[k] for k in ("ready", "not_available", "failed", "skipped")) == 4
