"""The demo's running sequences: `make run` shows sending from its first worker pass."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from demo.seed.running import DEMO_SEQUENCES, MAILBOX_NAME
from followups.choices import FollowUpKind, FollowUpStatus
from followups.models import FollowUp
from outreach.models import Outreach, OutreachTransition
from sending import engine, limits
from sending.choices import MailboxKind, MessageStatus
from sending.models import Mailbox, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(command, settings):
    settings.DEBUG = True
    out, _ = command("bootstrap_demo")
    return out


def running_outreaches():
    return Outreach.objects.exclude(mailbox=None).select_related("sequence")


def test_the_demo_user_gets_a_local_mailbox_that_may_send_now(demo):
    user = get_user_model().objects.get(username="demo")
    mailbox = Mailbox.objects.get()
    assert (mailbox.name, mailbox.owner, mailbox.kind) == (MAILBOX_NAME, user, MailboxKind.LOCAL)
    assert mailbox.from_email.endswith("@example.com")
    assert (mailbox.daily_limit, mailbox.min_interval_seconds) == (200, 0)
    assert len(mailbox.window_days) == 7
    now = timezone.now().replace(hour=12)
    assert limits.next_allowed(mailbox, now).waiting_for is None


def test_demo_outreaches_are_started_through_the_service_with_their_schedule(demo):
    outreaches = list(running_outreaches())
    assert len(outreaches) >= 20
    names = {o.sequence.name for o in outreaches}
    assert names == {demo.name for demo in DEMO_SEQUENCES}
    now = timezone.now()
    due_now = [o for o in outreaches if o.next_step_at and o.next_step_at <= now]
    later = [o for o in outreaches if o.next_step_at and o.next_step_at > now]
    to_do = [o for o in outreaches if o.next_step_at is None]
    assert due_now and later and to_do
    for outreach in outreaches:
        assert outreach.current_state == "starting"
        assert outreach.next_step == 1
        assert outreach.approved
        assert outreach.company_id == outreach.person.company_id
        moves = list(
            OutreachTransition.objects.filter(outreach=outreach)
            .order_by("pk")
            .values_list("transition", flat=True)
        )
        assert moves == ["start_enrichment", "complete_enrichment", "start"]
    # A call first: a to-do for today in the follow-up queue.
    calls = FollowUp.objects.filter(kind=FollowUpKind.STEP, status=FollowUpStatus.PENDING)
    assert set(calls.values_list("outreach_id", flat=True)) == {o.pk for o in to_do}
    assert all(title.startswith("Call ") for title in calls.values_list("title", flat=True))


def test_the_first_worker_pass_sends_what_is_due_and_leaves_nothing_impossible(demo):
    due = sum(
        1 for o in running_outreaches() if o.next_step_at and o.next_step_at <= timezone.now()
    )
    assert f"the worker sends the {due} due now" in demo

    assert engine.send_due() == due
    sent = Message.objects.filter(status=MessageStatus.SENT)
    assert sent.count() == due
    assert engine.send_due() == 0
    for message in sent.select_related("outreach__person"):
        assert message.to == message.outreach.person.email
        assert message.outreach.current_state == "waiting"
        assert message.outreach.delivery_status == "performed"
        assert message.outreach.next_step == 2
        # The next email days later, or a call: a to-do, after which the sequence goes on.
        next_at = message.outreach.next_step_at
        assert next_at is None or next_at > timezone.now() + datetime.timedelta(days=1)
    # The rules the seed keeps hold for the running demo too.
    performed = Outreach.objects.filter(delivery_status="performed")
    assert not performed.exclude(current_state="waiting").exists()
    assert not performed.filter(sent_at=None).exists()
    assert (
        not Outreach.objects.exclude(delivery_status="performed").exclude(outcome="none").exists()
    )
    assert not Outreach.objects.filter(
        channel="email", person__email="", current_state__in=["ready", "starting", "waiting"]
    ).exists()
    assert not Outreach.objects.filter(current_state="ready").exclude(mailbox=None).exists()
    # Each history starts where the previous move ended, and ends at the current state.
    last = {}
    for outreach_id, field, from_state, to_state in OutreachTransition.objects.order_by(
        "pk"
    ).values_list("outreach_id", "field", "from_state", "to_state"):
        if (outreach_id, field) in last:
            assert last[(outreach_id, field)] == from_state
        last[(outreach_id, field)] = to_state
    for pk, state, delivery in Outreach.objects.values_list(
        "pk", "current_state", "delivery_status"
    ):
        assert last.get((pk, "current_state"), "new") == state
        assert last.get((pk, "delivery_status"), "pending") == delivery
