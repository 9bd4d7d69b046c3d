"""The Mailboxes pages: the list with its add form, one mailbox's page (edit, test, delete)."""

import pytest

from sending.models import Mailbox, Message
from tests.factories import UserFactory
from tests.sending.test_api import make_mailbox

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Work",
    "from_email": "ada@analytical.example",
    "kind": "local",
    "smtp_port": 587,
    "smtp_security": "starttls",
    "imap_port": 993,
    "imap_security": "ssl",
    "imap_folder": "INBOX",
    "daily_limit": 50,
    "min_interval_seconds": 90,
    "window_days": ["mon", "tue"],
    "window_start": "09:00",
    "window_end": "17:00",
    "time_zone": "Europe/Berlin",
}


def test_the_list_shows_mailboxes_with_sent_of_the_limit_and_adds_one(dash, user):
    make_mailbox(owner=user, name="Existing")

    page = dash.get("/mailboxes/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Existing" in text and "0 of 50" in text and "Add a mailbox" in text

    added = dash.post("/mailboxes/", {**FORM, "smtp_password": "pw-123"})
    box = Mailbox.objects.get(name="Work")
    assert added.status_code == 302 and added["Location"] == f"/mailboxes/{box.public_id}/"
    assert box.window_days == ["mon", "tue"] and box.time_zone == "Europe/Berlin"
    assert box.smtp_password_set
    detail = dash.get(added["Location"]).content.decode()
    assert "pw-123" not in detail and box.smtp_password_encrypted not in detail


def test_bad_input_lands_on_the_field(dash):
    page = dash.post("/mailboxes/", {**FORM, "time_zone": "Nowhere/Land"})

    assert page.status_code == 200
    assert "Not a time zone" in page.content.decode()
    assert not Mailbox.objects.exists()


def test_edit_test_and_delete(dash, owner):
    box = make_mailbox(owner=owner, smtp_password="keep-me")
    before = box.smtp_password_encrypted

    saved = dash.post(f"/mailboxes/{box.public_id}/", {**FORM, "name": "Renamed", "active": "on"})
    assert saved.status_code == 302
    box.refresh_from_db()
    assert box.name == "Renamed" and box.smtp_password_encrypted == before  # empty box: kept

    tested = dash.post(f"/mailboxes/{box.public_id}/test/", follow=True)
    assert "nothing left this machine" in tested.content.decode()
    message = Message.objects.get()
    eml = dash.get(f"/messages/{message.public_id}.eml")
    assert eml["Content-Type"] == "message/rfc822" and eml.content == bytes(message.raw)

    deleted = dash.post(f"/mailboxes/{box.public_id}/delete/")
    assert deleted.status_code == 302 and not Mailbox.objects.exists()
    assert Message.objects.get().mailbox_id is None  # the message stays


def test_a_viewer_sees_no_forms_and_another_workspace_is_404(client, user):
    viewer = UserFactory(membership__role="viewer")
    box = make_mailbox(owner=user)
    client.force_login(viewer)

    page = client.get(f"/mailboxes/{box.public_id}/").content.decode()
    assert (
        "Delete the mailbox" not in page
        and "Add a mailbox" not in client.get("/mailboxes/").content.decode()
    )
    assert client.post(f"/mailboxes/{box.public_id}/delete/").status_code == 302
    assert Mailbox.objects.exists()
    assert client.get("/mailboxes/mbx_999999/").status_code == 404
