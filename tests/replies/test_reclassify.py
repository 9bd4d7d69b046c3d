"""`manage.py reclassify`: kept messages classified again after a rule change, acting only on
what is newly classified, never twice."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from replies import classify
from replies.models import InboundMessage
from replies.services import receive

from .conftest import reply_to

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("reclassify", *args, stdout=out)
    return out.getvalue()


def test_a_rule_change_reclassifies_and_acts_once(sent, mailbox, monkeypatch):
    outreach = sent()
    # A rule that missed "keine Werbung mehr" kept the answer as a reply (and finished it).
    inbound = receive(
        raw=reply_to(outreach, "Ich möchte bitte keine Werbung mehr bekommen, danke."),
        mailbox=mailbox,
    ).message
    assert inbound.classification == "reply"
    outreach.refresh_from_db()
    assert outreach.person.status == "replied"

    # The rules learn it: the message is now a request to be removed.
    monkeypatch.setattr(
        classify, "UNSUBSCRIBE", classify._any(classify.UNSUBSCRIBE.pattern, r"keine werbung mehr")
    )
    assert run() == "1 message(s) examined, 1 classified differently, 1 acted on.\n"
    inbound.refresh_from_db()
    assert inbound.classification == "unsubscribe"
    assert inbound.effects_applied == ["reply", "unsubscribe"]
    outreach.refresh_from_db()
    assert outreach.outcome == "unsubscribed"
    assert outreach.person.status == "do_not_contact"

    # Again: nothing changes, nothing runs twice.
    assert run() == "1 message(s) examined, 0 classified differently, 0 acted on.\n"


def test_since_limits_the_messages_examined(sent, mailbox):
    outreach = sent()
    old = receive(
        raw=reply_to(outreach, "Old."),
        mailbox=mailbox,
        received_at=timezone.now() - datetime.timedelta(days=10),
    ).message
    receive(raw=reply_to(outreach, "New."), mailbox=mailbox)
    since = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()
    assert run("--since", since).startswith("1 message(s) examined")
    assert InboundMessage.objects.get(pk=old.pk).classification == "reply"
    with pytest.raises(CommandError, match="use a date"):
        run("--since", "last tuesday")
