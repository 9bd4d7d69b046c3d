"""What an outreach's changes set off, as the follow-up rules say: follow-ups, outcome effects on
the person, job heat upkeep, the stale queue, delete."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import Person
from followups.models import FollowUp
from jobs.models import Job
from outreach.models import Outreach, OutreachTransition
from outreach.services.outreaches import outreach_create
from tests.factories import (
    CompanyFactory,
    FollowUpFactory,
    JobFactory,
    OutreachFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def create(api, **payload):
    payload.setdefault("channel", "email")
    response = api.post("/api/outreaches", payload, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


# --- follow-ups ---------------------------------------------------------------------------------


def test_sent_outreach_schedules_attempt_one_three_days_later(api):
    person = PersonFactory(first_name="Ann", last_name="Lee", company=CompanyFactory(name="Acme"))
    body = create(
        api,
        person_id=person.public_id,
        sent_at="2026-03-02T10:00:00Z",
        follow_up_note="mention the demo",
    )
    followup = FollowUp.objects.get()
    assert followup.outreach_id == int(body["id"][4:])
    assert followup.attempt_no == 1
    assert followup.kind == "follow_up"
    assert followup.status == "pending"
    assert followup.due_at.isoformat() == "2026-03-05T10:00:00+00:00"
    assert followup.title == "Follow up with Ann Lee @ Acme"
    assert followup.note == "mention the demo"
    person.refresh_from_db()
    assert person.status == "contacted"
    assert person.last_contacted_at.isoformat() == "2026-03-02T10:00:00+00:00"


def test_delay_is_a_setting(api, settings):
    settings.FOLLOW_UP_DELAY_DAYS = 5
    create(api, sent_at="2026-03-02T10:00:00Z")
    assert FollowUp.objects.get().due_at.isoformat() == "2026-03-07T10:00:00+00:00"


def test_create_follow_up_false_schedules_nothing(api):
    create(
        api,
        person_id=PersonFactory().public_id,
        sent_at="2026-03-02T10:00:00Z",
        create_follow_up=False,
    )
    assert not FollowUp.objects.exists()


def test_unsent_outreach_schedules_nothing_until_sent(api):
    body = create(api, person_id=PersonFactory().public_id)
    assert not FollowUp.objects.exists()
    api.patch(f"/api/outreaches/{body['id']}", {"sent_at": "2026-03-02T10:00:00Z"}, format="json")
    assert FollowUp.objects.get().attempt_no == 1


def test_title_uses_the_parts_that_exist(api):
    create(api, sent_at="2026-03-02T10:00:00Z", job_id=JobFactory(company=None).public_id)
    create(
        api,
        sent_at="2026-03-02T10:00:00Z",
        person_id=PersonFactory(first_name="Bo", last_name="Ek", company=None).public_id,
    )
    titles = sorted(FollowUp.objects.values_list("title", flat=True), key=len)
    job_title = JobFactory._meta.model.objects.get().title
    assert set(titles) == {"Follow up with Bo Ek", f"Follow up on {job_title}"}


def test_done_attempt_one_schedules_attempt_two_and_two_is_the_last(api):
    create(api, person_id=PersonFactory().public_id, sent_at="2026-03-02T10:00:00Z")
    first = FollowUp.objects.get()
    response = api.patch(f"/api/followups/{first.public_id}", {"status": "done"}, format="json")
    assert response.status_code == 200
    assert response.json()["completed_at"] is not None
    second = FollowUp.objects.get(attempt_no=2)
    assert second.status == "pending"
    assert second.outreach_id == first.outreach_id
    assert (second.due_at - FollowUp.objects.get(pk=first.pk).completed_at) == timedelta(days=3)
    api.patch(f"/api/followups/{second.public_id}", {"status": "done"}, format="json")
    assert FollowUp.objects.count() == 2


def test_skipping_does_not_schedule_the_next_attempt(api):
    create(api, sent_at="2026-03-02T10:00:00Z")
    first = FollowUp.objects.get()
    api.patch(f"/api/followups/{first.public_id}", {"status": "skipped"}, format="json")
    assert FollowUp.objects.count() == 1
    assert FollowUp.objects.get().status == "skipped"


# --- outcome effects ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "status", "strength", "replied"),
    [
        ("replied", "replied", "weak", True),
        ("positive", "interested", "medium", True),
        ("negative", "not_interested", "weak", False),
        ("unsubscribed", "do_not_contact", "weak", False),
        ("no_response", "contacted", "weak", False),
    ],
)
def test_outcome_effects_on_the_person(api, outcome, status, strength, replied):
    person = PersonFactory(strength="weak")
    body = create(api, person_id=person.public_id, sent_at="2026-03-02T10:00:00Z")
    response = api.patch(f"/api/outreaches/{body['id']}", {"outcome": outcome}, format="json")
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.status == status
    assert person.strength == strength
    assert (person.last_replied_at is not None) == replied
    people = api.get(f"/api/people/{person.public_id}").json()
    assert people["status"] == status
    assert people["heat"] in {"hot", "warm", "cold"}


def test_positive_keeps_a_strong_person_strong(api):
    person = PersonFactory(strength="strong")
    create(api, person_id=person.public_id, outcome="positive")
    person.refresh_from_db()
    assert person.strength == "strong"


def test_bounced_marks_the_email_invalid(api):
    person = PersonFactory()
    create(api, person_id=person.public_id, outcome="bounced")
    assert Person.objects.get(pk=person.pk).email_invalid is True
    assert api.get(f"/api/people/{person.public_id}").json()["email_invalid"] is True


@pytest.mark.parametrize("outcome", ["replied", "positive", "negative", "bounced", "unsubscribed"])
def test_resolved_outcome_cancels_pending_followups(api, outcome):
    body = create(api, person_id=PersonFactory().public_id, sent_at="2026-03-02T10:00:00Z")
    api.patch(f"/api/outreaches/{body['id']}", {"outcome": outcome}, format="json")
    follow = FollowUp.objects.get(kind="follow_up")
    assert follow.status == "canceled"
    responds = FollowUp.objects.filter(kind="respond")
    assert responds.count() == (1 if outcome in ("replied", "positive") else 0)
    if responds:
        assert responds.get().status == "pending"
        assert responds.get().due_at <= timezone.now()


def test_no_response_keeps_followups(api):
    body = create(api, sent_at="2026-03-02T10:00:00Z")
    api.patch(f"/api/outreaches/{body['id']}", {"outcome": "no_response"}, format="json")
    assert FollowUp.objects.get().status == "pending"


def test_unsubscribed_stops_the_persons_other_queued_outreaches(api, user):
    person = PersonFactory()
    pending = OutreachFactory(person=person)
    running = OutreachFactory(person=person, delivery="running")
    done = OutreachFactory(person=person, delivery="performed")
    other_person = OutreachFactory()
    body = create(api, person_id=person.public_id)
    api.patch(f"/api/outreaches/{body['id']}", {"outcome": "unsubscribed"}, format="json")
    statuses = dict(Outreach.objects.values_list("pk", "delivery_status"))
    assert statuses[pending.pk] == "canceled"
    assert statuses[running.pk] == "aborted"
    assert statuses[done.pk] == "performed"
    assert statuses[other_person.pk] == "pending"
    assert statuses[int(body["id"][4:])] == "canceled"
    assert Outreach.objects.get(pk=running.pk).error_description == "The person unsubscribed."
    rows = OutreachTransition.objects.filter(field="delivery_status")
    assert rows.count() == 3
    assert {r.metadata["reason"] for r in rows} == {"The person unsubscribed."}


# --- job heat upkeep ----------------------------------------------------------------------------


def test_heat_recomputed_on_job_create_update_and_outreach_changes(api):
    response = api.post("/api/jobs", {"title": "Backend engineer", "stage": "hr"}, format="json")
    job_id = response.json()["id"]
    assert (response.json()["heat_score"], response.json()["heat"]) == (50, 2)

    body = create(
        api,
        job_id=job_id,
        channel="phone",
        personalization_score=50,
        sent_at=timezone.now().isoformat(),
    )
    # 50 + none 5 + no person 4 + phone 16 + 50/5 10 = 85
    assert api.get(f"/api/jobs/{job_id}").json()["heat_score"] == 85

    api.patch(f"/api/outreaches/{body['id']}", {"outcome": "negative"}, format="json")
    assert api.get(f"/api/jobs/{job_id}").json()["heat_score"] == 60  # 50 - 20 + 30

    response = api.patch(f"/api/jobs/{job_id}", {"stage": "offer"}, format="json")
    assert response.json()["heat_score"] == 90  # 80 - 20 + 30

    api.patch(f"/api/jobs/{job_id}", {"archived": True}, format="json")
    assert api.get(f"/api/jobs/{job_id}").json()["heat_score"] == 0
    api.patch(f"/api/jobs/{job_id}", {"archived": False}, format="json")

    api.delete(f"/api/outreaches/{body['id']}")
    assert api.get(f"/api/jobs/{job_id}").json()["heat_score"] == 80


def test_moving_an_outreach_to_another_job_recomputes_both(api):
    first, second = JobFactory(stage="applied"), JobFactory(stage="applied")
    body = create(api, job_id=first.public_id)
    assert Job.objects.get(pk=first.pk).heat_score > 35
    api.patch(f"/api/outreaches/{body['id']}", {"job_id": second.public_id}, format="json")
    assert Job.objects.get(pk=first.pk).heat_score == 35
    assert Job.objects.get(pk=second.pk).heat_score > 35


# --- stale queue --------------------------------------------------------------------------------


def test_stale_queue(api):
    now = timezone.now()
    oldest = OutreachFactory(sent_at=now - timedelta(hours=100))
    older = OutreachFactory(sent_at=now - timedelta(hours=60), outcome="no_response")
    OutreachFactory(sent_at=now - timedelta(hours=10))  # too recent
    OutreachFactory(sent_at=now - timedelta(hours=70), outcome="replied")  # resolved
    OutreachFactory()  # never sent
    for job in (
        JobFactory(archived=True),
        JobFactory(stage="rejected"),
        JobFactory(stage="dormant"),
    ):
        OutreachFactory(sent_at=now - timedelta(hours=90), job=job)
    open_job = OutreachFactory(sent_at=now - timedelta(hours=80), job=JobFactory(stage="tech"))

    body = api.get("/api/outreaches/stale?hours=48").json()
    assert [i["id"] for i in body["items"]] == [
        oldest.public_id,
        open_job.public_id,
        older.public_id,
    ]
    assert body["pagination"]["total_count"] == 3
    default = api.get("/api/outreaches/stale").json()
    assert default["pagination"]["total_count"] == 3
    narrow = api.get("/api/outreaches/stale?hours=72&per=1&page=2").json()
    assert [i["id"] for i in narrow["items"]] == [open_job.public_id]


@pytest.mark.parametrize("hours", ["0", "-5", "abc", "1.5", "99999999"])
def test_stale_hours_is_validated(api, hours):
    response = api.get(f"/api/outreaches/stale?hours={hours}")
    assert response.status_code == 400
    assert "hours" in response.json()


# --- delete, references, transactions -----------------------------------------------------------


def test_delete_cancels_open_followups_and_recomputes_heat_in_one_transaction(api):
    job = JobFactory(stage="applied")
    body = create(api, job_id=job.public_id, sent_at=timezone.now().isoformat())
    follow = FollowUp.objects.get()
    done = FollowUpFactory(
        outreach_id=int(body["id"][4:]), status="done", completed_at=timezone.now()
    )
    response = api.delete(f"/api/outreaches/{body['id']}")
    assert response.json() == {"deleted_id": body["id"], "job_id": job.public_id, "person_id": None}
    follow.refresh_from_db()
    done.refresh_from_db()
    assert follow.status == "canceled"
    assert done.status == "done"
    assert Job.objects.get(pk=job.pk).heat_score == 35


@pytest.mark.parametrize(
    ("field", "value"),
    [("person_id", "per_9999"), ("job_id", "job_9999"), ("sequence_id", "seq_9999")],
)
def test_missing_reference_writes_nothing(api, field, value):
    counts = (Outreach.objects.count(), FollowUp.objects.count(), Job.objects.count())
    response = api.post(
        "/api/outreaches", {field: value, "sent_at": "2026-03-02T10:00:00Z"}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert (Outreach.objects.count(), FollowUp.objects.count(), Job.objects.count()) == counts


def test_effects_do_not_use_signals():
    from django.db.models.signals import post_delete, post_save

    for model in (Outreach, FollowUp, Job, Person):
        assert not post_save.has_listeners(model)
        assert not post_delete.has_listeners(model)


def test_effects_roll_back_with_the_change(user, monkeypatch):
    """An effect that fails takes the outreach down with it: one transaction."""
    import followups.services

    def broken(**kwargs):
        raise RuntimeError("follow-up store down")

    monkeypatch.setattr("outreach.services.effects.followup_schedule_first_attempt", broken)
    with pytest.raises(RuntimeError):
        outreach_create(actor=user, sent_at=timezone.now())
    assert not Outreach.objects.exists()
    assert followups.services  # imported module stays intact
