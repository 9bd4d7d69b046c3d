"""skip_repliers and do_not_contact: who is never contacted, and what starting them does."""

import json

import pytest
from django.utils import timezone

from outreach.exceptions import TransitionNotAllowed
from outreach.models import Outreach, OutreachTransition
from outreach.services.outreaches import outreach_transition, outreach_update
from tests.factories import (
    MailboxFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def replier(**outcome_fields):
    """A person with one earlier outreach whose outcome says they answered."""
    person = PersonFactory()
    OutreachFactory(
        person=person, outcome=outcome_fields.pop("outcome", "replied"), **outcome_fields
    )
    return person


def run(outreach, user):
    return outreach_transition(outreach=outreach, name="run", actor=user)


def assert_aborted(outreach, reason_part, refused="run"):
    stored = Outreach.objects.get(pk=outreach.pk)
    assert stored.delivery_status == "aborted"
    assert reason_part in stored.error_description
    assert stored.done_time is not None
    row = OutreachTransition.objects.filter(outreach=outreach, field="delivery_status").get()
    assert (row.transition, row.from_state, row.to_state) == ("abort", "pending", "aborted")
    assert row.metadata == {"reason": stored.error_description, "refused": refused}


# --- global -------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["replied", "positive", "negative"])
def test_global_aborts_when_any_outreach_of_the_person_has_a_reply(user, outcome):
    person = replier(outcome=outcome)
    outreach = OutreachFactory(person=person, skip_repliers="global")
    with pytest.raises(TransitionNotAllowed) as excinfo:
        run(outreach, user)
    assert str(excinfo.value) == (
        f"Cannot run: {person.public_id} has already replied and skip_repliers is 'global'. "
        "Delivery status is 'aborted'."
    )
    assert_aborted(outreach, "has already replied")


@pytest.mark.parametrize(
    "person_fields",
    [
        {"last_replied_at": timezone.now},
        {"status": "replied"},
        {"status": "interested"},
        {"status": "not_interested"},
    ],
)
def test_global_aborts_when_the_person_record_shows_a_reply(user, person_fields):
    fields = {k: v() if callable(v) else v for k, v in person_fields.items()}
    outreach = OutreachFactory(person=PersonFactory(**fields), skip_repliers="global")
    with pytest.raises(TransitionNotAllowed, match="skip_repliers is 'global'"):
        run(outreach, user)
    assert_aborted(outreach, "has already replied")


@pytest.mark.parametrize("outcome", ["none", "no_response", "bounced"])
def test_global_runs_when_the_person_never_answered(user, outcome):
    person = PersonFactory(status="contacted")
    OutreachFactory(person=person, outcome=outcome)
    outreach = OutreachFactory(person=person, skip_repliers="global")
    assert run(outreach, user).delivery_status == "running"
    assert Outreach.objects.get(pk=outreach.pk).error_description == ""


def test_global_counts_a_reply_to_this_very_outreach(user):
    outreach = OutreachFactory(person=PersonFactory(), skip_repliers="global", outcome="replied")
    with pytest.raises(TransitionNotAllowed):
        run(outreach, user)
    assert Outreach.objects.get(pk=outreach.pk).delivery_status == "aborted"


# --- tag_only -------------------------------------------------------------------------------


def test_tag_only_aborts_when_they_replied_to_the_same_tag(user):
    tag = TagFactory(name="important_lead")
    person = replier(tag=tag)
    outreach = OutreachFactory(person=person, skip_repliers="tag_only", tag=tag)
    with pytest.raises(TransitionNotAllowed) as excinfo:
        run(outreach, user)
    assert (
        f"{person.public_id} has already replied to an outreach tagged 'important_lead' "
        "and skip_repliers is 'tag_only'."
    ) in str(excinfo.value)
    assert_aborted(outreach, "tagged 'important_lead'")


def test_tag_only_runs_when_the_reply_was_under_another_tag(user):
    person = replier(tag=TagFactory(name="other"))
    outreach = OutreachFactory(person=person, skip_repliers="tag_only", tag=TagFactory())
    assert run(outreach, user).delivery_status == "running"


def test_tag_only_runs_when_the_reply_was_untagged(user):
    person = replier()
    outreach = OutreachFactory(person=person, skip_repliers="tag_only", tag=TagFactory())
    assert run(outreach, user).delivery_status == "running"


def test_tag_only_ignores_the_person_record(user):
    person = PersonFactory(status="replied", last_replied_at=timezone.now())
    outreach = OutreachFactory(person=person, skip_repliers="tag_only", tag=TagFactory())
    assert run(outreach, user).delivery_status == "running"


def test_tag_only_on_an_untagged_outreach_never_skips(user):
    person = replier()
    outreach = OutreachFactory(person=person, skip_repliers="tag_only")
    assert run(outreach, user).delivery_status == "running"


# --- none, no person, do_not_contact ------------------------------------------------------


def test_none_never_skips_a_replier(user):
    person = replier()
    person.status = "replied"
    person.save()
    outreach = OutreachFactory(person=person, skip_repliers="none")
    assert run(outreach, user).delivery_status == "running"


def test_an_outreach_without_a_person_always_runs(user):
    outreach = OutreachFactory(person=None, skip_repliers="global")
    assert run(outreach, user).delivery_status == "running"


@pytest.mark.parametrize("skip_repliers", ["none", "global", "tag_only"])
def test_do_not_contact_is_never_contacted(user, skip_repliers):
    person = PersonFactory(status="do_not_contact")
    outreach = OutreachFactory(person=person, skip_repliers=skip_repliers)
    with pytest.raises(TransitionNotAllowed) as excinfo:
        run(outreach, user)
    assert str(excinfo.value) == (
        f"Cannot run: {person.public_id} is marked do_not_contact and is never contacted. "
        "Delivery status is 'aborted'."
    )
    assert_aborted(outreach, "do_not_contact")


def test_retrying_an_aborted_outreach_checks_again(user):
    outreach = OutreachFactory(person=replier(), skip_repliers="global")
    with pytest.raises(TransitionNotAllowed):
        run(outreach, user)
    outreach_transition(outreach=outreach, name="retry", actor=user)
    with pytest.raises(TransitionNotAllowed):
        run(outreach, user)
    outreach_transition(outreach=outreach, name="retry", actor=user)
    outreach_update(outreach=outreach, actor=user, skip_repliers="none")
    assert run(outreach, user).delivery_status == "running"
    assert [r.transition for r in OutreachTransition.objects.order_by("id")] == [
        "abort",
        "retry",
        "abort",
        "retry",
        "run",
    ]


# --- start (the pipeline) -------------------------------------------------------------------


def ready(person, **fields):
    return OutreachFactory(
        person=person,
        state="ready",
        sequence=SequenceFactory(steps=1),
        approved=True,
        mailbox=MailboxFactory(),
        **fields,
    )


def test_start_of_a_replier_aborts_delivery_and_stays_ready(user):
    outreach = ready(replier(), skip_repliers="global")
    with pytest.raises(
        TransitionNotAllowed, match=r"^Cannot start: .* Delivery status is 'aborted'"
    ):
        outreach_transition(outreach=outreach, name="start", actor=user)
    stored = Outreach.objects.get(pk=outreach.pk)
    assert stored.current_state == "ready"
    assert_aborted(outreach, "has already replied", refused="start")
    assert not OutreachTransition.objects.filter(field="current_state").exists()


def test_start_of_someone_contactable_starts(user):
    outreach = ready(PersonFactory(), skip_repliers="global")
    assert outreach_transition(outreach=outreach, name="start", actor=user).current_state == (
        "starting"
    )


def test_start_when_delivery_is_already_over_refuses_without_changing_it(user):
    outreach = ready(PersonFactory(status="do_not_contact"))
    Outreach.objects.filter(pk=outreach.pk).update(delivery_status="performed")
    with pytest.raises(TransitionNotAllowed) as excinfo:
        outreach_transition(outreach=outreach, name="start", actor=user)
    assert "do_not_contact" in str(excinfo.value)
    assert "Delivery status is 'performed'" in str(excinfo.value)
    stored = Outreach.objects.get(pk=outreach.pk)
    assert (stored.current_state, stored.delivery_status) == ("ready", "performed")
    assert not OutreachTransition.objects.exists()


def test_state_refusals_come_before_the_contact_check(user):
    outreach = OutreachFactory(person=replier(), skip_repliers="global", state="new")
    with pytest.raises(TransitionNotAllowed, match="from 'new' to 'starting'"):
        outreach_transition(outreach=outreach, name="start", actor=user)
    assert Outreach.objects.get(pk=outreach.pk).delivery_status == "pending"


# --- through the API ------------------------------------------------------------------------


def test_run_endpoint_answers_409_with_the_reason_and_keeps_the_abort(api):
    person = PersonFactory(status="do_not_contact")
    outreach = OutreachFactory(person=person)
    response = api.patch(f"/api/outreaches/{outreach.public_id}/run")
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Cannot run: {person.public_id} is marked do_not_contact and is never "
        "contacted. Delivery status is 'aborted'."
    }
    body = api.get(f"/api/outreaches/{outreach.public_id}").json()
    assert body["delivery_status"] == "aborted"
    assert body["error_description"] == (
        f"{person.public_id} is marked do_not_contact and is never contacted."
    )


def test_start_endpoint_answers_409_with_the_reason(api):
    outreach = ready(replier(), skip_repliers="global")
    response = api.patch(f"/api/outreaches/{outreach.public_id}/start")
    assert response.status_code == 409
    assert "skip_repliers is 'global'" in response.json()["detail"]
    assert Outreach.objects.get(pk=outreach.pk).delivery_status == "aborted"


def test_patching_status_to_running_records_the_abort_as_what_happened(api):
    outreach = OutreachFactory(person=replier(), skip_repliers="global")
    response = api.patch(
        f"/api/outreaches/{outreach.public_id}",
        data=json.dumps({"delivery_status": "running", "subject": "kept"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["delivery_status"] == "aborted"
    assert "has already replied" in body["error_description"]
    assert body["subject"] == "kept"


def test_creating_a_running_outreach_for_a_replier_creates_it_aborted(api):
    person = replier()
    response = api.post(
        "/api/outreaches",
        {
            "person_id": person.public_id,
            "channel": "email",
            "skip_repliers": "global",
            "delivery_status": "performed",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["delivery_status"] == "aborted"
    assert body["sent_at"] is None
    assert "has already replied" in body["error_description"]
    outreach = Outreach.objects.get(pk=int(body["id"][4:]))
    assert [r.transition for r in outreach.transitions.all()] == ["abort"]


@pytest.mark.django_db(transaction=True)
def test_the_abort_is_committed_although_the_answer_is_409(api):
    outreach = OutreachFactory(person=PersonFactory(status="do_not_contact"))
    assert api.patch(f"/api/outreaches/{outreach.public_id}/run").status_code == 409
    # transaction=True: nothing wraps the request, so this reads what was committed.
    stored = Outreach.objects.get(pk=outreach.pk)
    assert stored.delivery_status == "aborted"
    assert OutreachTransition.objects.filter(outreach=outreach, transition="abort").exists()
