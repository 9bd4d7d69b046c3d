"""The jobs pages: the list by heat, the heat explained, the create and edit forms."""

import re

import pytest
from django.utils import timezone

from jobs.models import Job
from tests.factories import CompanyFactory, JobFactory, OutreachFactory, PersonFactory

pytestmark = pytest.mark.django_db


# --- list and detail -------------------------------------------------------------------------


def test_jobs_are_sorted_by_heat(dash):
    JobFactory(title="Lukewarm role", heat_score=30, heat=1)
    JobFactory(title="Hot role", heat_score=90, heat=3)
    html = dash.get("/jobs/").content.decode()
    assert html.index("Hot role") < html.index("Lukewarm role")


def test_job_page_explains_the_heat(dash):
    job = JobFactory(stage="tech")
    OutreachFactory(
        job=job,
        person=PersonFactory(strength="strong"),
        channel="phone",
        outcome="positive",
        personalization_score=50,
        sent_at=timezone.now(),
    )
    html = dash.get(f"/jobs/{job.public_id}/").content.decode()
    for label, value in (
        ("Stage base (tech)", "+65"),
        ("Outcome of the latest outreach", "+30"),
        ("Person&#x27;s strength", "+20"),
        ("Channel", "+16"),
        ("Personalization ÷ 5", "+10"),
    ):
        assert re.search(rf"<dt>{re.escape(label)}</dt><dd>{re.escape(value)}</dd>", html), label
    assert "Heat score now</dt><dd>100 → heat 3 of 3" in html


# --- forms -----------------------------------------------------------------------------------


def test_create_and_edit_a_job(dash):
    company = CompanyFactory()
    response = dash.post(
        "/jobs/new/",
        {"title": "Staff engineer", "company": company.pk, "url": "", "stage": "hr"},
    )
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.public_id}/"
    assert (job.title, job.stage, job.archived) == ("Staff engineer", "hr", False)

    edit = dash.post(
        f"/jobs/{job.public_id}/edit/",
        {"title": "Staff engineer", "company": company.pk, "stage": "bogus"},
    )
    assert edit.context["form"].errors["stage"] == [
        "Select a valid choice. bogus is not one of the available choices."
    ]


def test_job_form_field_errors_are_shown(dash):
    job = JobFactory()
    response = dash.post(f"/jobs/{job.public_id}/edit/", {"title": "", "stage": "applied"})
    assert response.context["form"].errors["title"] == ["This field is required."]
    assert "This field is required." in response.content.decode()
