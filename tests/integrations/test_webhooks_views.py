"""The Webhooks dashboard pages (admins): add (secret shown once), edit, rotate, test, the
delivery log with redeliver, delete."""

import pytest
from django.test import Client

from integrations.models import Webhook, WebhookDelivery
from integrations.webhooks.services import webhook_create
from tests.factories import UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def _add(dash, receiver):
    return dash.post(
        "/webhooks/",
        {"url": receiver.url, "events": ["outreach.created", "outreach.deleted"]},
        follow=True,
    )


def test_adding_shows_the_secret_once(dash, receiver):
    assert 'href="/webhooks/"' in dash.get("/members/").content.decode()  # the Team tabs
    answer = _add(dash, receiver)
    webhook = Webhook.objects.get()
    assert webhook.active
    assert answer.redirect_chain[-1][0] == f"/webhooks/{webhook.public_id}/"
    page = answer.content.decode()
    assert "Signing secret" in page and "whsec_" in page
    again = dash.get(f"/webhooks/{webhook.public_id}/").content.decode()
    assert "whsec_" not in again
    assert receiver.url in dash.get("/webhooks/").content.decode()


def test_a_refused_url_is_an_error_on_the_field(dash, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    answer = dash.post("/webhooks/", {"url": "http://127.0.0.1/x", "events": ["outreach.created"]})
    assert answer.status_code == 200
    assert "a loopback address" in answer.content.decode()
    assert not Webhook.objects.exists()


def test_edit_rotate_test_redeliver_and_delete(dash, receiver, run_tasks):
    _add(dash, receiver)
    webhook = Webhook.objects.get()
    base = f"/webhooks/{webhook.public_id}/"
    dash.post(base, {"url": receiver.url, "events": ["outreach.updated"]})
    webhook.refresh_from_db()
    assert (webhook.events, webhook.active) == (["outreach.updated"], False)
    dash.post(base, {"url": receiver.url, "events": ["outreach.updated"], "active": "on"})
    rotated = dash.post(base + "rotate/", follow=True).content.decode()
    assert "whsec_" in rotated and "keeps signing for 24 hours" in rotated
    with run_tasks():
        dash.post(base + "test/")
    delivery = WebhookDelivery.objects.get()
    log = dash.get(base).content.decode()
    assert "webhook.test" in log and "Redeliver" in log
    with run_tasks():
        dash.post(f"{base}deliveries/{delivery.public_id}/redeliver/")
    assert WebhookDelivery.objects.count() == 2
    assert len(receiver.requests) == 2
    dash.post(base + "delete/")
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("role", ["manager", "rep", "viewer"])
def test_only_admins_see_the_pages(role):
    client = Client()
    client.force_login(UserFactory(membership__role=role))
    assert client.get("/webhooks/").status_code == 403
    assert 'href="/webhooks/"' not in client.get("/").content.decode()


def test_another_workspaces_endpoint_is_a_404(dash, receiver):
    stranger = UserFactory(
        username="mallory", membership__workspace=WorkspaceFactory(name="Elsewhere")
    )
    theirs = webhook_create(actor=stranger, url=receiver.url, events=["outreach.created"])
    base = f"/webhooks/{theirs.webhook.public_id}/"
    assert dash.get(base).status_code == 404
    assert dash.post(base + "rotate/").status_code == 404
    assert dash.post(base + "delete/").status_code == 404
    assert Webhook.objects.filter(pk=theirs.webhook.pk).exists()
