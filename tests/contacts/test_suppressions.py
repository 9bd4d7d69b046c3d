"""The suppression list: SHA-256 of the lower-cased address only, idempotent adds, the people
it makes do_not_contact (created, imported, given the address, or there already), the
/api/suppressions resource (400s naming the field, the workspace wall, roles, the audit log) and
the Suppression list page."""

import hashlib
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import services
from contacts.csv_import import people_import_csv, people_import_preview
from contacts.models import Person, Suppression
from contacts.suppressions import (
    address_hash,
    is_suppressed,
    suppress,
    suppressed_hashes,
    suppression_create,
    suppression_delete,
)
from core.errors import Forbidden, InvalidInput
from tests.factories import PersonFactory, UserFactory, WorkspaceFactory, default_workspace
from tests.support.api import CreateCases, ReadOnlyResourceCases
from workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db

URL = "/api/suppressions"
ADA = "ada@analytical.example"
ADA_HASH = hashlib.sha256(ADA.encode()).hexdigest()


def add(email: str = ADA, **values) -> Suppression:
    values.setdefault("workspace", default_workspace())
    return suppression_create(actor=None, email=email, **values)[0]


def elsewhere_entry(email: str = ADA) -> Suppression:
    return add(email, workspace=WorkspaceFactory(name="Elsewhere"))


def fields_of(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k not in ("id", "created_at")}


class TestSuppressionsResource(CreateCases, ReadOnlyResourceCases):
    path = URL
    prefix = "sup"
    writes = ("delete",)
    create_payload = {"email": ADA, "reason": "bounced"}

    @staticmethod
    def make():
        return add(f"{Suppression.objects.count()}-{ADA}")


# --- the hash ----------------------------------------------------------------------------------


def test_the_hash_is_sha256_of_the_stripped_lower_cased_address():
    assert address_hash(ADA) == ADA_HASH
    assert address_hash("  Ada@Analytical.EXAMPLE \n") == ADA_HASH


def test_only_the_hash_is_stored_never_the_address(api):
    answer = api.post(URL, {"email": " Ada@Analytical.example ", "note": "asked"}, format="json")

    assert answer.status_code == 201, answer.json()
    assert fields_of(answer.json()) == {
        "address_hash": ADA_HASH,
        "reason": "manual",
        "note": "asked",
    }
    assert set(answer.json()) == {"id", "address_hash", "reason", "note", "created_at"}
    row = Suppression.objects.values().get()
    assert "analytical" not in json.dumps(row, default=str).lower()
    entry = AuditEntry.objects.get(object_type="suppression")
    assert entry.action == "create"
    assert entry.object_id == answer.json()["id"]
    assert entry.changes == {
        "address_hash": [None, ADA_HASH],
        "reason": [None, "manual"],
        "note": [None, "asked"],
    }


# --- reads -------------------------------------------------------------------------------------


def test_is_suppressed_reads_the_workspace_s_own_list():
    add()
    here = default_workspace().pk
    elsewhere_entry("bo@example.com")

    assert is_suppressed(here, "ADA@analytical.example")
    assert not is_suppressed(here, "bo@example.com")  # another workspace's entry
    assert not is_suppressed(here, "")
    assert not is_suppressed(here, "   ")


def test_suppressed_hashes_answers_many_addresses_in_one_query():
    add()
    add("bo@example.com")
    emails = [f"p{i}@example.com" for i in range(500)] + ["Ada@Analytical.example", "", "BO@x"]
    here = default_workspace().pk

    with CaptureQueriesContext(connection) as queries:
        found = suppressed_hashes(here, emails)
        nothing = suppressed_hashes(here, ["", "  "])

    assert (found, nothing) == ({ADA_HASH}, set())
    assert len(queries) == 1


# --- adding ------------------------------------------------------------------------------------


def test_adding_an_address_twice_keeps_its_first_entry():
    first = add(reason="bounced", note="hard bounce")

    again, created = suppression_create(
        actor=None,
        email="ADA@analytical.example",
        reason="complaint",
        note="later",
        workspace=default_workspace(),
    )

    assert not created
    assert again.pk == first.pk
    assert (again.reason, again.note) == ("bounced", "hard bounce")
    assert suppress(
        workspace_id=first.workspace_id, email=ADA, reason="unsubscribed", actor=None
    ).pk == (first.pk)
    assert Suppression.objects.count() == 1
    assert AuditEntry.objects.filter(object_type="suppression").count() == 1


def test_the_api_answers_200_with_the_existing_entry_when_it_is_there(api):
    first = api.post(URL, {"email": ADA, "reason": "bounced"}, format="json")
    again = api.post(URL, {"email": ADA.upper(), "reason": "manual"}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_an_entry_can_be_given_as_its_hash(api):
    answer = api.post(
        URL, {"address_hash": ADA_HASH.upper(), "reason": "unsubscribed"}, format="json"
    )

    assert answer.status_code == 201, answer.json()
    assert fields_of(answer.json()) == {
        "address_hash": ADA_HASH,
        "reason": "unsubscribed",
        "note": "",
    }
    assert is_suppressed(default_workspace().pk, ADA)


def test_adding_an_address_makes_the_people_who_have_it_do_not_contact():
    ada = PersonFactory(email="Ada@analytical.example", status="interested")
    other = PersonFactory(email="bo@example.com", status="new")
    stranger = PersonFactory(
        email=ADA, status="new", company=None, workspace=WorkspaceFactory(name="Elsewhere")
    )

    add()

    ada.refresh_from_db()
    other.refresh_from_db()
    stranger.refresh_from_db()
    assert ada.status == "do_not_contact"
    assert (other.status, stranger.status) == ("new", "new")
    entry = AuditEntry.objects.get(object_type="person", object_id=ada.public_id)
    assert entry.changes == {"status": ["interested", "do_not_contact"]}


def test_a_hash_names_no_one_until_a_person_is_given_the_address():
    ada = PersonFactory(email=ADA, status="new")
    suppression_create(actor=None, address_hash=ADA_HASH, workspace=default_workspace())

    ada.refresh_from_db()
    assert ada.status == "new"
    later = services.person_create(
        actor=None, first_name="Ada", email=ADA, workspace=default_workspace()
    )
    assert later.status == "do_not_contact"


BAD_INPUT = [
    ({}, {"email": ["Give the address to suppress (or its address_hash)."]}),
    ({"email": "  "}, {"email": ["Give the address to suppress (or its address_hash)."]}),
    ({"email": "not-an-address"}, "email"),
    ({"email": "a@" + "b" * 260 + ".com"}, "email"),
    (
        {"email": ADA, "address_hash": ADA_HASH},
        {"address_hash": ["Give the address or its hash, not both."]},
    ),
    (
        {"address_hash": "abc"},
        {"address_hash": ["Not a SHA-256 in hex: expected 64 characters 0-9 and a-f."]},
    ),
    (
        {"address_hash": "g" * 64},
        {"address_hash": ["Not a SHA-256 in hex: expected 64 characters 0-9 and a-f."]},
    ),
    ({"address_hash": "a" * 65}, "address_hash"),
    ({"email": ADA, "reason": "spam"}, "reason"),
    ({"email": ADA, "reason": ""}, "reason"),
    ({"email": ADA, "note": "x" * 201}, "note"),
    ({"email": ADA, "note": "two\nlines"}, {"note": ["Must be one line of text."]}),
    ({"email": ADA, "note": "nul\x00"}, "note"),
    ({"email": ["ada@x.com"]}, "email"),
]


@pytest.mark.parametrize(("payload", "error"), BAD_INPUT)
def test_bad_input_is_a_400_naming_the_field(api, payload, error):
    answer = api.post(URL, payload, format="json")

    assert answer.status_code == 400, answer.json()
    if isinstance(error, dict):
        assert answer.json() == error
    else:
        assert list(answer.json()) == [error]
    assert not Suppression.objects.exists()


def test_the_service_refuses_a_reason_it_does_not_know():
    with pytest.raises(InvalidInput) as refused:
        suppress(workspace_id=default_workspace().pk, email=ADA, reason="spam", actor=None)
    assert refused.value.field == "reason"


# --- the list ----------------------------------------------------------------------------------


def test_the_list_is_newest_first_and_filters_by_reason_and_address(api):
    oldest = add("a@example.com", reason="bounced")
    add("b@example.com", reason="manual")
    newest = add("c@example.com", reason="bounced")
    elsewhere_entry("d@example.com")

    everything = api.get(URL).json()
    assert [i["address_hash"] for i in everything["items"]] == [
        address_hash(e) for e in ("c@example.com", "b@example.com", "a@example.com")
    ]
    bounced = api.get(URL, {"reason": "BOUNCED"}).json()["items"]
    assert [i["id"] for i in bounced] == [newest.public_id, oldest.public_id]
    found = api.get(URL, {"email": " C@Example.com"}).json()["items"]
    assert [i["id"] for i in found] == [newest.public_id]
    assert api.get(URL, {"email": "d@example.com"}).json()["items"] == []  # another workspace's
    assert api.get(URL, {"email": "nobody@example.com"}).json()["items"] == []
    by_hash = api.get(URL, {"address_hash": address_hash("c@example.com").upper()}).json()
    assert [i["id"] for i in by_hash["items"]] == [newest.public_id]
    bad = api.get(URL, {"reason": "spam"})
    assert bad.status_code == 400
    assert list(bad.json()) == ["reason"]


def test_the_list_reads_in_two_queries_whatever_the_page(api):
    for i in range(30):
        add(f"p{i}@example.com")
    with CaptureQueriesContext(connection) as one:
        api.get(URL, {"per": 1})
    with CaptureQueriesContext(connection) as many:
        api.get(URL, {"per": 200})
    assert len(one) == len(many)


# --- the workspace wall and roles --------------------------------------------------------------


def test_another_workspace_s_entry_is_not_found(api):
    theirs = elsewhere_entry()

    path = f"{URL}/{theirs.public_id}"
    assert api.get(path).status_code == 404
    assert api.delete(path).status_code == 404
    assert Suppression.objects.filter(pk=theirs.pk).exists()
    assert api.get(URL).json()["pagination"]["total_count"] == 0
    # Its address is no entry here: adding it makes one of this workspace's own.
    assert api.post(URL, {"email": ADA}, format="json").status_code == 201


def test_patch_is_not_offered(api):
    entry = add()

    answer = api.patch(f"{URL}/{entry.public_id}", {"reason": "bounced"}, format="json")

    assert answer.status_code == 405


def test_roles_everyone_reads_writers_add_managers_remove(client_for):
    viewer = client_for(UserFactory(membership__role="viewer"))
    rep = client_for(UserFactory(membership__role="rep"))
    manager = client_for(UserFactory(membership__role="manager"))
    entry = add()
    path = f"{URL}/{entry.public_id}"

    assert viewer.get(URL).json()["pagination"]["total_count"] == 1
    assert viewer.get(path).status_code == 200
    denied = viewer.post(URL, {"email": "bo@example.com"}, format="json")
    assert denied.status_code == 403
    assert denied.json() == {"detail": "A viewer may not add addresses to the suppression list."}
    assert rep.post(URL, {"email": "bo@example.com"}, format="json").status_code == 201

    for client, role in ((viewer, "viewer"), (rep, "rep")):
        refused = client.delete(path)
        assert refused.status_code == 403
        assert refused.json() == {
            "detail": f"A {role} may not remove addresses from the suppression list."
        }
    assert Suppression.objects.filter(pk=entry.pk).exists()

    assert manager.delete(path).status_code == 204
    assert not Suppression.objects.filter(pk=entry.pk).exists()
    removed = AuditEntry.objects.get(object_type="suppression", action="delete")
    assert removed.object_id == entry.public_id
    assert removed.changes == {"address_hash": [ADA_HASH, None]}


def test_removing_an_entry_leaves_the_people_it_marked_as_they_are():
    ada = PersonFactory(email=ADA, status="new")
    entry = add()

    suppression_delete(suppression=entry, actor=None)

    ada.refresh_from_db()
    assert ada.status == "do_not_contact"
    assert not is_suppressed(ada.workspace_id, ADA)


def test_the_services_check_the_role():
    rep = UserFactory(membership__role="rep")
    with pytest.raises(Forbidden, match="A rep may not remove addresses"):
        suppression_delete(suppression=add(), actor=rep)


# --- people given a suppressed address ---------------------------------------------------------


def test_a_person_created_with_a_suppressed_address_is_do_not_contact(api):
    add()

    answer = api.post(
        "/api/people",
        {"first_name": "Ada", "email": "ADA@Analytical.example", "status": "interested"},
        format="json",
    )

    assert answer.status_code == 201, answer.json()
    assert answer.json()["status"] == "do_not_contact"
    other = api.post("/api/people", {"first_name": "Bo", "email": "bo@example.com"}, format="json")
    assert other.json()["status"] == "new"
    created = AuditEntry.objects.get(object_type="person", object_id=answer.json()["id"])
    assert created.changes["status"] == [None, "do_not_contact"]


def test_a_person_created_on_the_dashboard_with_a_suppressed_address_is_do_not_contact(dash):
    add()

    response = dash.post(
        "/people/new/",
        {"first_name": "Ada", "email": ADA, "status": "new", "strength": "weak"},
    )

    assert response.status_code == 302
    assert Person.objects.get(email=ADA).status == "do_not_contact"


def test_a_person_given_a_suppressed_address_becomes_do_not_contact(api):
    add()
    ada = PersonFactory(email="ada@elsewhere.example", status="replied")

    answer = api.patch(
        f"/api/people/{ada.public_id}", {"email": ADA, "status": "interested"}, format="json"
    )

    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "do_not_contact"


def test_a_suppressed_person_keeps_do_not_contact_400_naming_status(api):
    ada = PersonFactory(email=ADA, status="new")
    add()

    refused = api.patch(f"/api/people/{ada.public_id}", {"status": "new"}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {
        "status": [
            "The address is on the suppression list: this person stays do not contact until "
            "it is removed from the list."
        ]
    }
    assert api.patch(
        f"/api/people/{ada.public_id}", {"title": "CTO"}, format="json"
    ).status_code == (200)
    # Given another address, they may be contacted again.
    moved = api.patch(
        f"/api/people/{ada.public_id}",
        {"email": "ada@new.example", "status": "new"},
        format="json",
    )
    assert moved.json()["status"] == "new"


# --- the CSV import ----------------------------------------------------------------------------


def import_csv(text: str, **kwargs):
    return people_import_csv(
        file=io.BytesIO(text.encode()), actor=None, workspace=default_workspace(), **kwargs
    )


def test_imported_people_with_suppressed_addresses_are_do_not_contact_in_one_query():
    add()
    add("bo@example.com")
    text = "first_name,email,status\nAda,ADA@analytical.example,interested\nCy,cy@example.com,\n"
    text += "".join(f"P{i},p{i}@example.com,\n" for i in range(50))

    with CaptureQueriesContext(connection) as queries:
        report = import_csv(text)

    assert report.committed
    assert Person.objects.get(first_name="Ada").status == "do_not_contact"
    assert Person.objects.get(first_name="Cy").status == "new"
    assert set(Person.objects.exclude(first_name="Ada").values_list("status", flat=True)) == {"new"}
    reading_the_list = [q for q in queries if "contacts_suppression" in q["sql"]]
    assert len(reading_the_list) == 1
    assert report.rows[0].reason == "The address is on the suppression list: do not contact."


def test_an_import_keeps_a_suppressed_match_do_not_contact_whatever_the_file_says():
    ada = PersonFactory(
        first_name="Ada", email=ADA, linkedin_url="https://www.linkedin.com/in/ada", status="new"
    )
    # Given as a hash, it names no one yet.
    suppression_create(actor=None, address_hash=ADA_HASH, workspace=default_workspace())
    text = "first_name,linkedin_url,status,title\nAda,linkedin.com/in/ada,interested,CTO\n"

    report = import_csv(text, mode="overwrite")

    ada.refresh_from_db()
    assert (ada.status, ada.title) == ("do_not_contact", "CTO")
    row = report.rows[0]
    assert [(c.field, c.before, c.after) for c in row.changes] == [
        ("title", "", "CTO"),
        ("status", "new", "do_not_contact"),
    ]
    assert [(c.field, c.after) for c in row.kept] == [("status", "interested")]
    assert "suppression list" in row.reason


def test_an_import_that_gives_a_match_a_suppressed_address_makes_them_do_not_contact():
    bo = PersonFactory(
        first_name="Bo", email="", linkedin_url="https://www.linkedin.com/in/bo", status="new"
    )
    add()

    import_csv(f"first_name,linkedin_url,email\nBo,linkedin.com/in/bo,{ADA}\n")

    bo.refresh_from_db()
    assert (bo.email, bo.status) == (ADA, "do_not_contact")


def test_the_preview_says_which_rows_are_suppressed(dash):
    add()

    report = people_import_preview(
        file=io.BytesIO(f"first_name,email\nAda,{ADA}\n".encode()),
        actor=None,
        workspace=default_workspace(),
    )

    assert report.rows[0].values["status"] == "do_not_contact"
    page = dash.get(f"/people/import/{report.people_import.pk}/preview/").content.decode()
    assert "The address is on the suppression list: do not contact." in page
    assert not Person.objects.exists()


# --- the Suppression list page -----------------------------------------------------------------


def test_the_page_lists_short_hashes_reasons_and_dates_never_addresses(dash, user):
    entry = add(reason="bounced", note="hard bounce")
    elsewhere_entry("theirs@example.com")

    page = dash.get("/suppressions/")

    html = page.content.decode()
    assert page.status_code == 200
    assert ADA_HASH[:16] in html
    assert ADA_HASH not in html.replace(f'title="{ADA_HASH}"', "")
    assert "Bounced" in html and "hard bounce" in html
    assert entry.created_at.strftime("%Y") in html
    assert ADA not in html
    assert address_hash("theirs@example.com")[:16] not in html
    assert 'href="/suppressions/"' in dash.get("/outbox/").content.decode()  # a tab of Mail


def test_the_page_adds_an_address_and_says_so(dash):
    response = dash.post(
        "/suppressions/", {"email": ADA, "reason": "complaint", "note": "spam report"}
    )

    assert response.status_code == 302
    entry = Suppression.objects.get()
    assert (entry.address_hash, entry.reason, entry.note) == (ADA_HASH, "complaint", "spam report")
    assert "Added to the suppression list." in dash.get("/suppressions/").content.decode()
    again = dash.post("/suppressions/", {"email": ADA.upper(), "reason": "manual"}, follow=True)
    assert "on the list already" in again.content.decode()
    assert Suppression.objects.count() == 1


def test_the_page_puts_a_bad_address_on_its_field(dash):
    response = dash.post("/suppressions/", {"email": "nope", "reason": "manual"})

    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert not Suppression.objects.exists()


def test_the_page_finds_an_address(dash):
    add()
    add("bo@example.com")

    found = dash.get("/suppressions/", {"email": ADA.upper()}).content.decode()
    missing = dash.get("/suppressions/", {"email": "cy@example.com"}).content.decode()

    assert ADA_HASH[:16] in found and address_hash("bo@example.com")[:16] not in found
    assert "Not on the list" in missing


def test_only_managers_see_and_use_remove(client):
    entry = add()
    rep = UserFactory(membership__role="rep")
    manager = UserFactory(membership__role="manager")

    client.force_login(rep)
    assert "Remove</button>" not in client.get("/suppressions/").content.decode()
    refused = client.post(f"/suppressions/{entry.public_id}/delete/", follow=True)
    assert "A rep may not remove addresses from the suppression list." in (refused.content.decode())
    assert Suppression.objects.filter(pk=entry.pk).exists()

    client.force_login(manager)
    assert "Remove</button>" in client.get("/suppressions/").content.decode()
    done = client.post(f"/suppressions/{entry.public_id}/delete/", follow=True)
    assert "Removed from the suppression list." in done.content.decode()
    assert not Suppression.objects.exists()


def test_a_viewer_reads_the_page_without_the_form(client):
    add()
    client.force_login(UserFactory(membership__role="viewer"))

    html = client.get("/suppressions/").content.decode()

    assert ADA_HASH[:16] in html
    assert "Add to the list" not in html


def test_another_workspace_s_entry_cannot_be_removed_from_the_page(dash):
    theirs = elsewhere_entry()

    assert dash.post(f"/suppressions/{theirs.public_id}/delete/").status_code == 404
    assert dash.get(f"/suppressions/{theirs.public_id}/delete/").status_code == 405
    assert Suppression.objects.filter(pk=theirs.pk).exists()
