"""`POST /api/people/{id}/erase` and the person page's "Erase personal data": the person's
personal fields and the texts written to them go, their address stays only as a suppression
hash, in one transaction, audited without the erased data; managers and admins only; another
workspace's person is a 404."""

import json

import pytest

from contacts import services
from contacts.models import Person, Suppression
from contacts.suppressions import address_hash, suppression_create
from outreach.models import Outreach
from sending.models import Message
from tests.factories import (
    FollowUpFactory,
    OutreachFactory,
    PersonFactory,
    UserFactory,
    WorkspaceFactory,
    default_workspace,
)
from workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db

ADA = "Ada.Lovelace@Analytical.example"
# Everything that says who Ada is: none of it may be left anywhere after her erasure.
PERSONAL = (
    "Ada",
    "Lovelace",
    "Countess of computing",
    "analytical.example",
    "+14155552671",
    "linkedin.com/in/ada-lovelace",
    "facebook.com/ada.lovelace",
    "Dear Ada",
    "Notes on the engine",
)


@pytest.fixture
def ada():
    return PersonFactory(
        first_name="Ada",
        last_name="Lovelace",
        title="Countess of computing",
        email=ADA,
        email_invalid=True,
        phone="+14155552671",
        linkedin_url="https://www.linkedin.com/in/ada-lovelace",
        facebook_url="https://www.facebook.com/ada.lovelace",
        status="interested",
    )


@pytest.fixture
def written(ada):
    """Two outreaches to Ada, one with a message sent; and someone else's outreach."""
    first = OutreachFactory(person=ada, subject="Notes on the engine", body="Dear Ada, …")
    OutreachFactory(person=ada, subject="Again: Notes on the engine", body="Dear Ada")
    Message.objects.create(
        workspace=ada.workspace,
        outreach=first,
        step=1,
        to=ADA,
        subject="Notes on the engine",
        body="Dear Ada, …",
        raw=f"To: {ADA}\r\nSubject: Notes on the engine\r\n\r\nDear Ada".encode(),
    )
    bo = OutreachFactory(subject="Hello Bo", body="Dear Bo")
    Message.objects.create(
        workspace=bo.workspace, outreach=bo, step=1, to="bo@example.com", subject="Hello Bo"
    )
    return bo


def _readable(value) -> str:
    return bytes(value).decode() if isinstance(value, memoryview | bytes) else str(value)


def erase_path(person) -> str:
    return f"/api/people/{person.public_id}/erase"


def test_erasure_blanks_the_person_and_keeps_only_the_hash(api, ada, written):
    answer = api.post(erase_path(ada))

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["id"] == ada.public_id
    assert {k: body[k] for k in ("first_name", "last_name", "title", "email", "phone")} == {
        "first_name": "",
        "last_name": "",
        "title": "",
        "email": "",
        "phone": "",
    }
    assert (body["linkedin_url"], body["facebook_url"], body["status"]) == (
        "",
        "",
        "do_not_contact",
    )
    ada.refresh_from_db()
    assert (ada.email_invalid, ada.email_inferred) == (False, False)
    entry = Suppression.objects.get()
    assert (entry.address_hash, entry.reason) == (address_hash(ADA), "manual")


def test_erasure_blanks_the_outreaches_and_messages_written_to_them(api, ada, written):
    bo = written

    api.post(erase_path(ada))

    assert set(Outreach.objects.filter(person=ada).values_list("subject", "body")) == {("", "")}
    assert list(
        Message.objects.filter(outreach__person=ada).values_list("to", "subject", "body")
    ) == [("", "", "")]
    assert bytes(Message.objects.get(outreach__person=ada).raw) == b""
    # Nobody else's texts move.
    bo.refresh_from_db()
    assert (bo.subject, bo.body) == ("Hello Bo", "Dear Bo")
    assert Message.objects.get(outreach=bo).to == "bo@example.com"
    assert Outreach.objects.filter(person=ada).count() == 2  # the history stays


def test_nothing_of_the_erased_data_is_left_in_the_rows_or_the_audit_entry(api, ada, written):
    before = AuditEntry.objects.count()

    api.post(erase_path(ada))

    rows = {
        "person": list(Person.objects.filter(pk=ada.pk).values()),
        "outreaches": list(Outreach.objects.filter(person=ada).values()),
        "messages": list(Message.objects.filter(outreach__person=ada).values()),
        "suppressions": list(Suppression.objects.values()),
        "entries": list(AuditEntry.objects.order_by("id").values()[before:]),
    }
    text = json.dumps(rows, default=_readable)
    for value in PERSONAL:  # case-sensitive, so that no column name matches "Ada"
        assert value not in text, value
    erased = AuditEntry.objects.get(object_id=ada.public_id, action="update")
    assert erased.changes == {
        "personal_data": ["present", "erased"],
        "status": ["interested", "do_not_contact"],
    }


def test_an_address_already_on_the_list_keeps_its_entry(api, ada):
    first, _ = suppression_create(
        actor=None, email=ADA, reason="bounced", note="hard", workspace=default_workspace()
    )

    assert api.post(erase_path(ada)).status_code == 200

    entry = Suppression.objects.get()
    assert (entry.pk, entry.reason, entry.note) == (first.pk, "bounced", "hard")


def test_the_erased_address_is_never_contacted_again(api, ada):
    api.post(erase_path(ada))

    again = api.post("/api/people", {"first_name": "Ada", "email": ADA.lower()}, format="json")

    assert again.json()["status"] == "do_not_contact"


def test_a_person_without_an_address_leaves_nothing_on_the_list(api):
    bo = PersonFactory(email="", first_name="Bo")

    assert api.post(erase_path(bo)).status_code == 200

    assert not Suppression.objects.exists()
    bo.refresh_from_db()
    assert (bo.first_name, bo.status) == ("", "do_not_contact")


def test_erasure_is_one_transaction(api, ada, written):
    def fail(**_):
        raise RuntimeError("the disk is full")

    services.person_erased.register(fail)
    try:
        with pytest.raises(RuntimeError):
            api.post(erase_path(ada))
    finally:
        services.person_erased._functions.remove(fail)

    ada.refresh_from_db()
    assert (ada.first_name, ada.email, ada.status) == ("Ada", ADA, "interested")
    assert not Suppression.objects.exists()
    assert Outreach.objects.filter(person=ada, subject="Notes on the engine").exists()
    assert Message.objects.get(outreach__person=ada).to == ADA
    assert not AuditEntry.objects.filter(object_id=ada.public_id).exists()


@pytest.mark.parametrize("role", ["viewer", "rep"])
def test_only_managers_and_admins_erase(client_for, ada, role):
    answer = client_for(UserFactory(membership__role=role)).post(erase_path(ada))

    assert answer.status_code == 403
    assert answer.json() == {"detail": f"A {role} may not erase people's personal data."}
    ada.refresh_from_db()
    assert ada.first_name == "Ada"
    assert not Suppression.objects.exists()


def test_a_manager_erases(client_for, ada):
    manager = client_for(UserFactory(membership__role="manager"))

    assert manager.post(erase_path(ada)).status_code == 200


def test_another_workspace_s_person_is_not_found(api):
    elsewhere = WorkspaceFactory(name="Elsewhere")
    theirs = PersonFactory(
        first_name="Cy", email="cy@example.com", company=None, workspace=elsewhere
    )

    assert api.post(erase_path(theirs)).status_code == 404
    assert api.post("/api/people/per_0/erase").status_code == 404
    theirs.refresh_from_db()
    assert theirs.first_name == "Cy"
    assert not Suppression.objects.exists()


def test_erase_takes_post_only(api, ada):
    assert api.get(erase_path(ada)).status_code == 405


# --- the person page ---------------------------------------------------------------------------


def test_the_person_page_offers_erasure_to_managers_only(client, ada):
    client.force_login(UserFactory(membership__role="rep"))
    page = client.get(f"/people/{ada.public_id}/").content.decode()
    assert "Erase personal data" not in page
    assert client.get(f"/people/{ada.public_id}/erase/").status_code == 403
    assert client.post(f"/people/{ada.public_id}/erase/").status_code == 403

    client.force_login(UserFactory(membership__role="manager"))
    page = client.get(f"/people/{ada.public_id}/").content.decode()
    assert f'href="/people/{ada.public_id}/erase/"' in page


def test_the_confirmation_page_says_what_goes_then_erases(dash, ada, written):
    confirm = dash.get(f"/people/{ada.public_id}/erase/")

    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "This cannot be undone" in html
    assert "their 2 outreaches" in html
    assert "goes on the suppression list" in html
    ada.refresh_from_db()
    assert ada.first_name == "Ada"  # asking changes nothing

    done = dash.post(f"/people/{ada.public_id}/erase/", follow=True)

    assert done.redirect_chain == [(f"/people/{ada.public_id}/", 302)]
    assert f"Personal data of {ada.public_id} erased" in done.content.decode()
    ada.refresh_from_db()
    assert (ada.first_name, ada.email, ada.status) == ("", "", "do_not_contact")


def test_another_workspace_s_person_has_no_erase_page(dash):
    theirs = PersonFactory(company=None, workspace=WorkspaceFactory(name="Elsewhere"))

    assert dash.get(f"/people/{theirs.public_id}/erase/").status_code == 404
    assert dash.post(f"/people/{theirs.public_id}/erase/").status_code == 404


def test_erasure_retitles_the_persons_follow_ups_and_blanks_their_notes(api, ada):
    mine = FollowUpFactory(person=ada, title=f"Call {ADA}", note="Ada prefers mornings")
    theirs = FollowUpFactory(title="Call Bo", note="Bo prefers evenings")

    api.post(erase_path(ada))

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.title, mine.note) == ("Follow-up about an erased person", "")
    assert (theirs.title, theirs.note) == ("Call Bo", "Bo prefers evenings")
