"""The Inbox page, one inbound message's page, and what came back in on the outreach and
person pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from replies.models import InboundMessage, MailboxPoll
from replies.services import receive
from tests.factories import MailboxFactory, WorkspaceFactory

from .conftest import reply_to

pytestmark = pytest.mark.django_db

STRANGER = (
    b"From: Bob <bob@elsewhere.example.net>\r\nTo: alice@sender.example.com\r\n"
    b"Subject: A question from Bob\r\nMessage-ID: <q1@elsewhere.example.net>\r\n\r\n"
    b"Do you sell analytics software?\r\n"
)


def test_the_inbox_lists_what_came_back_and_filters_unmatched(dash, sent, mailbox):
    outreach = sent()
    receive(raw=reply_to(outreach, "Yes, call me.", subject="Re: Hello Ada"), mailbox=mailbox)
    receive(raw=STRANGER, mailbox=mailbox)

    page = dash.get("/inbox/").content.decode()
    assert "Re: Hello Ada" in page and "A question from Bob" in page
    assert 'href="/inbox/"' in dash.get("/outbox/").content.decode()  # a tab of Mail

    unmatched = dash.get("/inbox/?classification=unmatched").content.decode()
    assert "A question from Bob" in unmatched
    assert "Re: Hello Ada" not in unmatched


def test_one_inbound_message_shows_its_text_match_and_effects(dash, sent, mailbox):
    outreach = sent()
    inbound = receive(raw=reply_to(outreach, "Yes, call me."), mailbox=mailbox).message
    page = dash.get(f"/inbox/{inbound.public_id}/").content.decode()
    assert "Yes, call me." in page
    assert f"/outreaches/{outreach.public_id}/" in page
    assert "finished" in page
    eml = dash.get(f"/inbox/{inbound.public_id}.eml")
    assert eml["Content-Type"] == "message/rfc822"
    assert eml.content == bytes(InboundMessage.objects.get().raw)


def test_the_outreach_and_person_pages_show_what_came_back(dash, sent, mailbox):
    outreach = sent()
    receive(raw=reply_to(outreach, "Yes, call me on Tuesday."), mailbox=mailbox)
    for path in (f"/outreaches/{outreach.public_id}/", f"/people/{outreach.person.public_id}/"):
        page = dash.get(path).content.decode()
        assert "Came back in" in page, path
        assert "Yes, call me on Tuesday." in page, path


def test_another_workspaces_messages_are_not_found_or_listed(dash):
    theirs = receive(raw=STRANGER, workspace_id=WorkspaceFactory(name="Elsewhere").pk).message
    assert dash.get(f"/inbox/{theirs.public_id}/").status_code == 404
    assert dash.get(f"/inbox/{theirs.public_id}.eml").status_code == 404
    assert "A question from Bob" not in dash.get("/inbox/").content.decode()


def test_a_refused_login_is_shown_with_the_mailbox(dash, user):
    mailbox = MailboxFactory(owner=user, imap_host="imap.example.com", name="Ada at work")
    MailboxPoll.objects.create(
        mailbox=mailbox, error="imap.example.com:993 refused the login of ada", stopped=True
    )
    page = dash.get("/inbox/").content.decode()
    assert "Ada at work" in page
    assert "refused the login of ada" in page
    assert "waits until the mailbox" in page


def _inbox_queries(dash) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert dash.get("/inbox/").status_code == 200
    return len(queries)


def test_the_inbox_costs_the_same_queries_for_1_or_50_messages(dash, sent, mailbox):
    outreach = sent()
    receive(raw=reply_to(outreach, "Yes."), mailbox=mailbox)
    one = _inbox_queries(dash)
    for n in range(49):
        raw = STRANGER.replace(b"<q1@", f"<q{n + 2}@".encode())
        receive(raw=raw, mailbox=mailbox)
    assert _inbox_queries(dash) == one
