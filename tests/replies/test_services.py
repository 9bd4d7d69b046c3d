"""What each classification does (replies/services.py), in one transaction per message, once."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from contacts.services import person_erase
from contacts.suppressions import is_suppressed
from followups.choices import FollowUpKind
from followups.models import FollowUp
from outreach.models import Outreach
from outreach.services import effects
from replies import services
from replies.models import InboundMessage
from replies.services import opt_out, receive
from sending import engine
from sending.models import Message
from tests.factories import CompanyFactory, SequenceFactory, WorkspaceFactory

from .conftest import reply_to, sent_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    """The events published (for webhooks) while the test runs: (type, object_id, data)."""
    events = []

    def capture(*, type, workspace_id, object_id="", data):
        events.append((type, object_id, data))

    monkeypatch.setattr(effects.publish, "_functions", [*effects.publish._functions, capture])
    return events


def bounce(recipient: str, status: str, message_id: str) -> bytes:
    action = "failed" if status.startswith("5") else "delayed"
    return f"""From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
To: alice@sender.example.com
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn.{status}.{recipient}>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Your message could not be delivered.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.com

Final-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}

--b
Content-Type: text/rfc822-headers

Message-ID: {message_id}
Subject: Hello

--b--
""".encode()


def test_a_reply_records_replied_finishes_the_outreach_and_publishes(sent, mailbox, published):
    outreach = sent()
    inbound = receive(raw=reply_to(outreach, "Yes, let's talk."), mailbox=mailbox).message

    assert inbound.classification == "reply"
    assert inbound.text == "Yes, let's talk."
    outreach.refresh_from_db()
    assert outreach.outcome == "replied"
    assert outreach.current_state == "finished"
    assert outreach.next_step_at is None
    assert outreach.person.status == "replied"
    assert FollowUp.objects.filter(outreach=outreach, kind=FollowUpKind.RESPOND).exists()
    ((_type, object_id, data),) = [event for event in published if event[0] == "reply.received"]
    assert object_id == inbound.public_id
    assert data["outreach_id"] == outreach.public_id
    assert data["text"] == "Yes, let's talk."
    # Nothing more goes out, even when the next step falls due.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=10)):
        assert engine.send_due() == 0


def test_the_same_message_twice_is_kept_once_and_acts_once(sent, mailbox, published):
    outreach = sent()
    raw = reply_to(outreach, "Yes, let's talk.")
    first = receive(raw=raw, mailbox=mailbox)
    again = receive(raw=raw, mailbox=mailbox)
    assert first.created and not again.created
    assert again.message.pk == first.message.pk
    assert InboundMessage.objects.count() == 1
    assert [event[0] for event in published].count("reply.received") == 1


def test_a_reply_does_not_overwrite_an_outcome_a_person_recorded(sent, mailbox):
    outreach = sent()
    Outreach.objects.filter(pk=outreach.pk).update(outcome="positive")
    receive(raw=reply_to(outreach, "Yes, let's talk."), mailbox=mailbox)
    outreach.refresh_from_db()
    assert outreach.outcome == "positive"
    assert outreach.current_state == "finished"


def test_stop_on_company_reply_finishes_colleagues_on_the_same_sequence(sent, mailbox):
    sequence = SequenceFactory(steps=3, stop_on_company_reply=True)
    company = CompanyFactory(name="Analytical", owner=mailbox.owner)
    ada = sent(email="ada@example.org", company=company, sequence=sequence)
    grace = sent(email="grace@example.org", company=company, sequence=sequence)
    other_sequence = sent(email="linus@example.org", company=company)
    elsewhere = sent(email="kay@elsewhere.example.org", sequence=sequence)

    receive(raw=reply_to(ada, "Interested."), mailbox=mailbox)

    for finished in (ada, grace):
        finished.refresh_from_db()
        assert finished.current_state == "finished"
    grace.refresh_from_db()
    assert grace.outcome == "none"  # finished, not a reply of hers
    for running in (other_sequence, elsewhere):
        running.refresh_from_db()
        assert running.current_state == "waiting"


def test_without_stop_on_company_reply_colleagues_go_on(sent, mailbox):
    sequence = SequenceFactory(steps=3)
    company = CompanyFactory(name="Analytical", owner=mailbox.owner)
    ada = sent(email="ada@example.org", company=company, sequence=sequence)
    grace = sent(email="grace@example.org", company=company, sequence=sequence)
    receive(raw=reply_to(ada, "Interested."), mailbox=mailbox)
    grace.refresh_from_db()
    assert grace.current_state == "waiting"


def test_a_hard_bounce_invalidates_suppresses_and_finishes(sent, mailbox):
    outreach = sent()
    message_id = sent_message(outreach).message_id
    inbound = receive(raw=bounce("ada@example.org", "5.1.1", message_id), mailbox=mailbox).message

    assert (inbound.classification, inbound.bounce_kind) == ("bounce", "hard")
    assert inbound.outreach_id == outreach.pk
    outreach.refresh_from_db()
    assert outreach.outcome == "bounced"
    assert outreach.current_state == "finished"
    assert outreach.person.email_invalid is True
    assert is_suppressed(outreach.workspace_id, "ADA@example.org")
    assert "suppressed" in inbound.effects_note


def test_a_hard_bounce_without_its_message_id_is_matched_by_the_address(sent, mailbox):
    outreach = sent()
    receive(raw=bounce("ada@example.org", "5.1.1", "<unknown@elsewhere>"), mailbox=mailbox)
    outreach.refresh_from_db()
    assert outreach.outcome == "bounced"


def test_a_soft_bounce_is_noted_and_nothing_else(sent, mailbox):
    outreach = sent()
    message_id = sent_message(outreach).message_id
    inbound = receive(raw=bounce("ada@example.org", "4.2.2", message_id), mailbox=mailbox).message

    assert (inbound.classification, inbound.bounce_kind) == ("bounce", "soft")
    assert inbound.bounce_status == "4.2.2"
    outreach.refresh_from_db()
    assert outreach.outcome == "none"
    assert outreach.current_state == "waiting"
    assert outreach.person.email_invalid is False
    assert not is_suppressed(outreach.workspace_id, "ada@example.org")


def test_an_automatic_answer_pauses_until_the_return_date(sent, mailbox):
    outreach = sent()
    back = (timezone.now() + datetime.timedelta(days=20)).date()
    raw = reply_to(
        outreach,
        f"I am out of the office. I will be back on {back:%d %B %Y}.",
        subject="Out of Office: Hello",
        headers={"Auto-Submitted": "auto-replied"},
    )
    inbound = receive(raw=raw, mailbox=mailbox).message

    assert inbound.classification == "auto_reply"
    assert inbound.returns_at.date() == back
    outreach.refresh_from_db()
    assert outreach.current_state == "paused"
    assert outreach.paused_until.date() == back
    assert outreach.outcome == "none"  # never counted as a reply
    assert outreach.person.status != "replied"


def test_an_automatic_answer_without_a_date_pauses_seven_days(sent, mailbox):
    outreach = sent()
    raw = reply_to(outreach, "Thanks, I'm away.", headers={"X-Autoreply": "yes"})
    receive(raw=raw, mailbox=mailbox)
    outreach.refresh_from_db()
    assert outreach.current_state == "paused"
    expected = timezone.now() + datetime.timedelta(days=7)
    assert abs(outreach.paused_until - expected) < datetime.timedelta(minutes=1)
    # The engine resumes it when the pause ends.
    with time_machine.travel(expected + datetime.timedelta(minutes=5)):
        engine.send_due()
    outreach.refresh_from_db()
    assert outreach.current_state == "waiting"


def test_an_unsubscribe_reply_opts_the_person_out(sent, mailbox, published):
    outreach = sent()
    second = sent(email="ada@example.org")  # another outreach of a namesake with her address
    inbound = receive(
        raw=reply_to(outreach, "Please remove me from your list."), mailbox=mailbox
    ).message

    assert inbound.classification == "unsubscribe"
    outreach.refresh_from_db()
    assert outreach.outcome == "unsubscribed"
    assert outreach.current_state == "finished"
    assert outreach.person.status == "do_not_contact"
    assert is_suppressed(outreach.workspace_id, "ada@example.org")
    second.refresh_from_db()
    assert second.person.status == "do_not_contact"  # the address is suppressed for everyone
    opted = [event for event in published if event[0] == "person.opted_out"]
    assert opted[0][1] == outreach.person.public_id
    assert opted[0][2]["via"] == "reply"


def test_an_unsubscribe_from_an_unknown_address_still_suppresses_it(mailbox):
    raw = (
        b"From: someone@elsewhere.example.net\r\nTo: alice@sender.example.com\r\n"
        b"Subject: unsubscribe\r\nMessage-ID: <u1@elsewhere>\r\n\r\n\r\n"
    )
    inbound = receive(raw=raw, mailbox=mailbox).message
    assert inbound.classification == "unsubscribe"
    assert inbound.person_id is None
    assert is_suppressed(mailbox.workspace_id, "someone@elsewhere.example.net")


def test_opting_out_twice_changes_and_publishes_once(sent, published):
    outreach = sent()
    first = opt_out(
        workspace_id=outreach.workspace_id,
        person_id=outreach.person_id,
        outreach_id=outreach.pk,
    )
    again = opt_out(
        workspace_id=outreach.workspace_id,
        person_id=outreach.person_id,
        outreach_id=outreach.pk,
    )
    assert first.changed and not again.changed
    assert [event[0] for event in published].count("person.opted_out") == 1


def test_an_unmatched_message_is_kept_and_changes_nothing(sent, mailbox):
    outreach = sent()
    raw = (
        b"From: bob@elsewhere.example.net\r\nTo: alice@sender.example.com\r\n"
        b"Subject: Question\r\nMessage-ID: <q1@elsewhere>\r\n\r\nDo you sell software?\r\n"
    )
    inbound = receive(raw=raw, mailbox=mailbox).message
    assert inbound.classification == "unmatched"
    assert bytes(inbound.raw) == raw
    outreach.refresh_from_db()
    assert outreach.current_state == "waiting"


def test_a_reply_matches_only_in_its_own_workspace(sent, mailbox):
    outreach = sent()
    other = WorkspaceFactory(name="Elsewhere")
    raw = reply_to(outreach, "Yes, let's talk.")
    inbound = receive(raw=raw, workspace_id=other.pk).message
    assert inbound.workspace_id == other.pk
    assert inbound.classification == "unmatched"
    assert inbound.outreach_id is None
    outreach.refresh_from_db()
    assert outreach.current_state == "waiting"


def test_a_message_is_received_in_one_transaction(sent, mailbox, monkeypatch):
    """An effect that fails leaves nothing behind: not the message, not half its effects."""
    outreach = sent()

    def fail(*args, **kwargs):
        raise RuntimeError("the publish failed")

    monkeypatch.setattr(services.effects, "publish", fail)
    with pytest.raises(RuntimeError):
        receive(raw=reply_to(outreach, "Yes."), mailbox=mailbox)
    assert not InboundMessage.objects.exists()
    outreach.refresh_from_db()
    assert (outreach.outcome, outreach.current_state) == ("none", "waiting")
    assert Message.objects.filter(outreach=outreach).count() == 1


def test_erasing_a_person_blanks_what_they_sent_in(sent, mailbox, user):
    outreach = sent()
    inbound = receive(raw=reply_to(outreach, "Yes, call me on 555-0100."), mailbox=mailbox).message
    person_erase(person=outreach.person, actor=user)
    inbound.refresh_from_db()
    assert (inbound.from_address, inbound.subject, inbound.text) == ("", "", "")
    assert bytes(inbound.raw) == b""
    assert inbound.classification == "reply"
