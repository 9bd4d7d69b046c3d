"""The webhooks API: admins only, the secret shown once, rotate, the log, redeliver, test."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from standardwebhooks import Webhook as Verifier

from integrations.models import Webhook, WebhookDelivery
from integrations.webhooks.outbox import emit
from integrations.webhooks.services import webhook_create
from tests.factories import UserFactory, WorkspaceFactory
from workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db


def _create(api, url, events=("outreach.created",)):
    return api.post("/api/webhooks", {"url": url, "events": list(events)}, format="json")


def test_create_shows_the_secret_once_and_never_again(api, receiver):
    answer = _create(api, receiver.url)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["id"].startswith("whk_")
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["outreach.created"]
    again = api.get(f"/api/webhooks/{body['id']}").json()
    assert "secret" not in again
    assert "secret" not in api.get("/api/webhooks").json()["items"][0]
    stored = Webhook.objects.get()
    assert body["secret"] not in stored.secret_encrypted  # encrypted at rest
    # A secret written in a PATCH is not a field: nothing changes.
    api.patch(f"/api/webhooks/{body['id']}", {"secret": "whsec_bWluZQ=="}, format="json")
    assert Webhook.objects.get().secret_encrypted == stored.secret_encrypted


def test_unknown_event_and_bad_url_are_400s_naming_the_field(api, receiver):
    answer = _create(api, receiver.url, events=["outreach.exploded"])
    assert answer.status_code == 400
    assert "events" in answer.json()
    answer = _create(api, "ftp://example.com/x")
    assert answer.status_code == 400
    assert "url" in answer.json()


def test_private_addresses_are_refused_at_save(api, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    for url in (
        "http://127.0.0.1:9/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fd00:ec2::254]/hook",
        "http://localhost/hook",
    ):
        answer = _create(api, url)
        assert answer.status_code == 400, url
        assert "url" in answer.json(), url
    assert not Webhook.objects.exists()


def test_update_and_delete_are_audited_with_the_secret_redacted(api, receiver):
    made = _create(api, receiver.url).json()
    answer = api.patch(
        f"/api/webhooks/{made['id']}",
        {"events": ["outreach.deleted", "outreach.created"], "active": False},
        format="json",
    )
    assert answer.status_code == 200
    assert answer.json()["events"] == ["outreach.created", "outreach.deleted"]
    rotated = api.post(f"/api/webhooks/{made['id']}/rotate").json()
    assert rotated["secret"] != made["secret"]
    assert api.delete(f"/api/webhooks/{made['id']}").status_code == 204
    entries = AuditEntry.objects.filter(object_type="webhook").order_by("id")
    assert [e.action for e in entries] == ["create", "update", "update", "delete"]
    assert entries[0].changes["secret"] == ["[redacted]", "[redacted]"]
    assert entries[2].changes == {"secret": ["[redacted]", "[redacted]"]}
    text = str([e.changes for e in entries])
    assert made["secret"] not in text and rotated["secret"] not in text


@pytest.mark.parametrize("role", ["manager", "rep", "viewer"])
def test_only_admins_manage_webhooks(client_for, role, receiver):
    member = UserFactory(membership__role=role)
    client = client_for(member)
    answer = client.get("/api/webhooks")
    assert answer.status_code == 403
    assert "may not manage webhooks" in answer.json()["detail"]
    assert _create(client, receiver.url).status_code == 403


def test_another_workspaces_webhook_is_a_404(api, client_for, receiver):
    other = WorkspaceFactory(name="Elsewhere")
    their_admin = UserFactory(username="mallory", membership__workspace=other)
    theirs = _create(client_for(their_admin), receiver.url).json()
    assert api.get(f"/api/webhooks/{theirs['id']}").status_code == 404
    patched = api.patch(f"/api/webhooks/{theirs['id']}", {"active": False}, format="json")
    assert patched.status_code == 404
    assert api.post(f"/api/webhooks/{theirs['id']}/rotate").status_code == 404
    assert api.post(f"/api/webhooks/{theirs['id']}/test").status_code == 404
    assert api.get(f"/api/webhooks/{theirs['id']}/deliveries").status_code == 404
    assert api.delete(f"/api/webhooks/{theirs['id']}").status_code == 404
    assert api.get("/api/webhooks").json()["items"] == []


def test_test_event_is_delivered_signed_and_listed(api, receiver, run_tasks):
    made = _create(api, receiver.url).json()
    with run_tasks():
        answer = api.post(f"/api/webhooks/{made['id']}/test")
    assert answer.status_code == 202
    assert answer.json()["type"] == "webhook.test"
    [request] = receiver.requests
    payload = Verifier(made["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "webhook.test"
    assert payload["data"] == {"webhook_id": made["id"]}
    log = api.get(f"/api/webhooks/{made['id']}/deliveries").json()
    [row] = log["items"]
    assert row["status"] == "succeeded"
    assert row["response_code"] == 200
    assert row["event_id"] == request.headers["webhook-id"]
    assert row["response_body"].startswith("got it")
    assert len(row["response_body"]) == 500
    assert row["latency_ms"] is not None


def test_redeliver_sends_the_same_event_again(api, receiver, run_tasks):
    made = _create(api, receiver.url).json()
    with run_tasks():
        api.post(f"/api/webhooks/{made['id']}/test")
    first = WebhookDelivery.objects.get()
    with run_tasks():
        answer = api.post(f"/api/webhooks/{made['id']}/deliveries/{first.public_id}/redeliver")
    assert answer.status_code == 202, answer.content
    again = WebhookDelivery.objects.latest("pk")
    assert answer.json()["id"] == again.public_id
    assert (again.status, again.event_id) == ("succeeded", first.event_id)
    assert len(receiver.requests) == 2
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]
    missing = api.post(f"/api/webhooks/{made['id']}/deliveries/dlv_999999/redeliver")
    assert missing.status_code == 404


def test_the_schema_lists_webhooks_under_their_tag(api):
    schema = api.get("/api/schema?format=json").json()
    assert "/api/webhooks/{id}/rotate" in schema["paths"]
    operation = schema["paths"]["/api/webhooks/{id}/deliveries/{delivery_id}/redeliver"]["post"]
    assert operation["tags"] == ["webhooks"]


def test_an_inactive_endpoint_gets_no_test_and_reactivating_clears_its_note(api, receiver):
    made = _create(api, receiver.url).json()
    Webhook.objects.filter(pk=int(made["id"][4:])).update(
        active=False, note="Deactivated: every delivery failed for 3 days."
    )
    refused = api.post(f"/api/webhooks/{made['id']}/test")
    assert refused.status_code == 409
    assert "inactive" in refused.json()["detail"]
    answer = api.patch(f"/api/webhooks/{made['id']}", {"active": True}, format="json").json()
    assert (answer["active"], answer["note"]) == (True, "")


def test_events_must_not_be_empty(api, receiver):
    answer = _create(api, receiver.url, events=[])
    assert answer.status_code == 400
    assert "events" in answer.json()


@pytest.mark.parametrize("path", ["/api/webhooks", "/api/webhooks/{id}/deliveries"])
def test_lists_cost_the_same_queries_for_one_row_and_many(api, user, receiver, path):
    made = webhook_create(actor=user, url=receiver.url, events=["outreach.updated"])
    counts = []
    for total in (1, 30):
        while WebhookDelivery.objects.count() < total:
            emit(
                type="outreach.updated",
                workspace_id=made.webhook.workspace_id,
                object_id="out_1",
                data={"id": "out_1"},
            )
        while Webhook.objects.count() < total:
            webhook_create(actor=user, url=receiver.url, events=["outreach.deleted"])
        with CaptureQueriesContext(connection) as queries:
            answer = api.get(path.format(id=made.webhook.public_id), {"per": 200})
        assert answer.status_code == 200
        assert len(answer.json()["items"]) == total
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
