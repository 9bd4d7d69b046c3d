"""The engine: due steps sent once, through local and real SMTP mailboxes, and what comes of a
server's answer."""

import datetime
import email
import smtplib
from email import policy

import pytest
import time_machine
from django.utils import timezone

from contacts.models import Suppression
from contacts.suppressions import address_hash
from followups.choices import FollowUpKind, FollowUpStatus
from followups.models import FollowUp
from followups.services import followup_update
from outreach.exceptions import TransitionNotAllowed
from outreach.models import Outreach, OutreachTransition
from outreach.services.outreaches import outreach_transition
from sending import engine
from sending.choices import MessageStatus
from sending.models import Message
from tests.factories import (
    CompanyFactory,
    MailboxFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    SequenceStepFactory,
)
from workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db


def make_sequence(*steps, **values):
    """steps: (channel, delay_days, subject, body) each."""
    sequence = SequenceFactory(**values)
    for position, (channel, delay, subject, body) in enumerate(steps, start=1):
        SequenceStepFactory(
            sequence=sequence,
            position=position,
            channel=channel,
            delay_days=delay,
            subject_template=subject,
            body_template=body,
        )
    return sequence


TWO_EMAILS = (
    ("email", 0, "Hello {{ first_name }}", 'Hi {{ first_name|default:"there" }}, a question.'),
    ("email", 3, "", "Just bumping this, {{ first_name }}."),
)


def ready_outreach(sequence, mailbox=None, **person_values):
    owner = mailbox.owner if mailbox is not None else None
    company = CompanyFactory(name="Analytical", **({"owner": owner} if owner else {}))
    person = PersonFactory(
        company=company, **{"first_name": "Ada", "last_name": "Lovelace", **person_values}
    )
    return OutreachFactory(person=person, sequence=sequence, approved=True, state="ready")


def start(outreach, **kwargs):
    return outreach_transition(outreach=outreach, name="start", actor=None, **kwargs)


def test_start_needs_a_mailbox_and_takes_the_owners_first_active_one():
    sequence = make_sequence(*TWO_EMAILS)
    lonely = ready_outreach(sequence)
    with pytest.raises(TransitionNotAllowed, match="needs a mailbox"):
        start(lonely)
    lonely.refresh_from_db()
    assert lonely.current_state == "ready"

    mailbox = MailboxFactory()
    MailboxFactory(owner=mailbox.owner, active=True)  # a second one, made later
    outreach = ready_outreach(sequence, mailbox)
    started = start(outreach)
    assert started.current_state == "starting"
    assert started.mailbox_id == mailbox.pk
    assert started.next_step == 1
    assert abs(started.next_step_at - timezone.now()) < datetime.timedelta(seconds=5)


def test_a_due_step_is_built_sent_once_and_the_sequence_goes_on():
    mailbox = MailboxFactory(from_name="Alice Adams", signature="Alice\nAnalytical Sales")
    outreach = start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox))

    assert engine.send_due() == 1
    assert engine.send_due() == 0  # nothing more is due

    message = Message.objects.get(outreach=outreach)
    assert message.status == MessageStatus.SENT
    assert message.step == 1
    assert message.subject == "Hello Ada"
    parsed = email.message_from_bytes(bytes(message.raw), policy=policy.default)
    assert parsed["To"] == outreach.person.email
    assert parsed["From"].addresses[0].addr_spec == mailbox.from_email
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/u/" in parsed["List-Unsubscribe"]
    assert "Hi Ada, a question." in parsed.get_body(("plain",)).get_content()

    outreach.refresh_from_db()
    assert outreach.current_state == "waiting"
    assert outreach.delivery_status == "performed"
    assert outreach.sent_at is not None
    # The steps are the follow-ups: no "+3 days" attempt for a running sequence.
    assert not FollowUp.objects.filter(outreach=outreach, kind=FollowUpKind.FOLLOW_UP).exists()
    assert outreach.next_step == 2
    expected = message.sent_at + datetime.timedelta(days=3)
    assert abs(outreach.next_step_at - expected) < datetime.timedelta(seconds=1)


def test_an_empty_subject_answers_in_the_thread_and_the_last_step_finishes():
    mailbox = MailboxFactory()
    outreach = start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox))
    engine.send_due()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3, minutes=1)):
        assert engine.send_due() == 1
    first, second = Message.objects.filter(outreach=outreach).order_by("step")
    assert second.subject == "Re: Hello Ada"
    parsed = email.message_from_bytes(bytes(second.raw), policy=policy.default)
    assert parsed["In-Reply-To"] == first.message_id
    assert first.message_id in parsed["References"]
    outreach.refresh_from_db()
    assert outreach.current_state == "finished"
    assert outreach.next_step is None and outreach.next_step_at is None


def test_a_step_is_not_sent_before_it_is_due():
    mailbox = MailboxFactory()
    sequence = make_sequence(("email", 2, "Later", "Body"))
    outreach = start(ready_outreach(sequence, mailbox))
    assert engine.send_due() == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2, seconds=5)):
        assert engine.send_due() == 1
    assert Message.objects.get(outreach=outreach).status == MessageStatus.SENT


def test_a_call_step_becomes_a_to_do_and_the_sequence_waits_for_it():
    mailbox = MailboxFactory()
    sequence = make_sequence(
        ("email", 0, "Hello", "Hi"),
        ("phone", 1, "", ""),
        ("email", 0, "After the call", "Hi again"),
    )
    outreach = start(ready_outreach(sequence, mailbox))
    engine.send_due()
    outreach.refresh_from_db()
    assert outreach.next_step == 2 and outreach.next_step_at is None
    task = FollowUp.objects.get(outreach=outreach, kind=FollowUpKind.STEP)
    assert task.title == "Call Ada Lovelace @ Analytical — step 2 of 3"
    assert task.due_at > timezone.now() + datetime.timedelta(hours=23)
    assert engine.send_due() == 0

    followup_update(followup=task, actor=None, status=FollowUpStatus.SKIPPED)
    outreach.refresh_from_db()
    assert outreach.next_step == 3 and outreach.next_step_at is not None
    assert engine.send_due() == 1
    assert Message.objects.filter(outreach=outreach).count() == 2


def test_nothing_is_sent_to_a_person_who_may_not_be_contacted():
    mailbox = MailboxFactory()
    outreach = start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox))
    outreach.person.email_invalid = True
    outreach.person.save()
    assert engine.send_due() == 0
    message = Message.objects.get(outreach=outreach)
    assert message.status == MessageStatus.CANCELED
    assert "bounced" in message.server_answer
    outreach.refresh_from_db()
    assert outreach.current_state == "finished"


def test_nothing_is_sent_to_a_suppressed_address_even_when_listed_after_the_start():
    mailbox = MailboxFactory()
    outreach = start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox))
    # Listed behind the services' back (as by another process): the engine asks at send time.
    Suppression.objects.create(
        workspace_id=outreach.workspace_id,
        address_hash=address_hash(outreach.person.email.upper()),
        reason="manual",
    )
    assert engine.send_due() == 0
    message = Message.objects.get(outreach=outreach)
    assert message.status == MessageStatus.CANCELED
    assert "suppression list" in message.server_answer


def test_an_exclusive_sequence_runs_once_per_person():
    mailbox = MailboxFactory()
    sequence = make_sequence(*TWO_EMAILS)
    first = start(ready_outreach(sequence, mailbox))
    second = OutreachFactory(
        person=first.person,
        sequence=make_sequence(*TWO_EMAILS),
        approved=True,
        state="ready",
    )
    with pytest.raises(TransitionNotAllowed, match=first.public_id):
        start(second)
    Outreach.objects.filter(pk=second.pk).update(mailbox=mailbox)
    outreach_transition(outreach=first, name="finish", actor=None)
    assert start(second).current_state == "starting"


def test_paused_sends_nothing_until_it_resumes_and_until_ends_the_pause():
    mailbox = MailboxFactory()
    outreach = start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox))
    until = timezone.now() + datetime.timedelta(hours=2)
    outreach_transition(outreach=outreach, name="pause", actor=None, until=until)
    assert engine.send_due() == 0
    with time_machine.travel(until + datetime.timedelta(seconds=1)):
        assert engine.send_due() == 1
    outreach.refresh_from_db()
    assert outreach.current_state == "waiting"
    assert outreach.paused_until is None


def test_finishing_by_hand_cancels_what_was_scheduled():
    mailbox = MailboxFactory()
    outreach = start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox))
    outreach_transition(outreach=outreach, name="finish", actor=None)
    assert engine.send_due() == 0
    outreach.refresh_from_db()
    assert outreach.current_state == "finished"
    assert outreach.next_step_at is None


# --- a real SMTP server -----------------------------------------------------------------------


def smtp_mailbox(server, **values):
    return MailboxFactory(
        kind="smtp",
        smtp_host=server.host,
        smtp_port=server.port,
        smtp_security="none",
        **values,
    )


def test_sent_through_a_real_smtp_server_exactly_once(smtp_server):
    server = smtp_server()
    mailbox = smtp_mailbox(server)
    outreaches = [
        start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox, email=f"p{n}@example.org"))
        for n in range(3)
    ]
    assert engine.send_due() == 3
    assert engine.send_due() == 0
    assert sorted(r.rcpt_tos[0] for r in server.received) == [
        "p0@example.org",
        "p1@example.org",
        "p2@example.org",
    ]
    for outreach in outreaches:
        message = Message.objects.get(outreach=outreach)
        assert message.server_answer.startswith("250")
        (received,) = [r for r in server.received if r.rcpt_tos == [outreach.person.email]]
        assert message.message_id.encode() in received.data


def test_a_4xx_is_tried_again_later_and_a_5xx_fails_with_the_servers_answer(smtp_server):
    server = smtp_server()
    mailbox = smtp_mailbox(server)
    outreach = start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox))
    server.data_answer = "451 4.3.0 Try again later"
    assert engine.send_due() == 1
    message = Message.objects.get(outreach=outreach)
    assert message.status == MessageStatus.SCHEDULED
    assert message.server_answer.startswith("451")
    outreach.refresh_from_db()
    assert outreach.next_step_at > timezone.now() + datetime.timedelta(minutes=4)
    assert engine.send_due() == 0  # not before its pause

    server.data_answer = "550 5.1.1 No such user"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        assert engine.send_due() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.server_answer.startswith("550 5.1.1")
    assert message.attempts == 2
    outreach.refresh_from_db()
    assert outreach.current_state == "finished"
    assert outreach.delivery_status == "failed"
    assert "550 5.1.1" in outreach.error_description
    assert server.received == []


def test_a_refused_login_pauses_the_mailbox_with_the_reason(smtp_server):
    server = smtp_server(auth=True)
    mailbox = smtp_mailbox(server, smtp_username="ada@example.com")
    outreach = start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox))
    assert engine.send_due() == 1
    mailbox.refresh_from_db()
    assert mailbox.active is False
    assert "refused the login" in mailbox.paused_reason
    message = Message.objects.get(outreach=outreach)
    assert message.status == MessageStatus.SCHEDULED
    assert engine.send_due() == 0  # a paused mailbox sends nothing


# --- uncertain -------------------------------------------------------------------------------


def test_a_send_that_lost_its_worker_becomes_uncertain_and_is_never_sent_again(settings):
    mailbox = MailboxFactory()
    outreach = start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox))
    claim = engine.claim_next()  # the worker claims … and dies before recording
    assert isinstance(claim, engine.Claim)
    assert engine.send_due() == 0
    later = timezone.now() + datetime.timedelta(seconds=settings.SENDING_STALE_SECONDS + 1)
    with time_machine.travel(later):
        assert engine.settle_stalled_sends() == 1
        assert engine.send_due() == 0
    message = Message.objects.get(outreach=outreach)
    assert message.status == MessageStatus.UNCERTAIN
    assert Message.objects.filter(outreach=outreach).count() == 1


def test_a_person_decides_an_uncertain_message(user):
    mailbox = MailboxFactory()
    sent_one = start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox))
    again_one = start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox))
    for _ in range(2):
        engine.claim_next()
    Message.objects.update(status=MessageStatus.UNCERTAIN)

    engine.message_mark_sent(message=Message.objects.get(outreach=sent_one), actor=user)
    sent_one.refresh_from_db()
    assert sent_one.current_state == "waiting" and sent_one.next_step == 2

    engine.message_send_again(message=Message.objects.get(outreach=again_one), actor=user)
    assert engine.send_due() == 1
    message = Message.objects.get(outreach=again_one)
    assert message.status == MessageStatus.SENT and message.attempts == 2


def test_a_connection_broken_during_data_leaves_the_message_uncertain(smtp_server, monkeypatch):
    server = smtp_server()
    mailbox = smtp_mailbox(server)
    outreach = start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox))

    def broken_data(self, msg):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    with monkeypatch.context() as patched:
        patched.setattr(smtplib.SMTP, "data", broken_data)
        assert engine.send_due() == 1
    message = Message.objects.get(outreach=outreach)
    assert message.status == MessageStatus.UNCERTAIN
    assert engine.send_due() == 0  # never sent again by itself
    outreach.refresh_from_db()
    assert outreach.next_step_at is None and outreach.current_state == "starting"


def test_a_first_send_is_in_the_history_and_audit_log_move_by_move():
    mailbox = MailboxFactory()
    outreach = start(ready_outreach(make_sequence(*TWO_EMAILS), mailbox))
    engine.send_due()
    moves = list(
        OutreachTransition.objects.filter(outreach=outreach)
        .order_by("id")
        .values_list("transition", "from_state", "to_state")
    )
    assert moves == [
        ("start", "ready", "starting"),
        ("run", "pending", "running"),
        ("perform", "running", "performed"),
        ("wait", "starting", "waiting"),
    ]
    logged = list(
        AuditEntry.objects.filter(object_id=outreach.public_id, action="transition")
        .order_by("id")
        .values_list("changes__transition", flat=True)
    )
    assert [pair[1] for pair in logged] == ["start", "run", "perform", "wait"]
    outreach.refresh_from_db()
    assert outreach.done_time is not None and outreach.sent_at is not None
    assert outreach.person.status == "contacted"
