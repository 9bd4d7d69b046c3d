import datetime
from datetime import timedelta
from unittest.mock import ANY
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from followups.models import FollowUp
from outreach.services.outreaches import outreach_update
from tests.factories import FollowUpFactory, JobFactory, OutreachFactory, PersonFactory
from tests.support.api import ResourceCases

pytestmark = pytest.mark.django_db

URL = "/api/followups"
FIELDS = {
    "id",
    "outreach_id",
    "person_id",
    "job_id",
    "kind",
    "title",
    "attempt_no",
    "due_at",
    "note",
    "status",
    "completed_at",
    "created_at",
    "updated_at",
}
NOW = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.UTC)


def detail(followup) -> str:
    return f"{URL}/{followup.public_id}"


class TestFollowUpsResource(ResourceCases):
    path = URL
    prefix = "fup"

    @staticmethod
    def make():
        return FollowUpFactory(outreach=OutreachFactory())

    @staticmethod
    def create_payload():
        return {"person_id": PersonFactory().public_id, "title": "Call back"}


# --- list ------------------------------------------------------------------------------------


def test_list_answers_the_envelope_soonest_due_first(api):
    later = FollowUpFactory(due_at=NOW + datetime.timedelta(days=2))
    soon = FollowUpFactory(due_at=NOW)
    middle = FollowUpFactory(due_at=NOW + datetime.timedelta(days=1))

    response = api.get(URL, {"per": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {
        "next_cursor": ANY,
        "current_page": 1,
        "per_page": 2,
        "total_pages": 2,
        "total_count": 3,
    }
    assert [f["id"] for f in body["items"]] == [soon.public_id, middle.public_id]
    assert set(body["items"][0]) >= FIELDS
    assert api.get(URL, {"per": 2, "page": 2}).json()["items"][0]["id"] == later.public_id


def test_filter_by_outreach_id(api):
    outreach = OutreachFactory()
    mine = FollowUpFactory(outreach=outreach, person=outreach.person)
    FollowUpFactory(person=outreach.person)

    items = api.get(URL, {"outreach_id": outreach.public_id}).json()["items"]

    assert [f["id"] for f in items] == [mine.public_id]


def test_filter_by_person_id(api):
    person = PersonFactory()
    mine = FollowUpFactory(person=person)
    FollowUpFactory()

    items = api.get(URL, {"person_id": person.public_id}).json()["items"]

    assert [f["id"] for f in items] == [mine.public_id]


def test_filter_by_job_id(api):
    job = JobFactory()
    mine = FollowUpFactory(job=job)
    FollowUpFactory()

    items = api.get(URL, {"job_id": job.public_id}).json()["items"]

    assert [f["id"] for f in items] == [mine.public_id]


def test_filter_by_status_reads_any_case(api):
    done = FollowUpFactory(status="done")
    FollowUpFactory(status="pending")

    items = api.get(URL, {"status": "DONE"}).json()["items"]

    assert [f["id"] for f in items] == [done.public_id]


def test_filter_by_kind(api):
    respond = FollowUpFactory(kind="respond")
    FollowUpFactory(kind="follow_up")

    items = api.get(URL, {"kind": "respond"}).json()["items"]

    assert [f["id"] for f in items] == [respond.public_id]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"outreach_id": "per_1"},
            {"outreach_id": ["Not a valid id: expected the form out_<number>."]},
        ),
        ({"person_id": "42"}, {"person_id": ["Not a valid id: expected the form per_<number>."]}),
        ({"job_id": "job_x"}, {"job_id": ["Not a valid id: expected the form job_<number>."]}),
        (
            {"status": "open"},
            {"status": ["Select a valid choice. open is not one of the available choices."]},
        ),
        (
            {"kind": "call"},
            {"kind": ["Select a valid choice. call is not one of the available choices."]},
        ),
        (
            {"due": "someday"},
            {"due": ["Select a valid choice. someday is not one of the available choices."]},
        ),
    ],
)
def test_bad_filter_values_are_400_naming_the_parameter(api, params, error):
    response = api.get(URL, params)

    assert response.status_code == 400
    assert response.json() == error


def test_due_filter_today_overdue_upcoming(api):
    now = timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    overdue = FollowUpFactory(due_at=start - timedelta(hours=1))
    today = FollowUpFactory(due_at=start + timedelta(hours=12))
    upcoming = FollowUpFactory(due_at=start + timedelta(days=2))
    FollowUpFactory(due_at=start + timedelta(hours=5), status="done")
    for due, expected in (("today", today), ("overdue", overdue), ("upcoming", upcoming)):
        response = api.get(f"/api/followups?due={due}")
        assert response.status_code == 200
        assert [i["id"] for i in response.json()["items"]] == [expected.public_id], due
    assert api.get("/api/followups?due=someday").status_code == 400


def test_followups_filters(api):
    outreach = OutreachFactory(job=JobFactory())
    outreach_update(outreach=outreach, actor=None, sent_at=timezone.now())
    FollowUpFactory()
    followup = FollowUp.objects.get(outreach=outreach)
    for query in (
        f"outreach_id={outreach.public_id}",
        f"person_id={outreach.person.public_id}",
        f"job_id={outreach.job.public_id}",
    ):
        items = api.get(f"/api/followups?{query}").json()["items"]
        assert [i["id"] for i in items] == [followup.public_id], query
    assert api.get("/api/followups?job_id=per_1").status_code == 400


# --- create ----------------------------------------------------------------------------------


def test_create_about_a_person_answers_201(api):
    person = PersonFactory()

    response = api.post(
        URL,
        {
            "person_id": person.public_id,
            "title": "Call Ada back",
            "due_at": "2025-03-01T12:00:00Z",
            "note": "She asked for Tuesday.",
            "kind": "RESPOND",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    followup = FollowUp.objects.get()
    assert set(body) >= FIELDS
    assert body["id"] == followup.public_id
    assert body["person_id"] == person.public_id
    assert body["outreach_id"] is None
    assert body["job_id"] is None
    assert body["title"] == "Call Ada back"
    assert body["kind"] == "respond"
    assert body["status"] == "pending"
    assert body["attempt_no"] == 1
    assert body["completed_at"] is None
    assert followup.due_at == NOW


def test_create_about_a_job_only(api):
    job = JobFactory()

    response = api.post(URL, {"job_id": job.public_id, "title": "Chase HR"}, format="json")

    assert response.status_code == 201
    assert response.json()["job_id"] == job.public_id
    assert response.json()["person_id"] is None


def test_create_about_an_outreach_takes_its_person_and_job(api):
    job = JobFactory()
    outreach = OutreachFactory(job=job)

    response = api.post(URL, {"outreach_id": outreach.public_id}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["outreach_id"] == outreach.public_id
    assert body["person_id"] == outreach.person.public_id
    assert body["job_id"] == job.public_id


def test_create_without_title_or_due_date_gets_defaults(api):
    person = PersonFactory(first_name="Ada", last_name="Lovelace")
    before = timezone.now()

    response = api.post(URL, {"person_id": person.public_id}, format="json")

    assert response.status_code == 201
    assert response.json()["title"].startswith("Follow up with Ada Lovelace")
    assert FollowUp.objects.get().due_at >= before


def test_create_from_a_form_body(api):
    person = PersonFactory()
    body = urlencode(
        {
            "person_id": person.public_id,
            "title": "Send the deck",
            "due_at": "2025-03-01T12:00:00Z",
            "attempt_no": "2",
        }
    )

    response = api.post(URL, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 201
    assert response.json()["person_id"] == person.public_id
    assert response.json()["attempt_no"] == 2


def test_create_with_none_of_outreach_person_or_job_is_400(api):
    response = api.post(URL, {"title": "About nothing"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "outreach_id": ["A follow-up needs an outreach_id, a person_id or a job_id."]
    }
    assert not FollowUp.objects.exists()


def test_create_with_all_references_null_is_400(api):
    response = api.post(
        URL, {"outreach_id": None, "person_id": None, "job_id": None}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "outreach_id": ["A follow-up needs an outreach_id, a person_id or a job_id."]
    }


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"person_id": "per_999999"}, {"person_id": ["No person with id per_999999."]}),
        ({"outreach_id": "out_999999"}, {"outreach_id": ["No outreach with id out_999999."]}),
        ({"job_id": "job_999999"}, {"job_id": ["No job with id job_999999."]}),
        (
            {"kind": "call"},
            {"kind": ['"call" is not a valid choice. Use one of: follow_up, respond, step.']},
        ),
        (
            {"status": "open"},
            {
                "status": [
                    '"open" is not a valid choice. Use one of: pending, done, skipped, canceled.'
                ]
            },
        ),
        (
            {"due_at": "tomorrow"},
            {
                "due_at": [
                    "Datetime has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
                ]
            },
        ),
        (
            {"attempt_no": -1},
            {"attempt_no": ["Ensure this value is greater than or equal to 0."]},
        ),
        ({"attempt_no": "two"}, {"attempt_no": ["A valid integer is required."]}),
        (
            {"title": "x" * 301},
            {"title": ["Ensure this field has no more than 300 characters."]},
        ),
    ],
)
def test_bad_values_are_400_naming_the_field_and_nothing_is_written(api, payload, error):
    person = PersonFactory()

    response = api.post(URL, {"person_id": person.public_id, **payload}, format="json")

    assert response.status_code == 400
    assert response.json() == error
    assert not FollowUp.objects.exists()


# --- retrieve, update ------------------------------------------------------------------------


def test_retrieve(api):
    followup = FollowUpFactory(title="Call back")

    response = api.get(detail(followup))

    assert response.status_code == 200
    assert response.json()["id"] == followup.public_id
    assert response.json()["title"] == "Call back"


def test_marking_done_stamps_completed_at_and_reopening_clears_it(api):
    followup = FollowUpFactory(status="pending")

    response = api.patch(detail(followup), {"status": "done"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert response.json()["completed_at"] is not None

    response = api.patch(detail(followup), {"status": "pending"}, format="json")

    assert response.json()["status"] == "pending"
    assert response.json()["completed_at"] is None


def test_patch_from_a_form_body(api):
    followup = FollowUpFactory(note="")

    response = api.patch(
        detail(followup),
        urlencode({"note": "Left a voicemail", "status": "skipped"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert response.json()["note"] == "Left a voicemail"
    assert response.json()["status"] == "skipped"


def test_patch_moving_to_another_subject(api):
    followup = FollowUpFactory()
    job = JobFactory()

    response = api.patch(
        detail(followup), {"job_id": job.public_id, "person_id": None}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["job_id"] == job.public_id
    assert response.json()["person_id"] is None


def test_patch_removing_the_only_subject_is_400(api):
    followup = FollowUpFactory()

    response = api.patch(detail(followup), {"person_id": None}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "outreach_id": ["A follow-up needs an outreach_id, a person_id or a job_id."]
    }
    followup.refresh_from_db()
    assert followup.person_id is not None


def test_patch_with_a_bad_status_is_400(api):
    followup = FollowUpFactory(status="pending")

    response = api.patch(detail(followup), {"status": "finished"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    followup.refresh_from_db()
    assert followup.status == "pending"


def test_followup_bad_status_is_400(api):
    followup = FollowUpFactory()
    response = api.patch(f"/api/followups/{followup.public_id}", {"status": "later"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()


# --- delete ----------------------------------------------------------------------------------


def test_delete_answers_204(api):
    followup = FollowUpFactory()

    response = api.delete(detail(followup))

    assert response.status_code == 204
    assert not FollowUp.objects.exists()
