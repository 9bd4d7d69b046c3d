"""The people and companies pages: lists, create and edit forms (writes through the services,
domain errors on the fields), the CSV import page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts.models import Company, Person
from tests.factories import CompanyFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- lists -----------------------------------------------------------------------------------


def test_people_list_filters_with_the_api_filterset_and_sorts(dash):
    acme = CompanyFactory(name="Acme")
    PersonFactory(first_name="Zed", last_name="Zulu", company=acme, status="replied")
    PersonFactory(first_name="Amy", last_name="Alpha", company=acme)
    PersonFactory(first_name="Other", last_name="Person")

    html = dash.get(f"/people/?company_id={acme.public_id}&sort=name&direction=desc").content
    html = html.decode()
    assert "Other Person" not in html
    assert html.index("Zed Zulu") < html.index("Amy Alpha")

    bad = dash.get("/people/?status=bogus").content.decode()
    assert "Select a valid choice" in bad


# --- forms -----------------------------------------------------------------------------------


PERSON = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "title": "CTO",
    "company": "",
    "email": "ada@Example.COM",
    "phone": "(415) 555-2671",
    "linkedin_url": "linkedin.com/in/AdaL/?trk=x",
    "facebook_url": "",
    "status": "new",
    "strength": "weak",
}


def test_create_a_person_in_canonical_form(dash):
    response = dash.post("/people/new/", PERSON, follow=True)
    person = Person.objects.get()
    assert response.redirect_chain[-1][0] == f"/people/{person.public_id}/"
    assert "Person “Ada Lovelace” created." in response.content.decode()
    assert (person.email, person.phone, person.linkedin_url) == (
        "ada@example.com",
        "+14155552671",
        "https://www.linkedin.com/in/adal",
    )


def test_bad_contact_details_are_field_errors(dash):
    response = dash.post("/people/new/", {**PERSON, "phone": "12"})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["phone"]
    assert form.errors["phone"] == ["Not a valid phone number for its country."]
    html = response.content.decode()
    assert "field--invalid" in html and 'id="id_phone_errors"' in html
    assert not Person.objects.exists()

    both = dash.post(
        "/people/new/", {**PERSON, "phone": "12", "linkedin_url": "https://example.com/ada"}
    )
    # Every bad contact detail is reported in one round.
    assert both.context["form"].errors == {
        "phone": ["Not a valid phone number for its country."],
        "linkedin_url": ["Not a linkedin address: expected a linkedin.com link."],
    }


def test_a_person_needs_a_name_email_or_linkedin(dash):
    empty = dict.fromkeys(PERSON, "") | {"status": "new", "strength": "weak"}
    response = dash.post("/people/new/", empty)
    assert response.context["form"].non_field_errors() == [
        "Give at least a name, an email or a LinkedIn URL."
    ]


def test_edit_a_person_writes_only_what_changed(dash):
    person = PersonFactory(first_name="Old", email="old@example.com", email_invalid=True)
    data = {
        "first_name": "New",
        "last_name": person.last_name,
        "title": "",
        "company": person.company_id,
        "email": "new@example.com",
        "phone": "",
        "linkedin_url": "",
        "facebook_url": "",
        "status": "replied",
        "strength": "medium",
    }
    response = dash.post(f"/people/{person.public_id}/edit/", data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.first_name, person.email, person.status, person.strength) == (
        "New",
        "new@example.com",
        "replied",
        "medium",
    )
    # A new address is not known to bounce: the service reset the flag.
    assert person.email_invalid is False


def test_create_and_edit_a_company_service_errors_land_on_fields(dash):
    owner = UserFactory(username="owner1")
    response = dash.post(
        "/companies/new/", {"name": "Acme", "domain": "https://WWW.Acme.com/", "owner": owner.pk}
    )
    company = Company.objects.get()
    assert response["Location"] == f"/companies/{company.public_id}/"
    assert (company.domain, company.owner) == ("acme.com", owner)

    bad = dash.post(f"/companies/{company.public_id}/edit/", {"name": "Acme", "domain": "a b"})
    assert bad.context["form"].errors["domain"] == ["Enter a domain like acme.com."]


# --- CSV import ------------------------------------------------------------------------------


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_import_page_shows_the_report(dash):
    response = dash.post(
        "/people/import/",
        {"file": upload("people.csv", "first_name,email\nAnn,ann@example.com\nBad,nope\n")},
    )
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "email: " in html and "rejected" in html
    assert "would be created" in html
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "Nothing was imported: 1 row rejected. Fix the file, or tick "
        "“Import the valid rows” to skip them."
    ]
    assert not Person.objects.exists()

    response = dash.post(
        "/people/import/",
        {
            "file": upload("people.csv", "first_name,email\nAnn,ann@example.com\nBad,nope\n"),
            "skip_invalid": "on",
        },
    )
    assert "Import report" in response.content.decode()
    assert [str(m) for m in response.context["messages"]] == [
        "Imported: 1 created, 0 updated, 1 rejected."
    ]
    assert Person.objects.count() == 1


def test_import_page_reports_unreadable_files_on_the_field(dash):
    response = dash.post("/people/import/", {"file": upload("x.csv", "a,b\n1,2\n")})
    assert response.context["form"].errors["file"][0].startswith("No known column")

    missing = dash.post("/people/import/", {})
    assert missing.context["form"].errors["file"] == ["This field is required."]
