from datetime import timedelta
from unittest.mock import ANY
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from followups.models import FollowUp
from jobs.models import Job
from outreach.models import Outreach
from tests.factories import (
    CompanyFactory,
    FollowUpFactory,
    JobFactory,
    OutreachFactory,
    PersonFactory,
)
from tests.support.api import ResourceCases

pytestmark = pytest.mark.django_db

URL = "/api/jobs"
FIELDS = {
    "id",
    "title",
    "company_id",
    "url",
    "stage",
    "archived",
    "heat_score",
    "heat",
    "created_at",
    "updated_at",
}


def detail(job) -> str:
    return f"{URL}/{job.public_id}"


class TestJobsResource(ResourceCases):
    path = URL
    prefix = "job"
    make = JobFactory
    create_payload = {"title": "Designer", "stage": "hr"}


# --- list ------------------------------------------------------------------------------------


def test_list_answers_the_envelope_hottest_first(api):
    cold = JobFactory(heat_score=10, heat=0)
    hot = JobFactory(heat_score=90, heat=3)
    warm = JobFactory(heat_score=50, heat=2)

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
    assert [j["id"] for j in body["items"]] == [hot.public_id, warm.public_id]
    assert set(body["items"][0]) >= FIELDS
    assert api.get(URL, {"per": 2, "page": 2}).json()["items"][0]["id"] == cold.public_id


def test_filter_by_company_id(api):
    acme = CompanyFactory()
    mine = JobFactory(company=acme)
    JobFactory()

    items = api.get(URL, {"company_id": acme.public_id}).json()["items"]

    assert [j["id"] for j in items] == [mine.public_id]


def test_filter_by_stage_reads_any_case(api):
    offer = JobFactory(stage="offer")
    JobFactory(stage="applied")

    items = api.get(URL, {"stage": "OFFER"}).json()["items"]

    assert [j["id"] for j in items] == [offer.public_id]


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("0", False), ("no", False)])
def test_filter_by_archived(api, value, expected):
    archived = JobFactory(archived=True)
    active = JobFactory(archived=False)

    items = api.get(URL, {"archived": value}).json()["items"]

    assert [j["id"] for j in items] == [(archived if expected else active).public_id]


def test_filter_by_heat(api):
    hot = JobFactory(heat_score=90, heat=3)
    JobFactory(heat_score=30, heat=1)

    items = api.get(URL, {"heat": "3"}).json()["items"]

    assert [j["id"] for j in items] == [hot.public_id]


def test_q_searches_the_title(api):
    backend = JobFactory(title="Senior Backend Engineer")
    JobFactory(title="Designer")

    items = api.get(URL, {"q": "backend"}).json()["items"]

    assert [j["id"] for j in items] == [backend.public_id]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"company_id": "job_1"},
            {"company_id": ["Not a valid id: expected the form com_<number>."]},
        ),
        (
            {"stage": "bogus"},
            {"stage": ["Select a valid choice. bogus is not one of the available choices."]},
        ),
        ({"archived": "maybe"}, {"archived": ["Use true or false."]}),
        ({"dormant_candidate": "perhaps"}, {"dormant_candidate": ["Use true or false."]}),
        ({"heat": "hot"}, {"heat": ["Enter a number."]}),
        ({"heat": "NaN"}, {"heat": ["Enter a number."]}),
        ({"q": "x" * 201}, {"q": ["Ensure this value has at most 200 characters (it has 201)."]}),
    ],
)
def test_bad_filter_values_are_400_naming_the_parameter(api, params, error):
    response = api.get(URL, params)

    assert response.status_code == 400
    assert response.json() == error


def test_an_absurd_heat_matches_nothing_instead_of_failing(api):
    JobFactory(heat=3)

    response = api.get(URL, {"heat": "9" * 40})

    assert response.status_code == 200
    assert response.json()["items"] == []


def test_dormant_candidate_after_last_attempt_and_seven_quiet_days(api):
    job = JobFactory(stage="hr")
    old = timezone.now() - timedelta(days=20)
    outreach = OutreachFactory(job=job, sent_at=old)
    Outreach.objects.filter(pk=outreach.pk).update(created_at=old)
    FollowUpFactory(
        job=job,
        outreach=outreach,
        attempt_no=2,
        status="done",
        completed_at=timezone.now() - timedelta(days=8),
    )
    fresh = JobFactory(stage="hr")
    FollowUpFactory(
        job=fresh, attempt_no=2, status="done", completed_at=timezone.now() - timedelta(days=2)
    )
    body = api.get(f"/api/jobs/{job.public_id}").json()
    assert body["dormant_candidate"] is True
    assert api.get(f"/api/jobs/{fresh.public_id}").json()["dormant_candidate"] is False
    items = api.get("/api/jobs?dormant_candidate=true").json()["items"]
    assert [i["id"] for i in items] == [job.public_id]


def test_heat_explain_returns_every_part(api):
    job = JobFactory(stage="tech")
    created = api.post(
        "/api/outreaches",
        {
            "job_id": job.public_id,
            "person_id": PersonFactory(strength="strong").public_id,
            "outcome": "positive",
            "channel": "linkedin",
            "personalization_score": 90,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = api.get(f"/api/jobs/{job.public_id}/heat_explain").json()
    assert body["job_id"] == job.public_id
    assert body["stage_base"] == 65
    assert body["outcome_points"] == 30
    assert body["strength_points"] == 20
    assert body["channel_points"] == 14
    assert body["personalization_points"] == 18
    assert body["cap"] is None
    assert body["heat_score"] == 100 and body["heat"] == 3
    assert api.get("/api/jobs/job_999/heat_explain").status_code == 404


# --- create ----------------------------------------------------------------------------------


def test_create_answers_201_with_the_job(api):
    acme = CompanyFactory()

    response = api.post(
        URL,
        {
            "title": "Backend engineer",
            "company_id": acme.public_id,
            "url": "https://jobs.acme.com/42",
            "stage": "HR",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    job = Job.objects.get()
    assert set(body) >= FIELDS
    assert body["id"] == job.public_id
    assert body["company_id"] == acme.public_id
    assert body["stage"] == job.stage == "hr"
    assert body["archived"] is False
    assert isinstance(body["heat_score"], int)
    assert 0 <= body["heat"] <= 3


def test_create_defaults_to_applied(api):
    response = api.post(URL, {"title": "Designer"}, format="json")

    assert response.status_code == 201
    assert response.json()["stage"] == "applied"
    assert response.json()["company_id"] is None


def test_heat_cannot_be_written(api):
    response = api.post(
        URL, {"title": "Designer", "heat_score": 100, "heat": 3, "stage": "rejected"}, format="json"
    )

    assert response.status_code == 201
    job = Job.objects.get()
    assert job.heat_score != 100
    assert job.heat != 3


def test_create_from_a_form_body(api):
    acme = CompanyFactory()
    body = urlencode(
        {"title": "Designer", "company_id": acme.public_id, "stage": "tech", "archived": "true"}
    )

    response = api.post(URL, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 201
    assert response.json()["stage"] == "tech"
    assert response.json()["archived"] is True
    assert response.json()["company_id"] == acme.public_id


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (
            {"stage": "bogus"},
            {
                "stage": [
                    '"bogus" is not a valid choice. Use one of: applied, hr, tech, offer, '
                    "rejected, dormant."
                ]
            },
        ),
        (
            {"stage": 3},
            {
                "stage": [
                    '"3" is not a valid choice. Use one of: applied, hr, tech, offer, '
                    "rejected, dormant."
                ]
            },
        ),
        ({"title": ""}, {"title": ["This field may not be blank."]}),
        ({"url": "not a url"}, {"url": ["Enter a valid URL."]}),
        ({"archived": "maybe"}, {"archived": ["Must be a valid boolean."]}),
        ({"company_id": "com_999999"}, {"company_id": ["No company with id com_999999."]}),
        (
            {"company_id": "per_1"},
            {"company_id": ["Not a valid id: expected the form com_<number>."]},
        ),
    ],
)
def test_bad_values_are_400_naming_the_field_and_nothing_is_written(api, payload, error):
    response = api.post(URL, {"title": "Designer", **payload}, format="json")

    assert response.status_code == 400
    assert response.json() == error
    assert not Job.objects.exists()


def test_title_is_required(api):
    response = api.post(URL, {"stage": "applied"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"title": ["This field is required."]}


# --- retrieve, update ------------------------------------------------------------------------


def test_retrieve(api):
    job = JobFactory(title="Designer", stage="tech")

    response = api.get(detail(job))

    assert response.status_code == 200
    assert response.json()["id"] == job.public_id
    assert response.json()["title"] == "Designer"
    assert response.json()["stage"] == "tech"


def test_patch_changes_the_stage_and_keeps_the_rest(api):
    job = JobFactory(title="Designer", stage="applied", url="https://acme.com/jobs/1")

    response = api.patch(detail(job), {"stage": "Offer"}, format="json")

    assert response.status_code == 200
    assert response.json()["stage"] == "offer"
    assert response.json()["url"] == "https://acme.com/jobs/1"
    job.refresh_from_db()
    assert job.stage == "offer"


def test_patch_archives_from_a_form_body(api):
    job = JobFactory(archived=False)

    response = api.patch(
        detail(job),
        urlencode({"archived": "true"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert response.json()["archived"] is True


def test_patch_with_a_bad_stage_is_400_and_changes_nothing(api):
    job = JobFactory(stage="hr")

    response = api.patch(detail(job), {"stage": "bogus"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["stage"]
    job.refresh_from_db()
    assert job.stage == "hr"


# --- delete ----------------------------------------------------------------------------------


def test_delete_answers_204_and_removes_its_follow_ups(api):
    job = JobFactory()
    FollowUpFactory(job=job, person=None)

    response = api.delete(detail(job))

    assert response.status_code == 204
    assert not Job.objects.exists()
    assert not FollowUp.objects.exists()


def test_delete_a_job_an_outreach_names_is_409_and_deletes_nothing(api):
    job = JobFactory()
    OutreachFactory(job=job)

    response = api.delete(detail(job))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Still referenced by 1 other record(s); remove those first."
    }
    assert Job.objects.filter(pk=job.pk).exists()
