"""`Idempotency-Key`: a retried write gets the first answer, changes nothing, and a reused key
for another request is refused."""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient, APIRequestFactory

from contacts import services as contact_services
from contacts.models import Person
from core.worker import worker_sweeps
from integrations.idempotency import _fingerprint, sweep_expired_keys
from integrations.models import IdempotencyKey
from tests.factories import OutreachFactory, UserFactory

pytestmark = pytest.mark.django_db


def post_person(api, key, name="Ada"):
    return api.post("/api/people", {"first_name": name}, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_gets_the_first_answer_and_changes_nothing(api):
    first = post_person(api, "k-1")
    again = post_person(api, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Person.objects.count() == 1


def test_the_same_key_for_another_request_is_422(api):
    post_person(api, "k-1")
    response = post_person(api, "k-1", name="Bob")
    assert response.status_code == 422
    assert "different request" in response.json()["detail"]
    assert Person.objects.count() == 1


def test_while_the_first_runs_a_retry_is_409(api, user):
    running = APIRequestFactory().post("/api/people", {"first_name": "Ada"}, format="json")
    IdempotencyKey.objects.create(user=user, key="k-1", fingerprint=_fingerprint(running))
    response = post_person(api, "k-1")
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert not Person.objects.exists()


def test_a_claim_abandoned_by_a_killed_request_is_let_go(api, user):
    running = APIRequestFactory().post("/api/people", {"first_name": "Ada"}, format="json")
    IdempotencyKey.objects.create(user=user, key="k-1", fingerprint=_fingerprint(running))
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    response = post_person(api, "k-1")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Person.objects.count() == 1


def test_the_sweep_deletes_expired_and_abandoned_keys_only(api, user):
    for key in ("old", "abandoned", "fresh", "running"):
        post_person(api, key, name=key)
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    IdempotencyKey.objects.filter(key__in=("abandoned", "running")).update(status_code=None)
    IdempotencyKey.objects.filter(key="abandoned").update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    assert sweep_expired_keys() == 2
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"fresh", "running"}


def test_every_worker_runs_the_sweep_hourly():
    [sweep] = [sweep for sweep in worker_sweeps if sweep.function is sweep_expired_keys]
    assert sweep.every == 3600


def test_keys_are_per_user(api, client_for):
    post_person(api, "shared")
    other = client_for(UserFactory(username="bob"))
    assert post_person(other, "shared").status_code == 201
    assert Person.objects.count() == 2


def test_a_kept_answer_expires_after_a_day(api):
    post_person(api, "k-1")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = post_person(api, "k-1")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Person.objects.count() == 2


def test_deletes_and_errors_are_kept_too(api):
    outreach = OutreachFactory()
    path = f"/api/outreaches/{outreach.public_id}"
    assert api.delete(path, HTTP_IDEMPOTENCY_KEY="d").status_code == 200
    again = api.delete(path, HTTP_IDEMPOTENCY_KEY="d")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    bad = api.post("/api/people", {"email": "nope"}, format="json", HTTP_IDEMPOTENCY_KEY="e")
    assert bad.status_code == 400
    assert (
        api.post("/api/people", {"email": "nope"}, format="json", HTTP_IDEMPOTENCY_KEY="e")[
            "Idempotent-Replayed"
        ]
        == "true"
    )


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_a_bad_key_is_400_naming_the_header(api, key):
    response = post_person(api, key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()


def test_reads_and_anonymous_calls_ignore_the_header(api, anon):
    assert api.get("/api/people", HTTP_IDEMPOTENCY_KEY="g").status_code == 200
    assert post_person(anon, "a").status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_the_compatible_endpoints_take_it_with_the_body_api_key(token, anon):
    body = json.dumps(
        {
            "api_key": token.key,
            "desc": {"outreach_type": "GMail_DirectMessage", "status": "pending"},
        }
    )
    first = anon.post(
        "/ajax/outreach/insert.json",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="c",
    )
    again = anon.post(
        "/ajax/outreach/insert.json",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="c",
    )
    assert first.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_identical_requests_at_once_run_once(token, monkeypatch):
    real = contact_services.person_create

    def slow(**kwargs):
        time.sleep(0.5)
        return real(**kwargs)

    monkeypatch.setattr(contact_services, "person_create", slow)
    answers = []

    def call():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        answers.append(post_person(client, "same").status_code)
        connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201, 409]
    assert Person.objects.count() == 1
