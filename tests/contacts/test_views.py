"""The people and companies pages: lists, create and edit forms (writes through the services,
domain errors on the fields), the CSV import page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts.models import Company, PeopleImport, Person
from tests.factories import CompanyFactory, PersonFactory, UserFactory, WorkspaceFactory

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


RENAME_FILE = (
    "first_name,last_name,email,linkedin_url,title\n"
    "Margaret,Hamilton,,https://www.linkedin.com/in/ada,Director\n"
    "Grace,Hopper,grace@navy.mil,,Admiral\n"
    "Gracie,Hopper,GRACE@navy.mil,,\n"
)


@pytest.fixture
def ada():
    return PersonFactory(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@analytical.io",
        linkedin_url="https://www.linkedin.com/in/ada",
        title="",
    )


def preview(dash, text: str, **data):
    return dash.post(
        "/people/import/", {"file": upload("people.csv", text), "preview": "1", **data}
    )


def test_preview_flags_a_rename_and_a_repeat_and_writes_nothing(dash, ada):
    response = preview(dash, RENAME_FILE, mode="overwrite")
    assert response.status_code == 200
    report = response.context["report"]
    assert [(r.action, r.name_differs, r.duplicate_of) for r in report.rows] == [
        ("skipped", "Ada Lovelace", None),
        ("created", "", None),
        ("skipped", "", 3),
    ]
    html = response.content.decode()
    assert "Preview: what importing would do" in html
    assert "another name" in html and "repeats line 3" in html
    assert "Matched Ada Lovelace by LinkedIn URL, but the file names Margaret Hamilton" in html
    assert "Repeated on line 4: only this line is imported." in html
    assert Person.objects.count() == 1
    assert response.context["choices"]["mode"].value() == "overwrite"


def test_preview_shows_each_change_before_and_after(dash, ada):
    text = "first_name,last_name,email,title\nAda,Lovelace,ada@analytical.io,Analyst\n"
    html = preview(dash, text, mode="overwrite").content.decode()
    assert 'Title: <span class="text-muted">(empty)</span> → <ins>Analyst</ins>' in html
    assert "to update" in html


def test_changing_the_mode_redraws_the_plan_in_place(dash, ada):
    pk = preview(dash, RENAME_FILE).context["report"].people_import.pk
    response = dash.post(
        f"/people/import/{pk}/preview/",
        {"mode": "create_only"},
        headers={"HX-Request": "true", "HX-Target": "import-plan"},
    )
    assert response.templates[0].name == "contacts/_import_plan.html"
    assert [r.action for r in response.context["report"].rows] == ["skipped", "created", "skipped"]

    # Without JavaScript the whole page answers; a GET shows the preview again.
    page = dash.post(f"/people/import/{pk}/preview/", {"mode": "overwrite"})
    assert "Choose how to import" in page.content.decode()
    assert dash.get(f"/people/import/{pk}/preview/").status_code == 200


def test_import_after_preview_then_undo(dash, ada):
    pk = preview(dash, RENAME_FILE).context["report"].people_import.pk
    response = dash.post(
        f"/people/import/{pk}/", {"mode": "overwrite", "accept_name_changes": "on"}
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Imported: 1 created, 1 updated, 1 skipped."
    ]
    assert "Import report" in response.content.decode()
    assert "Undo this import" in response.content.decode()
    ada.refresh_from_db()
    assert ada.full_name == "Margaret Hamilton"

    again = dash.post(f"/people/import/{pk}/", {"mode": "overwrite"}, follow=True)
    assert [str(m) for m in again.context["messages"]] == [
        "This file was imported already; upload it again to import it again."
    ]

    undone = dash.post(f"/people/import/{pk}/undo/", follow=True)
    assert [str(m) for m in undone.context["messages"]] == [
        "Import undone: 1 person removed, 1 put back as they were."
    ]
    ada.refresh_from_db()
    assert (ada.full_name, ada.title) == ("Ada Lovelace", "")
    assert not Person.objects.filter(email="grace@navy.mil").exists()
    assert "undone" in undone.content.decode()
    assert "Undo this import" not in undone.content.decode()


def test_undo_refused_after_a_later_edit_says_why(dash, ada):
    pk = preview(dash, RENAME_FILE).context["report"].people_import.pk
    dash.post(f"/people/import/{pk}/", {"mode": "overwrite"})
    grace = Person.objects.get(email="grace@navy.mil")
    dash.post(f"/people/{grace.public_id}/edit/", {**_person_form(grace), "title": "Rear admiral"})

    response = dash.post(f"/people/import/{pk}/undo/", follow=True)
    assert [str(m) for m in response.context["messages"]][-1] == (
        "This import cannot be undone: Grace Hopper was edited after the import. "
        "Nothing was changed."
    )
    assert Person.objects.filter(pk=grace.pk).exists()


def _person_form(person) -> dict:
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "title": person.title,
        "company": person.company_id or "",
        "email": person.email,
        "phone": person.phone,
        "linkedin_url": person.linkedin_url,
        "facebook_url": person.facebook_url,
        "status": person.status,
        "strength": person.strength,
    }


def test_rejected_rows_block_the_import_unless_skipped(dash):
    text = "first_name,email\nAnn,ann@example.com\nBad,nope\n"
    response = preview(dash, text)
    html = response.content.decode()
    assert "email: " in html and "rejected" in html and "to create" in html
    assert "importing writes nothing until the file is fixed" in html
    pk = response.context["report"].people_import.pk

    blocked = dash.post(f"/people/import/{pk}/", {"mode": "fill_empty"})
    assert [str(m) for m in blocked.context["messages"]] == [
        "Nothing was imported: 1 row rejected. Fix the file, or tick "
        "“Import the valid rows” to skip them."
    ]
    assert "Choose how to import" in blocked.content.decode()
    assert not Person.objects.exists()

    done = dash.post(f"/people/import/{pk}/", {"mode": "fill_empty", "skip_invalid": "on"})
    assert [str(m) for m in done.context["messages"]] == [
        "Imported: 1 created, 0 updated, 1 rejected."
    ]
    assert Person.objects.count() == 1


def test_a_file_posted_without_a_preview_is_imported_at_once(dash):
    response = dash.post("/people/import/", {"file": upload("p.csv", "first_name\nAnn\n")})
    assert [str(m) for m in response.context["messages"]] == ["Imported: 1 created, 0 updated."]
    assert Person.objects.get().first_name == "Ann"


def test_import_page_reports_unreadable_files_on_the_field(dash):
    response = preview(dash, "a,b\n1,2\n")
    assert response.status_code == 400
    assert response.context["form"].errors["file"][0].startswith("No known column")

    missing = dash.post("/people/import/", {"preview": "1"})
    assert missing.status_code == 400
    assert missing.context["form"].errors["file"] == ["This field is required."]


def test_a_bad_mode_is_a_400_naming_the_field(dash):
    response = preview(dash, "first_name\nAnn\n", mode="sideways")
    assert response.status_code == 400
    assert "Select a valid choice" in response.context["form"].errors["mode"][0]

    pk = preview(dash, "first_name\nAnn\n").context["report"].people_import.pk
    for url in (f"/people/import/{pk}/", f"/people/import/{pk}/preview/"):
        bad = dash.post(url, {"mode": "sideways"})
        assert bad.status_code == 400
        assert "Select a valid choice" in bad.context["choices"].errors["mode"][0]
        missing = dash.post(url, {})
        assert missing.context["choices"].errors["mode"] == ["This field is required."]
    assert not Person.objects.exists()


def test_unknown_imports_are_404_and_undo_is_post_only(dash):
    assert dash.post("/people/import/999999/undo/").status_code == 404
    assert dash.post("/people/import/999999/", {"mode": "overwrite"}).status_code == 404
    assert dash.get("/people/import/999999/preview/").status_code == 404
    pk = preview(dash, "first_name\nAnn\n").context["report"].people_import.pk
    assert dash.get(f"/people/import/{pk}/undo/").status_code == 405


def test_undo_of_a_previewed_file_is_refused(dash):
    pk = preview(dash, "first_name\nAnn\n").context["report"].people_import.pk
    response = dash.post(f"/people/import/{pk}/undo/", follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "This file was previewed but never imported: there is nothing to undo."
    ]


def test_a_viewer_may_not_preview_or_undo(client, ada):
    viewer = UserFactory(username="vera", membership__role="viewer")
    client.force_login(viewer)
    response = preview(client, "first_name\nAnn\n")
    assert response.status_code == 403
    assert "A viewer may not import people." in response.content.decode()


def test_another_workspaces_import_is_not_there(dash):
    theirs = PeopleImport.objects.create(
        workspace=WorkspaceFactory(name="Elsewhere"), text="first_name\nZed\n", status="imported"
    )
    assert dash.get(f"/people/import/{theirs.pk}/preview/").status_code == 404
    assert dash.post(f"/people/import/{theirs.pk}/", {"mode": "overwrite"}).status_code == 404
    assert dash.post(f"/people/import/{theirs.pk}/undo/").status_code == 404
    assert "Last import" not in dash.get("/people/import/").content.decode()
    assert not Person.objects.filter(first_name="Zed").exists()
