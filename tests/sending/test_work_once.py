"""`manage.py work --once`: everything due, then exit."""

import pytest
from django.core.management import CommandError, call_command

from outreach.services.outreaches import outreach_transition
from sending.choices import MessageStatus
from sending.models import Message
from tests.factories import (
    CompanyFactory,
    MailboxFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_work_once_sends_every_due_step_and_exits(capsys):
    mailbox = MailboxFactory()
    sequence = SequenceFactory(steps=1)
    outreaches = []
    for _ in range(3):
        person = PersonFactory(company=CompanyFactory(owner=mailbox.owner))
        outreach = OutreachFactory(person=person, sequence=sequence, approved=True, state="ready")
        outreaches.append(outreach_transition(outreach=outreach, name="start", actor=None))

    call_command("work", "--once")

    assert Message.objects.filter(status=MessageStatus.SENT).count() == 3
    assert "Ran" in capsys.readouterr().out
    call_command("work", "--once")  # nothing more is due: nothing twice
    assert Message.objects.count() == 3


def test_work_without_once_says_what_to_do():
    with pytest.raises(CommandError, match="--once"):
        call_command("work")
