"""The job admin: heat is the service's to compute."""

import pytest

from jobs.models import Job
from tests.factories import JobFactory
from tests.support.admin import change_form_data, url

pytestmark = pytest.mark.django_db


def test_job_heat_is_read_only(admin_client):
    job = JobFactory(heat_score=40, heat=1)

    response = admin_client.get(url(Job, "change", job.pk))

    form = response.context["adminform"].form
    assert "heat_score" not in form.fields
    assert "heat" not in form.fields


def test_a_job_saved_in_the_admin_gets_its_heat_from_the_service(admin_client):
    job = JobFactory(stage="applied", heat_score=0, heat=0)
    data = change_form_data(admin_client.get(url(Job, "change", job.pk)))

    response = admin_client.post(url(Job, "change", job.pk), {**data, "stage": "offer"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    job.refresh_from_db()
    # An offer without outreaches scores its stage base.
    assert (job.stage, job.heat_score, job.heat) == ("offer", 80, 3)
