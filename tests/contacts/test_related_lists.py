"""The short lists on person and company pages say how many there are and link to all of them."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import CompanyFactory, FollowUpFactory, JobFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_rows(monkeypatch):
    monkeypatch.setattr("contacts.views.RELATED_ROWS", 2)


def test_a_persons_open_followups_link_to_all_of_them(dash, two_rows):
    person = PersonFactory(first_name="Ada", last_name="Byron")
    for i in range(3):
        FollowUpFactory(
            person=person,
            title=f"Call Ada {i}",
            due_at=timezone.now() + datetime.timedelta(days=i),
        )
    FollowUpFactory(title="Someone else")

    html = dash.get(f"/people/{person.public_id}/").content.decode()
    assert "Call Ada 1" in html and "Call Ada 2" not in html
    assert "Showing the 2 due first of 3." in html
    link = f"/followups/open/?person_id={person.public_id}"
    assert f'<a href="{link}">See all 3 →</a>' in html

    full = dash.get(link).content.decode()
    assert "<h1>Open follow-ups with Ada Byron</h1>" in full
    assert all(f"Call Ada {i}<" in full for i in range(3))
    assert "Someone else" not in full
    assert dash.get("/followups/open/?person_id=per_999999").status_code == 404


def test_a_companys_jobs_are_counted_and_link_to_all_of_them(dash, two_rows):
    company = CompanyFactory()
    for i in range(3):
        JobFactory(company=company, title=f"Role {i}")

    html = dash.get(f"/companies/{company.public_id}/").content.decode()
    assert '<div class="stat__label">Jobs</div><div class="stat__value">3</div>' in html
    assert "Showing the 2 hottest of 3." in html
    assert f'<a href="/jobs/?company_id={company.public_id}">See all 3 jobs →</a>' in html
