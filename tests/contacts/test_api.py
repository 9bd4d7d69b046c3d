"""The contacts REST API: /api/companies and /api/people."""

from unittest.mock import ANY
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Company, Person
from followups.models import FollowUp
from jobs.models import Job
from tests.factories import (
    CompanyFactory,
    FollowUpFactory,
    JobFactory,
    OutreachFactory,
    PersonFactory,
    UserFactory,
    default_workspace,
)
from tests.support.api import ResourceCases

pytestmark = pytest.mark.django_db

COMPANIES = "/api/companies"
PEOPLE = "/api/people"


def company_detail(company) -> str:
    return f"{COMPANIES}/{company.public_id}"


def person_detail(person) -> str:
    return f"{PEOPLE}/{person.public_id}"


class TestCompaniesResource(ResourceCases):
    path = COMPANIES
    prefix = "com"
    make = CompanyFactory
    create_payload = {"name": "Acme", "domain": "acme.com"}


# --- companies: list -------------------------------------------------------------------------


def test_companies_list_answers_the_envelope_ordered_by_name(api):
    for name in ("Beta", "Acme", "Cyan"):
        CompanyFactory(name=name)

    response = api.get(COMPANIES, {"per": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {
        "next_cursor": ANY,
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

    items = api.get(COMPANIES, {"owner": f"usr_{user.pk}"}).json()["items"]

    assert [c["id"] for c in items] == [mine.public_id]
    assert items[0]["owner_id"] == f"usr_{user.pk}"


def test_filter_by_domain_ignores_case(api):
    acme = CompanyFactory(domain="acme.com")
    CompanyFactory(domain="acme.org")

    items = api.get(COMPANIES, {"domain": "ACME.com"}).json()["items"]

    assert [c["id"] for c in items] == [acme.public_id]


@pytest.mark.parametrize("text", ["acm", "ACME.IO"])
def test_q_searches_name_and_domain(api, text):
    acme = CompanyFactory(name="Acme Corp", domain="acme.io")
    CompanyFactory(name="Globex", domain="globex.com")

    items = api.get(COMPANIES, {"q": text}).json()["items"]

    assert [c["id"] for c in items] == [acme.public_id]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"owner": "alice"}, {"owner": ["Not a valid id: expected the form usr_<number>."]}),
        ({"owner": "com_1"}, {"owner": ["Not a valid id: expected the form usr_<number>."]}),
        ({"q": "x" * 201}, {"q": ["Ensure this value has at most 200 characters (it has 201)."]}),
    ],
)
def test_bad_company_filter_values_are_400_naming_the_parameter(api, params, error):
    response = api.get(COMPANIES, params)

    assert response.status_code == 400
    assert response.json() == error


# --- companies: create -----------------------------------------------------------------------


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
    response = api.post(COMPANIES, {"name": "Acme", "domain": given}, format="json")

    assert response.status_code == 201
    body = response.json()
    company = Company.objects.get()
    assert body["id"] == company.public_id
    assert body["domain"] == company.domain == stored


def test_create_with_an_owner(api):
    owner = UserFactory()

    response = api.post(COMPANIES, {"name": "Acme", "owner_id": f"usr_{owner.pk}"}, format="json")

    assert response.status_code == 201
    assert response.json()["owner_id"] == f"usr_{owner.pk}"
    assert Company.objects.get().owner == owner


def test_create_a_company_from_a_form_body(api):
    body = urlencode({"name": "Acme", "domain": "WWW.ACME.COM"})

    response = api.post(COMPANIES, body, content_type="application/x-www-form-urlencoded")

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
def test_bad_company_values_are_400_naming_the_field_and_nothing_is_written(api, payload, error):
    response = api.post(COMPANIES, {"name": "Acme", **payload}, format="json")

    assert response.status_code == 400
    assert response.json() == error
    assert not Company.objects.exists()


def test_name_is_required(api):
    response = api.post(COMPANIES, {"domain": "acme.com"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."]}


# --- companies: retrieve, update -------------------------------------------------------------


def test_retrieve_a_company(api):
    company = CompanyFactory(name="Acme", domain="acme.com")

    response = api.get(company_detail(company))

    assert response.status_code == 200
    assert response.json()["id"] == company.public_id
    assert response.json()["name"] == "Acme"
    assert response.json()["owner_id"] == f"usr_{company.owner_id}"


def test_patch_normalises_the_domain_and_keeps_other_fields(api):
    company = CompanyFactory(name="Acme", domain="acme.com")

    response = api.patch(company_detail(company), {"domain": "WWW.Acme.IO"}, format="json")

    assert response.status_code == 200
    assert response.json()["domain"] == "acme.io"
    assert response.json()["name"] == "Acme"
    company.refresh_from_db()
    assert company.domain == "acme.io"


def test_patch_owner_id_sets_and_removes_the_owner(api):
    company = CompanyFactory()
    new_owner = UserFactory()

    response = api.patch(
        company_detail(company), {"owner_id": f"usr_{new_owner.pk}"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["owner_id"] == f"usr_{new_owner.pk}"

    response = api.patch(company_detail(company), {"owner_id": None}, format="json")
    assert response.status_code == 200
    assert response.json()["owner_id"] is None
    company.refresh_from_db()
    assert company.owner_id is None


def test_patch_a_company_from_a_form_body(api):
    company = CompanyFactory(name="Acme")

    response = api.patch(
        company_detail(company),
        urlencode({"name": "Acme Corp"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Acme Corp"


def test_patch_with_a_bad_domain_is_400_and_changes_nothing(api):
    company = CompanyFactory(domain="acme.com")

    response = api.patch(company_detail(company), {"domain": "not a domain"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"domain": ["Enter a domain like acme.com."]}
    company.refresh_from_db()
    assert company.domain == "acme.com"


# --- companies: delete -----------------------------------------------------------------------


def test_delete_answers_204_and_leaves_people_and_jobs_without_a_company(api):
    company = CompanyFactory()
    person = PersonFactory(company=company)
    job = JobFactory(company=company)

    response = api.delete(company_detail(company))

    assert response.status_code == 204
    assert not Company.objects.filter(pk=company.pk).exists()
    assert Person.objects.get(pk=person.pk).company_id is None
    assert Job.objects.get(pk=job.pk).company_id is None


def test_delete_a_company_an_outreach_names_is_409_and_deletes_nothing(api):
    company = CompanyFactory()
    person = PersonFactory(company=company)
    OutreachFactory(person=person, company=company)

    response = api.delete(company_detail(company))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Still referenced by 1 other record(s); remove those first."
    }
    assert Company.objects.filter(pk=company.pk).exists()
    assert Person.objects.get(pk=person.pk).company_id == company.pk


class TestPeopleResource(ResourceCases):
    path = PEOPLE
    prefix = "per"
    make = PersonFactory
    create_payload = {"first_name": "Ada", "email": "ada@example.com"}


# --- people: list ----------------------------------------------------------------------------


def test_people_list_answers_the_envelope_ordered_by_name(api):
    PersonFactory(first_name="Cy", last_name="Brown")
    PersonFactory(first_name="Al", last_name="Brown")
    last = PersonFactory(first_name="Bo", last_name="Adams")

    response = api.get(PEOPLE, {"per": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {
        "next_cursor": ANY,
        "current_page": 1,
        "per_page": 2,
        "total_pages": 2,
        "total_count": 3,
    }
    assert [p["first_name"] for p in body["items"]] == ["Bo", "Al"]
    assert body["items"][0]["id"] == last.public_id
    assert api.get(PEOPLE, {"per": 2, "page": 2}).json()["items"][0]["first_name"] == "Cy"


def test_list_item_has_every_documented_field(api):
    person = PersonFactory()

    item = api.get(PEOPLE).json()["items"][0]

    assert {
        "id",
        "first_name",
        "last_name",
        "title",
        "company_id",
        "email",
        "email_invalid",
        "phone",
        "linkedin_url",
        "facebook_url",
        "status",
        "strength",
        "last_contacted_at",
        "last_replied_at",
        "created_at",
        "updated_at",
    } <= set(item)
    assert item["company_id"] == person.company.public_id


def test_a_search_is_counted_in_the_pass_that_finds_its_page(api):
    """Through people's own columns and the companies whose name matches, each by its index;
    the count comes with the page's ids (see core.api.pagination)."""
    engines = CompanyFactory(name="Analytical Engines")
    by_company = [PersonFactory(company=engines, last_name=f"Z{n}") for n in range(3)]
    by_name = PersonFactory(first_name="Ann", last_name="Analytica", company=None)
    PersonFactory(first_name="Bob", last_name="Smith", company=None)
    with CaptureQueriesContext(connection) as queries:
        body = api.get(PEOPLE, {"q": "analytic", "per": 2}).json()
    assert [p["id"] for p in body["items"]] == [by_name.public_id, by_company[0].public_id]
    assert body["pagination"]["total_count"] == 4
    statements = [q["sql"] for q in queries.captured_queries]
    counts = [sql for sql in statements if "COUNT(" in sql.upper()]
    assert len(counts) == 1
    assert "OVER ()" in counts[0]
    # The company side is the companies that match, not an OR across a join to them.
    assert not any('JOIN "contacts_company"' in sql for sql in statements)


def test_the_people_list_reads_its_order_from_an_index(api):
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    PersonFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    # A list is one workspace's (core.scoping): the index leads with the workspace.
    people = Person.objects.filter(workspace=default_workspace())
    plan = people.order_by("last_name", "first_name", "id").values("pk")[:50].explain()
    assert "person_ws_name_idx" in plan
    assert "Sort" not in plan


def test_filter_by_company_id(api):
    acme = CompanyFactory()
    mine = PersonFactory(company=acme)
    PersonFactory()

    items = api.get(PEOPLE, {"company_id": acme.public_id}).json()["items"]

    assert [p["id"] for p in items] == [mine.public_id]


def test_filter_by_status_reads_any_case(api):
    replied = PersonFactory(status="replied")
    PersonFactory(status="new")

    items = api.get(PEOPLE, {"status": "REPLIED"}).json()["items"]

    assert [p["id"] for p in items] == [replied.public_id]


def test_filter_by_strength(api):
    strong = PersonFactory(strength="strong")
    PersonFactory(strength="weak")

    items = api.get(PEOPLE, {"strength": "strong"}).json()["items"]

    assert [p["id"] for p in items] == [strong.public_id]


def test_filter_by_email_ignores_case(api):
    ada = PersonFactory(email="Ada@example.com")
    PersonFactory(email="bob@example.com")

    items = api.get(PEOPLE, {"email": "ada@EXAMPLE.com"}).json()["items"]

    assert [p["id"] for p in items] == [ada.public_id]


@pytest.mark.parametrize("text", ["lovel", "ada@ana", "Analytical"])
def test_q_searches_name_email_and_company(api, text):
    ada = PersonFactory(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@analytical.example",
        company=CompanyFactory(name="Analytical Engines"),
    )
    PersonFactory(first_name="Bob", last_name="Smith", email="bob@example.com")

    items = api.get(PEOPLE, {"q": text}).json()["items"]

    assert [p["id"] for p in items] == [ada.public_id]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"company_id": "per_1"},
            {"company_id": ["Not a valid id: expected the form com_<number>."]},
        ),
        (
            {"company_id": "com_99999999999999999999"},
            {"company_id": ["Not a valid id: expected the form com_<number>."]},
        ),
        (
            {"status": "bogus"},
            {"status": ["Select a valid choice. bogus is not one of the available choices."]},
        ),
        (
            {"strength": "huge"},
            {"strength": ["Select a valid choice. huge is not one of the available choices."]},
        ),
        ({"q": "x" * 201}, {"q": ["Ensure this value has at most 200 characters (it has 201)."]}),
    ],
)
def test_bad_person_filter_values_are_400_naming_the_parameter(api, params, error):
    response = api.get(PEOPLE, params)

    assert response.status_code == 400
    assert response.json() == error


# --- people: create --------------------------------------------------------------------------


def test_create_answers_201_with_contact_details_in_canonical_form(api):
    acme = CompanyFactory()

    response = api.post(
        PEOPLE,
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "title": "Analyst",
            "company_id": acme.public_id,
            "email": "  Ada@Example.COM ",
            "phone": "(650) 253-0000",
            "linkedin_url": "linkedin.com/in/Ada-Lovelace/?utm_source=x",
            "facebook_url": "http://m.facebook.com/Ada.Lovelace/",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get()
    assert body["id"] == person.public_id
    assert body["company_id"] == acme.public_id
    assert body["email"] == person.email == "Ada@example.com"
    assert body["phone"] == person.phone == "+16502530000"
    assert body["linkedin_url"] == "https://www.linkedin.com/in/ada-lovelace"
    assert body["facebook_url"] == "https://www.facebook.com/ada.lovelace"
    assert body["status"] == "new"
    assert body["strength"] == "weak"


def test_phone_with_a_country_code_keeps_its_country(api):
    response = api.post(PEOPLE, {"first_name": "Al", "phone": "+44 20 7946 0958"}, format="json")

    assert response.status_code == 201
    assert response.json()["phone"] == "+442079460958"


def test_create_reads_enums_in_any_case(api):
    response = api.post(
        PEOPLE, {"first_name": "Al", "status": "Interested", "strength": ":STRONG"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["status"] == "interested"
    assert response.json()["strength"] == "strong"


def test_create_a_person_from_a_form_body(api):
    acme = CompanyFactory()
    body = urlencode(
        {
            "first_name": "Ada",
            "company_id": acme.public_id,
            "email": "ada@EXAMPLE.com",
            "phone": "650 253 0000",
        }
    )

    response = api.post(PEOPLE, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 201
    assert response.json()["email"] == "ada@example.com"
    assert response.json()["phone"] == "+16502530000"
    assert response.json()["company_id"] == acme.public_id


def test_create_from_a_multipart_body(api):
    response = api.post(PEOPLE, {"first_name": "Ada", "status": "contacted"}, format="multipart")

    assert response.status_code == 201
    assert response.json()["status"] == "contacted"


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"email": "not-an-email"}, {"email": ["An email address must have an @-sign."]}),
        ({"phone": "12"}, {"phone": ["Not a valid phone number for its country."]}),
        (
            {"linkedin_url": "https://evil.com/x"},
            {"linkedin_url": ["Not a linkedin address: expected a linkedin.com link."]},
        ),
        (
            {"linkedin_url": "https://www.linkedin.com/feed"},
            {"linkedin_url": ["Expected a LinkedIn profile link like linkedin.com/in/name."]},
        ),
        (
            {"linkedin_url": "javascript://linkedin.com/in/x"},
            {"linkedin_url": ["Profile links must be http(s) URLs."]},
        ),
        (
            {"facebook_url": "https://evil.com/ada"},
            {"facebook_url": ["Not a facebook address: expected a facebook.com link."]},
        ),
        (
            {"status": "bogus"},
            {
                "status": [
                    '"bogus" is not a valid choice. Use one of: new, contacted, replied, '
                    "interested, not_interested, do_not_contact."
                ]
            },
        ),
        (
            {"strength": "huge"},
            {"strength": ['"huge" is not a valid choice. Use one of: weak, medium, strong.']},
        ),
        ({"company_id": "com_999999"}, {"company_id": ["No company with id com_999999."]}),
        (
            {"company_id": "acme"},
            {"company_id": ["Not a valid id: expected the form com_<number>."]},
        ),
        ({"company_id": 7}, {"company_id": ["Not a valid id: expected the form com_<number>."]}),
        (
            {"first_name": "x" * 101},
            {"first_name": ["Ensure this field has no more than 100 characters."]},
        ),
        ({"first_name": ["Ada"]}, {"first_name": ["Not a valid string."]}),
    ],
)
def test_bad_person_values_are_400_naming_the_field_and_nothing_is_written(api, payload, error):
    response = api.post(PEOPLE, {"first_name": "Ada", **payload}, format="json")

    assert response.status_code == 400
    assert response.json() == error
    assert not Person.objects.exists()


def test_text_that_is_no_phone_number_gets_a_clean_message(api):
    response = api.post(PEOPLE, {"first_name": "Ada", "phone": "call me"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "phone": ["Not a phone number: the string supplied did not seem to be a phone number."]
    }


def test_read_only_fields_are_ignored_on_create(api):
    response = api.post(
        PEOPLE,
        {"first_name": "Ada", "email_invalid": True, "last_contacted_at": "2024-01-01T00:00:00Z"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["email_invalid"] is False
    assert response.json()["last_contacted_at"] is None


# --- people: retrieve ------------------------------------------------------------------------


def test_retrieve_a_person(api):
    person = PersonFactory(first_name="Ada", email="ada@example.com")

    response = api.get(person_detail(person))

    assert response.status_code == 200
    assert response.json()["id"] == person.public_id
    assert response.json()["email"] == "ada@example.com"


# --- people: update --------------------------------------------------------------------------


def test_patch_changes_only_the_fields_given_in_canonical_form(api):
    person = PersonFactory(first_name="Ada", title="Analyst", email="ada@example.com")

    response = api.patch(
        person_detail(person),
        {"phone": "650.253.0000", "linkedin_url": "https://LinkedIn.com/in/ADA"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["phone"] == "+16502530000"
    assert body["linkedin_url"] == "https://www.linkedin.com/in/ada"
    assert body["title"] == "Analyst"
    person.refresh_from_db()
    assert person.phone == "+16502530000"
    assert person.email == "ada@example.com"


def test_patch_to_a_new_email_clears_the_bounce_mark(api):
    person = PersonFactory(email="old@example.com", email_invalid=True)

    response = api.patch(person_detail(person), {"email": "new@Example.com"}, format="json")

    assert response.status_code == 200
    assert response.json()["email"] == "new@example.com"
    assert response.json()["email_invalid"] is False


def test_patch_company_id_null_removes_the_company(api):
    person = PersonFactory()

    response = api.patch(person_detail(person), {"company_id": None}, format="json")

    assert response.status_code == 200
    assert response.json()["company_id"] is None
    person.refresh_from_db()
    assert person.company_id is None


def test_patch_a_person_from_a_form_body(api):
    person = PersonFactory(status="new")

    response = api.patch(
        person_detail(person),
        urlencode({"status": "do_not_contact"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "do_not_contact"


def test_an_empty_company_id_in_a_form_body_removes_the_company(api):
    person = PersonFactory()

    response = api.patch(
        person_detail(person),
        urlencode({"company_id": ""}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert response.json()["company_id"] is None


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"email": "not-an-email"}, {"email": ["An email address must have an @-sign."]}),
        ({"phone": "12"}, {"phone": ["Not a valid phone number for its country."]}),
        (
            {"linkedin_url": "https://evil.com/x"},
            {"linkedin_url": ["Not a linkedin address: expected a linkedin.com link."]},
        ),
    ],
)
def test_patch_with_bad_values_is_400_and_changes_nothing(api, payload, error):
    person = PersonFactory(email="ada@example.com", phone="", linkedin_url="")

    response = api.patch(person_detail(person), payload, format="json")

    assert response.status_code == 400
    assert response.json() == error
    person.refresh_from_db()
    assert (person.email, person.phone, person.linkedin_url) == ("ada@example.com", "", "")


# --- people: delete --------------------------------------------------------------------------


def test_delete_answers_204_and_removes_the_person_and_their_follow_ups(api):
    person = PersonFactory()
    FollowUpFactory(person=person)

    response = api.delete(person_detail(person))

    assert response.status_code == 204
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not FollowUp.objects.exists()


def test_delete_a_person_an_outreach_names_is_409_and_deletes_nothing(api):
    person = PersonFactory()
    OutreachFactory(person=person)
    FollowUpFactory(person=person)

    response = api.delete(person_detail(person))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Still referenced by 1 other record(s); remove those first."
    }
    assert Person.objects.filter(pk=person.pk).exists()
    assert FollowUp.objects.filter(person=person).exists()
