"""`q` searches every API list whose rows have names, and the schema names it for each."""

import pytest

from tests.factories import (
    CompanyFactory,
    FollowUpFactory,
    JobFactory,
    PersonFactory,
    SequenceFactory,
    TagFactory,
    UserFactory,
)
from workspaces.choices import Role
from workspaces.selectors import workspace_of
from workspaces.services import member_add

pytestmark = pytest.mark.django_db


def names(api, path, q):
    response = api.get(path, {"q": q})
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_sequences(api):
    SequenceFactory(name="Founders — warm intro")
    SequenceFactory(name="Recruiters — cold intro")
    assert [s["name"] for s in names(api, "/api/sequences", "founders")] == [
        "Founders — warm intro"
    ]


def test_tags(api):
    TagFactory(name="important_lead")
    TagFactory(name="conference")
    assert [t["name"] for t in names(api, "/api/tags", "IMPORTANT")] == ["important_lead"]


def test_companies_by_name_or_domain(api):
    CompanyFactory(name="Analytical Engines", domain="analytical.io")
    CompanyFactory(name="Babbage & Co", domain="babbage.example")
    assert [c["name"] for c in names(api, "/api/companies", "engines")] == ["Analytical Engines"]
    assert [c["name"] for c in names(api, "/api/companies", "babbage.ex")] == ["Babbage & Co"]


def test_people_by_name_email_or_company(api):
    ada = PersonFactory(first_name="Ada", last_name="Lovelace", email="ada@analytical.io")
    PersonFactory(first_name="Charles", last_name="Babbage", email="cb@example.com")
    for q in ("lovelace", "ADA@", ada.company.name):
        assert [p["id"] for p in names(api, "/api/people", q)] == [ada.public_id], q


def test_jobs_by_title_or_company(api):
    job = JobFactory(title="Staff Engineer", company=CompanyFactory(name="Analytical Engines"))
    JobFactory(title="Recruiter", company=CompanyFactory(name="Babbage & Co"))
    assert [j["id"] for j in names(api, "/api/jobs", "staff eng")] == [job.public_id]
    assert [j["id"] for j in names(api, "/api/jobs", "analytical")] == [job.public_id]


def test_users_by_name_username_or_email(api, user):
    grace = UserFactory(username="ghopper", first_name="Grace", last_name="Hopper")
    member_add(workspace=workspace_of(user), user=grace, role=Role.REP, actor=None)
    for q in ("hopper", "GHOP", "grace"):
        assert [u["id"] for u in names(api, "/api/users", q)] == [f"usr_{grace.pk}"], q
    assert names(api, "/api/users", "nobody-by-that-name") == []


def test_followups_by_title(api):
    FollowUpFactory(title="Call Ada about the pilot")
    FollowUpFactory(title="Send the deck")
    assert [f["title"] for f in names(api, "/api/followups", "pilot")] == [
        "Call Ada about the pilot"
    ]


LISTS_WITH_NAMES = [
    "/api/outreaches",
    "/api/people",
    "/api/companies",
    "/api/jobs",
    "/api/sequences",
    "/api/tags",
    "/api/users",
    "/api/followups",
]


@pytest.mark.parametrize("path", LISTS_WITH_NAMES)
def test_the_schema_names_q_for_every_list_with_names(api, path):
    schema = api.get("/api/schema", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
    assert "q" in parameters, path
    assert parameters["q"].get("description"), path
