"""Running sequences over the API: start, batch start, pause/resume/finish, the schedule, the
forecast, the preview, and deciding an uncertain message."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outreach.models import Outreach, OutreachTransition
from sending import engine
from sending.choices import MessageStatus
from sending.models import Message
from tests.factories import (
    CompanyFactory,
    MailboxFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    SequenceStepFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(user):
    return MailboxFactory(owner=user, from_name="Alice Adams")


def ready(mailbox, sequence=None, **values):
    person = PersonFactory(
        first_name="Ada", last_name="Lovelace", company=CompanyFactory(owner=mailbox.owner)
    )
    values = {"approved": True, "state": "ready", **values}
    return OutreachFactory(person=person, sequence=sequence or SequenceFactory(steps=2), **values)


def test_start_answers_the_mailbox_and_the_first_step(api, mailbox):
    outreach = ready(mailbox)
    response = api.patch(f"/api/outreaches/{outreach.public_id}/start")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["current_state"] == "starting"
    assert body["mailbox_id"] == mailbox.public_id
    assert body["next_step"] == 1
    assert body["next_step_at"] is not None


def test_start_without_a_mailbox_is_409_saying_so(api, user):
    outreach = OutreachFactory(sequence=SequenceFactory(steps=1), approved=True, state="ready")
    response = api.patch(f"/api/outreaches/{outreach.public_id}/start")
    assert response.status_code == 409
    assert "mailbox" in response.json()["detail"]


def test_start_while_another_exclusive_sequence_runs_is_409_naming_it(api, mailbox):
    first = ready(mailbox)
    api.patch(f"/api/outreaches/{first.public_id}/start")
    second = OutreachFactory(
        person=first.person, sequence=SequenceFactory(steps=1), approved=True, state="ready"
    )
    response = api.patch(f"/api/outreaches/{second.public_id}/start")
    assert response.status_code == 409
    assert first.public_id in response.json()["detail"]


def test_a_sequence_that_is_not_exclusive_runs_beside_another(api, mailbox):
    first = ready(mailbox)
    api.patch(f"/api/outreaches/{first.public_id}/start")
    shared = SequenceFactory(steps=1, exclusive=False)
    second = OutreachFactory(person=first.person, sequence=shared, approved=True, state="ready")
    assert api.patch(f"/api/outreaches/{second.public_id}/start").status_code == 200


def test_mailbox_id_is_writable_and_scoped(api, mailbox):
    outreach = ready(mailbox)
    other = MailboxFactory(owner=mailbox.owner)
    response = api.patch(
        f"/api/outreaches/{outreach.public_id}", {"mailbox_id": other.public_id}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["mailbox_id"] == other.public_id
    elsewhere = MailboxFactory(workspace=WorkspaceFactory(), owner=UserFactory())
    response = api.patch(
        f"/api/outreaches/{outreach.public_id}", {"mailbox_id": elsewhere.public_id}, format="json"
    )
    assert response.status_code == 400
    assert "mailbox_id" in response.json()


def test_batch_start_starts_each_or_says_why(api, mailbox):
    good = ready(mailbox)
    unapproved = ready(mailbox, approved=False)
    response = api.patch(
        "/api/outreaches/batch_start",
        {"outreach_ids": [good.public_id, unapproved.public_id, "out_999999"]},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success_count"] == 1
    reasons = {item["id"]: item["reason"] for item in body["skipped"]}
    assert "approved" in reasons[unapproved.public_id]
    assert reasons["out_999999"] == "not found"
    assert Outreach.objects.get(pk=good.pk).current_state == "starting"


def test_batch_start_with_a_mailbox_and_a_dry_run(api, mailbox):
    other = MailboxFactory(owner=mailbox.owner)
    outreach = ready(mailbox)
    url = "/api/outreaches/batch_start"
    payload = {"outreach_ids": [outreach.public_id], "mailbox_id": other.public_id}
    dry = api.patch(f"{url}?dry_run=true", payload, format="json").json()
    assert dry == {"success_count": 1, "skipped": [], "dry_run": True}
    assert Outreach.objects.get(pk=outreach.pk).current_state == "ready"
    assert api.patch(url, payload, format="json").json()["success_count"] == 1
    assert Outreach.objects.get(pk=outreach.pk).mailbox_id == other.pk


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"outreach_ids": "nope"}, "outreach_ids"),
        ({"outreach_ids": ["out_1"], "mailbox_id": "per_1"}, "mailbox_id"),
        ({"outreach_ids": ["out_1"], "mailbox_id": "mbx_999999"}, "mailbox_id"),
    ],
)
def test_batch_start_bad_input_is_400_naming_the_field(api, payload, field):
    response = api.patch("/api/outreaches/batch_start", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_pause_until_resume_and_finish_over_http(api, mailbox):
    outreach = ready(mailbox)
    api.patch(f"/api/outreaches/{outreach.public_id}/start")
    until = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    response = api.patch(
        f"/api/outreaches/{outreach.public_id}/pause", {"until": until}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["current_state"] == "paused"
    assert response.json()["paused_until"] is not None
    schedule = api.get(f"/api/outreaches/{outreach.public_id}/schedule").json()
    assert schedule["waiting_for"] == "paused"
    assert "Paused until" in schedule["explanation"]

    assert api.patch(f"/api/outreaches/{outreach.public_id}/resume").json()["paused_until"] is None
    finished = api.patch(f"/api/outreaches/{outreach.public_id}/finish").json()
    assert finished["current_state"] == "finished"
    assert finished["next_step_at"] is None
    assert OutreachTransition.objects.filter(outreach=outreach, transition="pause").exists()


@pytest.mark.parametrize(
    ("name", "until", "message"),
    [
        ("pause", "2001-01-01T00:00:00Z", "future"),
        ("finish", "2099-01-01T00:00:00Z", "Only pause"),
        ("pause", "someday", "datetime"),
    ],
)
def test_a_bad_until_is_400_naming_it(api, mailbox, name, until, message):
    outreach = ready(mailbox)
    api.patch(f"/api/outreaches/{outreach.public_id}/start")
    response = api.patch(
        f"/api/outreaches/{outreach.public_id}/{name}", {"until": until}, format="json"
    )
    assert response.status_code == 400
    assert "until" in str(response.json())
    assert message.lower() in str(response.json()).lower()


def test_the_schedule_says_when_and_why(api, mailbox):
    outreach = ready(mailbox)
    before = api.get(f"/api/outreaches/{outreach.public_id}/schedule").json()
    assert before["next_step"] is None and "start it" in before["explanation"]

    api.patch(f"/api/outreaches/{outreach.public_id}/start")
    due = api.get(f"/api/outreaches/{outreach.public_id}/schedule").json()
    assert due["next_step"] == 1 and due["waiting_for"] is None
    assert "due now" in due["explanation"]

    mailbox.active = False
    mailbox.paused_reason = "The server refused the login: 535 nope"
    mailbox.save()
    paused = api.get(f"/api/outreaches/{outreach.public_id}/schedule").json()
    assert paused["waiting_for"] == "mailbox_inactive"
    assert "535 nope" in paused["explanation"]


def test_the_schedule_waits_for_a_call_step_to_be_done(api, mailbox):
    sequence = SequenceFactory()
    SequenceStepFactory(sequence=sequence, position=1, channel="phone")
    outreach = ready(mailbox, sequence=sequence)
    api.patch(f"/api/outreaches/{outreach.public_id}/start")
    schedule = api.get(f"/api/outreaches/{outreach.public_id}/schedule").json()
    assert schedule["waiting_for"] == "task"
    assert "Call Ada Lovelace" in schedule["explanation"]


def test_the_forecast_counts_the_queue(api, mailbox):
    for _ in range(3):
        outreach = ready(mailbox)
        api.patch(f"/api/outreaches/{outreach.public_id}/start")
    forecast = api.get(f"/api/mailboxes/{mailbox.public_id}/forecast").json()
    assert forecast["queued"] == 3 and forecast["due_now"] == 3
    assert forecast["sent_last_24h"] == 0
    assert sum(day["count"] for day in forecast["by_day"]) == 3
    assert forecast["done_at"] is not None
    engine.send_due()
    after = api.get(f"/api/mailboxes/{mailbox.public_id}/forecast").json()
    assert after["sent_last_24h"] == 3
    assert after["queued"] == 3 and after["due_now"] == 0  # the second steps, a day later


def test_the_preview_renders_every_step_for_the_person(api, mailbox):
    sequence = SequenceFactory()
    SequenceStepFactory(
        sequence=sequence,
        position=1,
        subject_template="Hi {{ first_name }}",
        body_template="From {{ sender_first_name }} to {{ full_name }} at {{ company }}.",
    )
    SequenceStepFactory(sequence=sequence, position=2, delay_days=3, body_template="Bump")
    SequenceStepFactory(sequence=sequence, position=3, channel="phone", delay_days=1)
    person = PersonFactory(first_name="Ada", last_name="Lovelace", company__name="Analytical")
    response = api.get(
        f"/api/sequences/{sequence.public_id}/preview",
        {"person_id": person.public_id, "mailbox_id": mailbox.public_id},
    )
    assert response.status_code == 200, response.json()
    first, second, third = response.json()
    assert first["subject"] == "Hi Ada"
    assert first["body"] == "From Alice to Ada Lovelace at Analytical."
    assert second == {
        "position": 2,
        "number": 2,
        "channel": "email",
        "day": 3,
        "subject": "Re: Hi Ada",
        "body": "Bump",
        "in_thread": True,
    }
    assert third["channel"] == "phone" and third["day"] == 4


def test_the_preview_needs_a_person_of_this_workspace(api):
    sequence = SequenceFactory(steps=1)
    assert "person_id" in api.get(f"/api/sequences/{sequence.public_id}/preview").json()
    stranger = PersonFactory(workspace=WorkspaceFactory(), company=None)
    response = api.get(
        f"/api/sequences/{sequence.public_id}/preview", {"person_id": stranger.public_id}
    )
    assert response.status_code == 400
    assert "person_id" in response.json()


def test_sequences_take_exclusive_and_stop_on_company_reply(api):
    response = api.post(
        "/api/sequences",
        {"name": "Gentle", "exclusive": False, "stop_on_company_reply": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["exclusive"] is False
    assert response.json()["stop_on_company_reply"] is True
    assert api.post("/api/sequences", {"name": "Default"}, format="json").json()["exclusive"]


def test_an_uncertain_message_is_decided_over_http(api, mailbox, client_for):
    outreach = ready(mailbox)
    api.patch(f"/api/outreaches/{outreach.public_id}/start")
    engine.claim_next()
    message = Message.objects.get()
    Message.objects.update(status=MessageStatus.UNCERTAIN)

    viewer = client_for(UserFactory(membership__role="viewer"))
    assert viewer.post(f"/api/messages/{message.public_id}/mark_sent").status_code == 403

    response = api.post(f"/api/messages/{message.public_id}/send_again")
    assert response.status_code == 200
    assert response.json()["status"] == "scheduled"
    again = api.post(f"/api/messages/{message.public_id}/send_again")
    assert again.status_code == 409
    assert "uncertain" in again.json()["detail"]
    assert engine.send_due() == 1
    assert Message.objects.get().status == MessageStatus.SENT


def test_deciding_another_workspaces_message_is_404(api):
    stranger = MailboxFactory(workspace=WorkspaceFactory(), owner=UserFactory())
    message = Message.objects.create(
        workspace=stranger.workspace,
        mailbox=stranger,
        to="x@example.com",
        status=MessageStatus.UNCERTAIN,
    )
    assert api.post(f"/api/messages/{message.public_id}/mark_sent").status_code == 404


def test_batch_start_runs_one_exclusive_sequence_per_person_even_within_the_batch(api, mailbox):
    first = ready(mailbox)
    second = OutreachFactory(
        person=first.person, sequence=SequenceFactory(steps=1), approved=True, state="ready"
    )
    body = api.patch(
        "/api/outreaches/batch_start",
        {"outreach_ids": [first.public_id, second.public_id], "mailbox_id": mailbox.public_id},
        format="json",
    ).json()
    assert body["success_count"] == 1
    assert body["skipped"] == [
        {
            "id": second.public_id,
            "reason": f"Cannot start: {first.public_id} of the same person starts an exclusive "
            "sequence in this batch.",
        }
    ]


def test_batch_start_is_set_based_and_writes_what_start_writes(api, mailbox, user):
    def started_with_queries(count):
        outreaches = [ready(mailbox) for _ in range(count)]
        with CaptureQueriesContext(connection) as queries:
            response = api.patch(
                "/api/outreaches/batch_start",
                {"outreach_ids": [o.public_id for o in outreaches]},
                format="json",
            )
        assert response.json()["success_count"] == count
        return outreaches, len(queries.captured_queries)

    _few, few = started_with_queries(2)
    many_outreaches, many = started_with_queries(20)
    assert many == few  # the same statements whatever the size
    outreach = Outreach.objects.get(pk=many_outreaches[0].pk)
    assert (outreach.current_state, outreach.mailbox_id, outreach.next_step) == (
        "starting",
        mailbox.pk,
        1,
    )
    assert outreach.next_step_at is not None
    row = OutreachTransition.objects.get(outreach=outreach)
    assert (row.transition, row.from_state, row.to_state, row.actor) == (
        "start",
        "ready",
        "starting",
        user,
    )
