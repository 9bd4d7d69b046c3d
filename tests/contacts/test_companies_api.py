from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Company, Person
from jobs.models import Job
from tests.factories import (
    CompanyFactory,
    JobFactory,
    OutreachFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/companies"


def detail(company) -> str:
    return f"{URL}/{company.public_id}"


# --- list ------------------------------------------------------------------------------------


def test_list_answers_the_envelope_ordered_by_name(api):
    for name in ("Beta", "Acme", "Cyan"):
        CompanyFactory(name=name)

    response = api.get(URL, {"per": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {
        "current_page": 1,
        "per_page": 2,
        "total_pages": 2,
        "total_count": 3,
    }
    assert [c["name"] for c in body["items"]] == ["Acme", "Beta"]
    assert {"id", "name", "domain", "owner_id", "created_at", "updated_at"} <= set(body["items"][0])
    assert body["items"][0]["id"].startswith("com_")


def test_filter_by_owner(api, user):
    mine = CompanyFactory(owner=user)
    CompanyFactory()

    items = api.get(URL, {"owner": f"usr_{user.pk}"}).json()["items"]

    assert [c["id"] for c in items] == [mine.public_id]
    assert items[0]["owner_id"] == f"usr_{user.pk}"


def test_filter_by_domain_ignores_case(api):
    acme = CompanyFactory(domain="acme.com")
    CompanyFactory(domain="acme.org")

    items = api.get(URL, {"domain": "ACME.com"}).json()["items"]

    assert [c["id"] for c in items] == [acme.public_id]


@pytest.mark.parametrize("text", ["acm", "ACME.IO"])
def test_q_searches_name_and_domain(api, text):
    acme = CompanyFactory(name="Acme Corp", domain="acme.io")
    CompanyFactory(name="Globex", domain="globex.com")

    items = api.get(URL, {"q": text}).json()["items"]

    assert [c["id"] for c in items] == [acme.public_id]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"owner": "alice"}, {"owner": ["Not a valid id: expected the form usr_<number>."]}),
        ({"owner": "com_1"}, {"owner": ["Not a valid id: expected the form usr_<number>."]}),
        ({"q": "x" * 201}, {"q": ["Ensure this value has at most 200 characters (it has 201)."]}),
    ],
)
def test_bad_filter_values_are_400_naming_the_parameter(api, params, error):
    response = api.get(URL, params)

    assert response.status_code == 400
    assert response.json() == error


def test_list_queries_do_not_grow_with_the_page(api):
    for _ in range(5):
        CompanyFactory()
    with CaptureQueriesContext(connection) as one:
        assert len(api.get(URL, {"per": 1}).json()["items"]) == 1
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(URL, {"per": 200}).json()["items"]) == 5

    assert len(many) == len(one)


# --- create ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Acme.COM", "acme.com"),
        ("www.acme.com", "acme.com"),
        ("https://WWW.Acme.com/about", "acme.com"),
        ("", ""),
    ],
)
def test_create_answers_201_with_the_domain_lower_cased_without_www(api, given, stored):
    response = api.post(URL, {"name": "Acme", "domain": given}, format="json")

    assert response.status_code == 201
    body = response.json()
    company = Company.objects.get()
    assert body["id"] == company.public_id
    assert body["domain"] == company.domain == stored


def test_create_with_an_owner(api):
    owner = UserFactory()

    response = api.post(URL, {"name": "Acme", "owner_id": f"usr_{owner.pk}"}, format="json")

    assert response.status_code == 201
    assert response.json()["owner_id"] == f"usr_{owner.pk}"
    assert Company.objects.get().owner == owner


def test_create_from_a_form_body(api):
    body = urlencode({"name": "Acme", "domain": "WWW.ACME.COM"})

    response = api.post(URL, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 201
    assert response.json()["name"] == "Acme"
    assert response.json()["domain"] == "acme.com"


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"domain": "not a domain"}, {"domain": ["Enter a domain like acme.com."]}),
        ({"domain": "localhost"}, {"domain": ["Enter a domain like acme.com."]}),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        ({"name": None}, {"name": ["This field may not be null."]}),
        ({"name": "x" * 201}, {"name": ["Ensure this field has no more than 200 characters."]}),
        ({"owner_id": "usr_999999"}, {"owner_id": ["No user with id usr_999999."]}),
        ({"owner_id": "per_1"}, {"owner_id": ["Not a valid id: expected the form usr_<number>."]}),
    ],
)
def test_bad_values_are_400_naming_the_field_and_nothing_is_written(api, payload, error):
    response = api.post(URL, {"name": "Acme", **payload}, format="json")

    assert response.status_code == 400
    assert response.json() == error
    assert not Company.objects.exists()


def test_name_is_required(api):
    response = api.post(URL, {"domain": "acme.com"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."]}


# --- retrieve, update ------------------------------------------------------------------------


def test_retrieve(api):
    company = CompanyFactory(name="Acme", domain="acme.com")

    response = api.get(detail(company))

    assert response.status_code == 200
    assert response.json()["id"] == company.public_id
    assert response.json()["name"] == "Acme"
    assert response.json()["owner_id"] == f"usr_{company.owner_id}"


@pytest.mark.parametrize("bad_id", ["1", "per_1", "com_x", "com_99999999999999999999"])
def test_malformed_id_in_path_is_404(api, bad_id):
    CompanyFactory()

    assert api.get(f"{URL}/{bad_id}").status_code == 404


def test_unknown_id_is_404(api):
    response = api.get(f"{URL}/com_999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_patch_normalises_the_domain_and_keeps_other_fields(api):
    company = CompanyFactory(name="Acme", domain="acme.com")

    response = api.patch(detail(company), {"domain": "WWW.Acme.IO"}, format="json")

    assert response.status_code == 200
    assert response.json()["domain"] == "acme.io"
    assert response.json()["name"] == "Acme"
    company.refresh_from_db()
    assert company.domain == "acme.io"


def test_patch_owner_id_sets_and_removes_the_owner(api):
    company = CompanyFactory()
    new_owner = UserFactory()

    response = api.patch(detail(company), {"owner_id": f"usr_{new_owner.pk}"}, format="json")
    assert response.status_code == 200
    assert response.json()["owner_id"] == f"usr_{new_owner.pk}"

    response = api.patch(detail(company), {"owner_id": None}, format="json")
    assert response.status_code == 200
    assert response.json()["owner_id"] is None
    company.refresh_from_db()
    assert company.owner_id is None


def test_patch_from_a_form_body(api):
    company = CompanyFactory(name="Acme")

    response = api.patch(
        detail(company),
        urlencode({"name": "Acme Corp"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Acme Corp"


def test_patch_with_a_bad_domain_is_400_and_changes_nothing(api):
    company = CompanyFactory(domain="acme.com")

    response = api.patch(detail(company), {"domain": "not a domain"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"domain": ["Enter a domain like acme.com."]}
    company.refresh_from_db()
    assert company.domain == "acme.com"


# --- delete ----------------------------------------------------------------------------------


def test_delete_answers_204_and_leaves_people_and_jobs_without_a_company(api):
    company = CompanyFactory()
    person = PersonFactory(company=company)
    job = JobFactory(company=company)

    response = api.delete(detail(company))

    assert response.status_code == 204
    assert not Company.objects.filter(pk=company.pk).exists()
    assert Person.objects.get(pk=person.pk).company_id is None
    assert Job.objects.get(pk=job.pk).company_id is None


def test_delete_a_company_an_outreach_names_is_409_and_deletes_nothing(api):
    company = CompanyFactory()
    person = PersonFactory(company=company)
    OutreachFactory(person=person, company=company)

    response = api.delete(detail(company))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Still referenced by 1 other record(s); remove those first."
    }
    assert Company.objects.filter(pk=company.pk).exists()
    assert Person.objects.get(pk=person.pk).company_id == company.pk


def test_delete_unknown_id_is_404(api):
    assert api.delete(f"{URL}/com_999999").status_code == 404


# --- authentication --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", URL), ("post", URL), ("get", f"{URL}/com_1"), ("delete", f"{URL}/com_1")],
)
def test_anonymous_is_401(anon, method, path):
    company = CompanyFactory()

    response = getattr(anon, method)(path)

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert Company.objects.filter(pk=company.pk).exists()
