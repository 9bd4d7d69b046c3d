"""IMAP polling against a real Dovecot (tests/replies/dovecot.py): new messages since the last
UID, nothing twice, UIDVALIDITY respected, a refused login stops polling until the settings
change."""

import pytest
from django.conf import settings
from imapclient import SEEN

from core import crypto
from core.worker import worker_sweeps
from replies import polling
from replies.models import InboundMessage, MailboxPoll
from sending.services import PASSWORD_PURPOSE, mailbox_update
from tests.factories import MailboxFactory

from .conftest import reply_to
from .dovecot import dovecot, free_port  # noqa: F401

pytestmark = pytest.mark.django_db

USER, PASSWORD = "alice@sender.example.com", "correct horse"


def stranger(n: int) -> bytes:
    return (
        f"From: Bob <bob{n}@elsewhere.example.net>\r\nTo: {USER}\r\n"
        f"Subject: Question {n}\r\nMessage-ID: <q{n}@elsewhere.example.net>\r\n\r\n"
        f"Do you sell analytics software? ({n})\r\n"
    ).encode()


@pytest.fixture
def imap_mailbox(dovecot, mailbox):  # noqa: F811
    """The `mailbox` fixture, read over IMAP from the Dovecot's user alice."""
    dovecot.add_user(USER, PASSWORD)
    mailbox.imap_host = dovecot.host
    mailbox.imap_port = dovecot.port
    mailbox.imap_security = "none"
    mailbox.imap_username = USER
    mailbox.imap_password_encrypted = crypto.encrypt(PASSWORD_PURPOSE, PASSWORD)
    mailbox.save()
    return mailbox


def test_new_messages_are_picked_up_and_a_second_poll_reads_nothing_new(
    dovecot,  # noqa: F811
    imap_mailbox,
    sent,
):
    outreach = sent()
    dovecot.append(USER, reply_to(outreach, "Yes, call me."), stranger(1))

    result = polling.poll_mailbox(imap_mailbox)

    assert (result.read, result.kept, result.error) == (2, 2, "")
    kept = {m.classification: m for m in InboundMessage.objects.all()}
    assert set(kept) == {"reply", "unmatched"}
    assert kept["reply"].mailbox_id == imap_mailbox.pk
    assert kept["reply"].text == "Yes, call me."
    outreach.refresh_from_db()
    assert outreach.current_state == "finished"
    poll = MailboxPoll.objects.get(mailbox=imap_mailbox)
    assert poll.last_uid == 2 and poll.uidvalidity and poll.error == ""
    assert poll.last_polled_at is not None

    assert polling.poll_mailbox(imap_mailbox).read == 0
    assert InboundMessage.objects.count() == 2

    dovecot.append(USER, stranger(2))
    assert polling.poll_mailbox(imap_mailbox).read == 1
    assert InboundMessage.objects.count() == 3
    assert MailboxPoll.objects.get(mailbox=imap_mailbox).last_uid == 3

    # Read-only: the person still sees them as new in their own mail program.
    client = dovecot.client(USER)
    client.select_folder("INBOX", readonly=True)
    flags = client.get_flags(client.search("ALL"))
    client.logout()
    assert all(SEEN not in value for value in flags.values())


def test_a_changed_uidvalidity_reads_the_folder_again_without_duplicates(
    dovecot,  # noqa: F811
    imap_mailbox,
    sent,
):
    outreach = sent()
    imap_mailbox.imap_folder = "Replies"
    imap_mailbox.save()
    reply = reply_to(outreach, "Yes, call me.")
    dovecot.append(USER, reply, stranger(1), folder="Replies")
    assert polling.poll_mailbox(imap_mailbox).kept == 2
    before = MailboxPoll.objects.get(mailbox=imap_mailbox).uidvalidity

    # The folder is made again (a server migration, a restore): the same messages, one more.
    after = dovecot.recreate_folder(USER, "Replies")
    dovecot.append(USER, reply, stranger(1), stranger(2), folder="Replies")
    result = polling.poll_mailbox(imap_mailbox)

    assert after != before
    assert (result.read, result.kept) == (3, 1)
    assert InboundMessage.objects.count() == 3
    poll = MailboxPoll.objects.get(mailbox=imap_mailbox)
    assert (poll.uidvalidity, poll.last_uid) == (after, 3)
    reply_message = InboundMessage.objects.get(classification="reply")
    assert reply_message.effects_applied == ["reply"]  # acted once


def test_a_refused_login_stops_polling_until_the_settings_change(
    dovecot,  # noqa: F811
    imap_mailbox,
    user,
    dash,
):
    imap_mailbox.imap_password_encrypted = crypto.encrypt(PASSWORD_PURPOSE, "wrong")
    imap_mailbox.save()
    dovecot.append(USER, stranger(1))

    result = polling.poll_mailbox(imap_mailbox)

    assert "refused the login of alice@sender.example.com" in result.error
    poll = MailboxPoll.objects.get(mailbox=imap_mailbox)
    assert poll.stopped and "refused the login" in poll.error
    page = dash.get(f"/mailboxes/{imap_mailbox.public_id}/").content.decode()
    assert "Replies are not being read from this mailbox." in page
    assert "refused the login" in page
    skipped = polling.poll_mailbox(imap_mailbox)
    assert skipped.skipped.startswith("The login was refused")
    assert not InboundMessage.objects.exists()

    mailbox_update(mailbox=imap_mailbox, actor=user, imap_password=PASSWORD)
    imap_mailbox.refresh_from_db()
    assert polling.poll_mailbox(imap_mailbox).read == 1
    poll.refresh_from_db()
    assert not poll.stopped and poll.error == ""


def test_an_unreachable_server_is_noted_and_tried_again(mailbox, settings):
    settings.IMAP_TIMEOUT_SECONDS = 2
    mailbox.imap_host = "127.0.0.1"
    mailbox.imap_port = free_port()
    mailbox.imap_security = "none"
    mailbox.save()
    result = polling.poll_mailbox(mailbox)
    assert "could not be reached" in result.error
    poll = MailboxPoll.objects.get(mailbox=mailbox)
    assert not poll.stopped
    assert polling.poll_mailbox(mailbox).skipped == ""  # tried again, not skipped


def test_the_sweep_polls_active_mailboxes_with_imap_settings(
    dovecot,  # noqa: F811
    imap_mailbox,
):
    MailboxFactory()  # no IMAP settings: not polled
    MailboxFactory(imap_host="127.0.0.1", imap_port=1, active=False)  # paused: not polled
    dovecot.append(USER, stranger(1))
    assert polling.poll_mailboxes() == 1
    assert MailboxPoll.objects.count() == 1
    (sweep,) = [s for s in worker_sweeps if s.function is polling.poll_mailboxes]
    assert sweep.every == settings.IMAP_POLL_SECONDS == 60
