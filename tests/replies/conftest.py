"""Outreaches whose first step really went out (the engine, a local mailbox), and replies to
them, for the tests of what comes back in."""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.utils import timezone

from outreach.services.outreaches import outreach_transition
from sending import engine
from sending.models import Message
from tests.factories import (
    CompanyFactory,
    MailboxFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
)

# The Message-ID the corpus's messages answer or return (tests/replies/corpus/).
CORPUS_SENT_ID = "<170982.step1.ada@sender.example.com>"
CORPUS_PERSON = "ada@example.org"


@pytest.fixture
def mailbox(db):
    return MailboxFactory(from_email="alice@sender.example.com")


@pytest.fixture
def sent(mailbox):
    """`sent(email=…, company=…, sequence=…, message_id=…)`: a started outreach whose first
    step the engine sent; its message's Message-ID replaced when one is given."""

    def make(email=CORPUS_PERSON, company=None, sequence=None, message_id=None, **person):
        company = company or CompanyFactory(name="Analytical", owner=mailbox.owner)
        person = PersonFactory(company=company, email=email, **{"first_name": "Ada", **person})
        sequence = sequence or SequenceFactory(steps=3)
        outreach = OutreachFactory(person=person, sequence=sequence, approved=True, state="ready")
        outreach_transition(outreach=outreach, name="start", actor=None)
        assert engine.send_due() == 1
        message = Message.objects.get(outreach=outreach)
        if message_id:
            Message.objects.filter(pk=message.pk).update(message_id=message_id)
        outreach.refresh_from_db()
        return outreach

    return make


def sent_message(outreach) -> Message:
    return Message.objects.filter(outreach=outreach).order_by("-id").first()


def reply_to(outreach, body: str, *, subject="Re: Hello", headers=None, thread=True) -> bytes:
    """A plain reply from the outreach's person to its last message."""
    message = EmailMessage()
    message["From"] = outreach.person.email
    message["To"] = "alice@sender.example.com"
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="example.org")
    if thread:
        sent_id = sent_message(outreach).message_id
        message["In-Reply-To"] = sent_id
        message["References"] = sent_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


# A real SMTP server (aiosmtpd) for the one-click flow, as the sending tests start it.
from tests.sending.conftest import certificate, smtp_server  # noqa: E402, F401
