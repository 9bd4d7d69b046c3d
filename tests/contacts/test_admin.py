"""The people and companies admin writes through the contacts services."""

import io

import pytest

from contacts.csv_import import people_import_csv
from contacts.models import Company, PeopleImport, Person
from tests.factories import OutreachFactory, PersonFactory, default_workspace
from tests.support.admin import change_form_data, make_company, make_person, url

pytestmark = pytest.mark.django_db


def test_adding_a_person_stores_contact_details_in_canonical_form(admin_client):
    data = change_form_data(admin_client.get(url(Person, "add")))

    response = admin_client.post(
        url(Person, "add"),
        {
            **data,
            "first_name": "Ada",
            "email": "Ada@Example.COM",
            "phone": "(650) 253-0000",
            "linkedin_url": "linkedin.com/in/Ada-L/",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    person = Person.objects.get()
    assert (person.email, person.phone, person.linkedin_url) == (
        "Ada@example.com",
        "+16502530000",
        "https://www.linkedin.com/in/ada-l",
    )


def test_a_refused_person_edit_shows_the_reason_on_the_field(admin_client):
    person = make_person()
    data = change_form_data(admin_client.get(url(Person, "change", person.pk)))

    response = admin_client.post(url(Person, "change", person.pk), {**data, "phone": "12"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "phone": ["Not a valid phone number for its country."]
    }
    person.refresh_from_db()
    assert person.phone == ""


def test_editing_the_email_clears_the_bounce_mark(admin_client):
    person = PersonFactory(email="old@example.com", email_invalid=True)
    data = change_form_data(admin_client.get(url(Person, "change", person.pk)))
    data.pop("email_invalid")  # the checkbox as shown: ticked
    data["email_invalid"] = "on"

    admin_client.post(url(Person, "change", person.pk), {**data, "email": "new@example.com"})

    person.refresh_from_db()
    assert person.email == "new@example.com"
    assert person.email_invalid is False


def test_a_person_an_outreach_names_cannot_be_deleted(admin_client):
    outreach = OutreachFactory()

    response = admin_client.post(url(Person, "delete", outreach.person_id), {"post": "yes"})

    assert response.status_code == 200
    assert "Cannot delete person" in response.content.decode()
    assert Person.objects.filter(pk=outreach.person_id).exists()


def test_company_domain_is_normalised(admin_client):
    company = make_company()
    data = change_form_data(admin_client.get(url(Company, "change", company.pk)))

    response = admin_client.post(
        url(Company, "change", company.pk), {**data, "domain": "https://WWW.Acme.IO/"}
    )

    assert response.status_code == 302
    company.refresh_from_db()
    assert company.domain == "acme.io"


def test_imports_are_listed_read_only(admin_client):
    people_import_csv(
        file=io.BytesIO(b"first_name\nAnn\n"),
        actor=None,
        workspace=default_workspace(),
        file_name="people.csv",
    )
    people_import = PeopleImport.objects.get()
    listing = admin_client.get(url(PeopleImport, "changelist"))
    assert listing.status_code == 200 and "people.csv" in listing.content.decode()
    page = admin_client.get(url(PeopleImport, "change", people_import.pk))
    assert page.status_code == 200
    assert admin_client.get(url(PeopleImport, "add")).status_code == 403
