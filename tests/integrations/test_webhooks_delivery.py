"""Delivering webhooks over the wire to a local receiver: signing, retries, giving up,
deactivation, order per object, leases, redirects and the private-address guard."""

import datetime
import io
import socket
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from core.errors import InvalidInput
from core.worker import worker_sweeps
from integrations.models import Webhook, WebhookDelivery
from integrations.tasks import deliver_webhooks, queue_overdue_deliveries
from integrations.webhooks import addresses
from integrations.webhooks import delivery as sender
from integrations.webhooks.outbox import emit
from integrations.webhooks.services import webhook_create, webhook_rotate_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(user, receiver):
    return webhook_create(actor=user, url=receiver.url, events=["outreach.updated"])


def _emit(endpoint, object_id="out_1", **data):
    emit(
        type="outreach.updated",
        workspace_id=endpoint.webhook.workspace_id,
        object_id=object_id,
        data={"id": object_id, **data},
    )


def _make_due():
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())


def test_a_delivery_is_signed_and_shaped_as_the_standard_says(endpoint, receiver):
    _emit(endpoint, note="hi")
    assert sender.deliver_due() == {"succeeded": 1, "pending": 0, "failed": 0}
    [request] = receiver.requests
    assert request.path == "/hooks"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["webhook-id"].startswith("evt_")
    assert request.headers["webhook-signature"].startswith("v1,")
    payload = Verifier(endpoint.secret).verify(request.body, request.headers)
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["type"] == "outreach.updated"
    assert payload["data"] == {"id": "out_1", "note": "hi"}
    datetime.datetime.fromisoformat(payload["timestamp"])
    with pytest.raises(WebhookVerificationError):
        Verifier("whsec_" + "QUJD" * 8).verify(request.body, request.headers)


def test_a_500_is_retried_with_growing_delays(endpoint, receiver):
    receiver.answer(500, 500)
    _emit(endpoint)
    before = timezone.now()
    assert sender.deliver_due()["pending"] == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 500)
    first_wait = delivery.next_attempt_at - before
    assert datetime.timedelta(seconds=4) < first_wait < datetime.timedelta(seconds=10)
    assert sender.deliver_due()["pending"] == 0  # not due yet: nothing sent
    _make_due()
    sender.deliver_due()
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at - timezone.now() > datetime.timedelta(minutes=4)
    _make_due()
    sender.deliver_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 3, 200)
    assert len(receiver.requests) == 3
    # Every attempt carries the same message id.
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1


def test_a_timeout_counts_as_a_failure(endpoint, receiver, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    receiver.answer(200, delay=1.0)
    _emit(endpoint)
    sender.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.error) == ("pending", "Timed out.")
    assert delivery.response_code is None


def test_failed_after_the_retry_window(endpoint, receiver):
    receiver.default = (503, 0.0)
    _emit(endpoint)
    sender.deliver_due()
    WebhookDelivery.objects.update(
        first_attempt_at=timezone.now() - datetime.timedelta(hours=23), attempts=6
    )
    _make_due()
    sender.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.next_attempt_at) == ("failed", None)
    assert Webhook.objects.get().active  # one day of failures does not deactivate


def test_an_endpoint_failing_everything_for_three_days_is_deactivated(endpoint, receiver):
    receiver.default = (500, 0.0)
    _emit(endpoint)
    sender.deliver_due()
    webhook = Webhook.objects.get()
    assert webhook.failing_since is not None and webhook.active
    Webhook.objects.update(failing_since=timezone.now() - datetime.timedelta(days=3, minutes=1))
    _make_due()
    sender.deliver_due()
    webhook.refresh_from_db()
    assert not webhook.active
    assert "every delivery failed for 3 days" in webhook.note
    # Nothing more is sent to an inactive endpoint.
    _emit(endpoint, object_id="out_2")
    _make_due()
    sent = len(receiver.requests)
    sender.deliver_due()
    assert len(receiver.requests) == sent


def test_a_success_ends_the_failure_streak(endpoint, receiver):
    receiver.answer(500)
    _emit(endpoint)
    sender.deliver_due()
    _make_due()
    sender.deliver_due()
    assert Webhook.objects.get().failing_since is None


def test_one_objects_deliveries_go_in_commit_order(endpoint, receiver):
    receiver.answer(500)
    _emit(endpoint, object_id="out_1", step=1)
    _emit(endpoint, object_id="out_1", step=2)
    _emit(endpoint, object_id="out_2", step=1)
    sender.deliver_due()
    # out_1's first failed: its second waits; out_2 is not held back.
    sent = [Verifier(endpoint.secret).verify(r.body, r.headers)["data"] for r in receiver.requests]
    assert sent == [{"id": "out_1", "step": 1}, {"id": "out_2", "step": 1}]
    _make_due()
    sender.deliver_due()
    sent = [Verifier(endpoint.secret).verify(r.body, r.headers)["data"] for r in receiver.requests]
    assert sent[2:] == [{"id": "out_1", "step": 1}, {"id": "out_1", "step": 2}]


def test_a_claimed_delivery_is_not_claimed_twice_until_its_lease_runs_out(endpoint):
    _emit(endpoint)
    now = timezone.now()
    first = sender.claim(now=now)
    assert len(first.ids) == 1
    assert sender.claim(now=now).ids == []  # another worker finds nothing
    # The worker died: once the lease has run out another takes it …
    later = now + sender.lease_length() + datetime.timedelta(seconds=1)
    second = sender.claim(now=later)
    assert second.ids == first.ids
    # … and should the first come back, it finds the delivery is no longer its to send.
    assert not sender.renew(first.ids[0], first)
    assert sender.renew(first.ids[0], second)


def test_redirects_are_not_followed(endpoint, receiver):
    receiver.answer(302)
    _emit(endpoint)
    sender.deliver_due()
    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code) == ("pending", 302)


def test_the_private_address_guard_runs_again_at_delivery(endpoint, receiver, settings):
    _emit(endpoint)
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    sender.deliver_due()
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert "127.0.0.1, a loopback address" in delivery.error


def test_during_a_rotation_both_secrets_sign(endpoint, receiver, user):
    rotated = webhook_rotate_secret(webhook=endpoint.webhook, actor=user)
    _emit(endpoint)
    sender.deliver_due()
    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Verifier(rotated.secret).verify(request.body, request.headers)
    Verifier(endpoint.secret).verify(request.body, request.headers)
    # After the overlap only the new secret signs.
    Webhook.objects.update(previous_secret_expires_at=timezone.now())
    _emit(endpoint, object_id="out_2")
    sender.deliver_due()
    latest = receiver.requests[-1]
    assert len(latest.headers["webhook-signature"].split(" ")) == 1
    Verifier(rotated.secret).verify(latest.body, latest.headers)
    with pytest.raises(WebhookVerificationError):
        Verifier(endpoint.secret).verify(latest.body, latest.headers)


def _resolving(monkeypatch, answers):
    """Make the resolver answer `answers[name]` (a list of addresses, popped per lookup when a
    list of lists)."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        found = answers[host]
        addresses = found.pop(0) if isinstance(found[0], list) else found
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr(addresses.socket, "getaddrinfo", fake)


def test_delivery_dials_the_checked_address_and_keeps_the_host_name(user, receiver, monkeypatch):
    port = receiver.url.split(":")[2].split("/")[0]
    _resolving(monkeypatch, {"hooks.example": ["127.0.0.1"]})
    made = webhook_create(
        actor=user, url=f"http://hooks.example:{port}/in?x=1", events=["outreach.updated"]
    )
    _emit(made)
    assert sender.deliver_due()["succeeded"] == 1
    [request] = receiver.requests
    assert request.headers["Host"] == f"hooks.example:{port}"
    assert request.path == "/in?x=1"


def test_a_name_that_turns_private_after_saving_is_refused_at_delivery(
    user, receiver, monkeypatch, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    # Public when saved; then the name is pointed at the metadata service.
    _resolving(monkeypatch, {"hooks.example": [["93.184.215.14"], ["169.254.169.254"]]})
    made = webhook_create(actor=user, url="http://hooks.example/in", events=["outreach.updated"])
    _emit(made)
    sender.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert "169.254.169.254, a cloud metadata address" in delivery.error
    assert receiver.requests == []


def test_every_address_of_a_name_must_be_public(user, settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    _resolving(monkeypatch, {"mixed.example": ["93.184.215.14", "10.0.0.5"]})
    with pytest.raises(InvalidInput) as refused:
        webhook_create(actor=user, url="http://mixed.example/", events=["outreach.updated"])
    assert refused.value.field == "url"
    assert "10.0.0.5, a private address" in refused.value.message


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_claim_the_same_delivery(user, receiver):
    """PostgreSQL: a worker's claim skips the rows another is claiming (row locks)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: claims cannot overlap")
    made = webhook_create(actor=user, url=receiver.url, events=["outreach.updated"])
    for n in range(10):
        _emit(made, object_id=f"out_{n}")
    # Committed at once here, so the immediate backend already sent them: make them due again.
    WebhookDelivery.objects.update(status="pending", leased_until=None, next_attempt_at=None)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    first_holds, second_done = threading.Event(), threading.Event()
    claimed: dict[str, list[int]] = {}

    def first():
        with transaction.atomic():
            claimed["first"] = sender.claim(limit=5).ids
            first_holds.set()
            second_done.wait(10)  # keep the locks while the other worker claims
        connection.close()

    def second():
        first_holds.wait(10)
        claimed["second"] = sender.claim(limit=10).ids
        second_done.set()
        connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(claimed["first"]) == 5
    assert len(claimed["second"]) == 5
    assert not set(claimed["first"]) & set(claimed["second"])


def test_the_command_sends_what_is_due(endpoint, receiver):
    _emit(endpoint)
    out = io.StringIO()
    call_command("deliver_webhooks", stdout=out)
    assert out.getvalue().strip() == "succeeded 1, pending 0, failed 0"
    assert len(receiver.requests) == 1


def test_an_unreadable_secret_fails_the_attempt_with_a_reason(endpoint, receiver):
    Webhook.objects.update(secret_encrypted="not-a-token")
    _emit(endpoint)
    sender.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert "rotate it" in delivery.error
    assert receiver.requests == []


def test_the_worker_comes_back_once_when_the_next_retry_is_due(endpoint, receiver, settings):
    """With a queue that can defer (the database backend), a run that leaves a retry waiting
    schedules one comeback at its time, however many runs find the same moment."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    receiver.answer(500)
    _emit(endpoint)
    deliver_webhooks.call()
    deliver_webhooks.call()  # finds nothing due, and the comeback already scheduled
    retry_at = WebhookDelivery.objects.get().next_attempt_at
    comebacks = DBTaskResult.objects.filter(task_path__endswith="deliver_webhooks")
    assert [row.run_after for row in comebacks] == [retry_at]


def test_the_worker_sweep_queues_a_run_for_a_delivery_whose_run_was_lost(
    endpoint, receiver, settings
):
    """A delivery still due a minute after its time had its run lost: every worker's sweep
    queues one; one due just now is left to the run already on its way."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _emit(endpoint)
    DBTaskResult.objects.all().delete()  # the run queued at commit, lost
    runs = DBTaskResult.objects.filter(task_path__endswith="deliver_webhooks")
    assert queue_overdue_deliveries() is False and not runs.exists()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(minutes=2))
    assert queue_overdue_deliveries() is True
    assert runs.count() == 1
    assert queue_overdue_deliveries in {sweep.function for sweep in worker_sweeps}
