"""Pickers: filters that keep a record's public id are typed by name (core.dashboard.pickers).

The suggestion endpoint answers from the user's workspace only; the list shows the chosen
record's name while the URL keeps its id; without JavaScript the typed name is resolved by the
server, or the field says why it could not be."""

import re

import pytest

from tests.factories import (
    CompanyFactory,
    JobFactory,
    OutreachFactory,
    PersonFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db


def options(response) -> list[tuple[str, str]]:
    assert response.status_code == 200
    return re.findall(r'data-value="([^"]+)" data-label="([^"]+)"', response.content.decode())


def test_suggestions_match_names_in_the_users_workspace_only(dash):
    ember = CompanyFactory(name="Ember Bio", domain="emberbio.com")
    CompanyFactory(name="Cobalt Security")
    CompanyFactory(name="Ember Elsewhere", workspace=WorkspaceFactory())

    assert options(dash.get("/pick/company", {"q": "ember"})) == [(ember.public_id, "Ember Bio")]
    assert options(dash.get("/pick/company", {"q": "emberbio.c"})) == [
        (ember.public_id, "Ember Bio")
    ]
    # Empty: the first few, so focusing the box shows some.
    assert len(options(dash.get("/pick/company"))) == 2
    nothing = dash.get("/pick/company", {"q": "zzz"}).content.decode()
    assert "No company matches “zzz”." in nothing


def test_people_jobs_and_members_are_found_by_every_word(dash, user):
    ada = PersonFactory(first_name="Ada", last_name="Lovelace", email="ada@analytical.io")
    PersonFactory(first_name="Ada", last_name="Byron")
    job = JobFactory(title="Staff Engineer", company=CompanyFactory(name="Analytical"))
    grace = UserFactory(first_name="Grace", last_name="Hopper")
    UserFactory(first_name="Grace", last_name="Elsewhere", membership__workspace=WorkspaceFactory())

    assert options(dash.get("/pick/person", {"q": "ada love"})) == [(ada.public_id, "Ada Lovelace")]
    assert options(dash.get("/pick/job", {"q": "staff analytical"})) == [
        (job.public_id, "Staff Engineer")
    ]
    assert options(dash.get("/pick/member", {"q": "grace"})) == [
        (f"usr_{grace.pk}", "Grace Hopper")
    ]


def test_an_unknown_kind_is_a_404_and_anonymous_callers_go_to_the_login(client, dash):
    assert dash.get("/pick/outreach").status_code == 404
    client.logout()
    response = client.get("/pick/company", {"q": "a"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_filter_shows_the_chosen_name_and_keeps_the_id(dash):
    ember = CompanyFactory(name="Ember Bio")
    PersonFactory(first_name="Ada", company=ember)
    PersonFactory(first_name="Bob", company=CompanyFactory(name="Cobalt"))

    page = dash.get("/people/", {"company_id": ember.public_id}).content.decode()
    assert 'name="company_id_name"' in page and 'value="Ember Bio"' in page
    assert (
        f'type="hidden" class="picker__value" name="company_id" value="{ember.public_id}"' in page
    )
    assert 'role="combobox"' in page and 'hx-get="/pick/company' in page
    assert "Ada" in page and "Bob" not in page
    assert "com_…" not in page  # no placeholder asking for an id


@pytest.mark.parametrize(
    ("path", "field", "kind"),
    [
        ("/people/", "company_id", "company"),
        ("/jobs/", "company_id", "company"),
        ("/companies/", "owner", "member"),
        ("/outreaches/", "person_id", "person"),
        ("/outreaches/", "company_id", "company"),
        ("/outreaches/", "job_id", "job"),
    ],
)
def test_every_filter_by_id_is_a_picker(dash, path, field, kind):
    page = dash.get(path).content.decode()
    assert f'name="{field}_name"' in page, (path, field)
    assert f'hx-get="/pick/{kind}?list=id_{field}-options"' in page


def test_without_javascript_a_typed_name_naming_one_record_is_used(dash):
    ember = CompanyFactory(name="Ember Bio")
    PersonFactory(first_name="Ada", company=ember)
    PersonFactory(first_name="Bob", company=CompanyFactory(name="Cobalt"))

    page = dash.get("/people/", {"company_id": "", "company_id_name": "ember"}).content.decode()
    assert "Ada" in page and "Bob" not in page
    assert 'value="Ember Bio"' in page and f'value="{ember.public_id}"' in page

    # An emptied box drops the filter even though the id is still in the form.
    page = dash.get(
        "/people/", {"company_id": ember.public_id, "company_id_name": ""}
    ).content.decode()
    assert "Ada" in page and "Bob" in page


def test_without_javascript_a_typed_name_that_names_none_or_many_says_so(dash):
    CompanyFactory(name="Ember Bio")
    CompanyFactory(name="Ember Energy")
    PersonFactory(first_name="Ada")

    page = dash.get("/people/", {"company_id_name": "ember"}).content.decode()
    assert "More than one company matches “ember” (Ember Bio, Ember Energy): type more" in page
    assert 'value="ember"' in page
    page = dash.get("/people/", {"company_id_name": "zzz"}).content.decode()
    assert "No company matches “zzz”." in page
    # An exact name wins over names that merely contain it.
    exact = CompanyFactory(name="Ember")
    page = dash.get("/people/", {"company_id_name": "Ember"}).content.decode()
    assert "company matches" not in page
    assert f'name="company_id" value="{exact.public_id}"' in page


def test_the_outreach_list_resolves_typed_names_under_more_filters(dash):
    ada = PersonFactory(first_name="Ada", last_name="Lovelace")
    OutreachFactory(person=ada, subject="Hello Ada")
    OutreachFactory(subject="Hello someone else")

    page = dash.get("/outreaches/", {"person_id_name": "lovelace"}).content.decode()
    assert '<details class="filters__more" open>' in page
    assert 'value="Ada Lovelace"' in page
    assert page.count('class="js-row-check"') == 1


def test_the_export_follows_a_typed_name_as_the_list_does(dash):
    ada = PersonFactory(first_name="Ada", last_name="Lovelace")
    OutreachFactory(person=ada, subject="Hello Ada")
    OutreachFactory(subject="Hello someone else")

    response = dash.get("/outreaches/export.csv", {"person_id_name": "lovelace"})
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert len(lines) == 2  # the header and Ada's outreach
    response = dash.get("/outreaches/export.csv", {"person_id_name": "nobody-by-that-name"})
    assert response.status_code == 302
