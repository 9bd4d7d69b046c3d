"""The dashboard of sequences that run: the outbox (the next 24 hours, the forecasts, the
uncertain messages to decide), mailboxes with what they sent and why they are paused, a
sequence's results per step and its preview, an outreach's messages, schedule and mailbox."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outreach.models import Outreach, Sequence
from sending import engine, selectors
from sending.choices import MessageStatus
from sending.models import Mailbox, Message
from sending.schedule import schedule_of
from tests.factories import (
    MailboxFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    UserFactory,
    WorkspaceFactory,
)
from tests.sending.test_engine import TWO_EMAILS, make_sequence, ready_outreach, start

pytestmark = pytest.mark.django_db


def running(mailbox, count=1, sequence=None):
    """`count` started outreaches sending through `mailbox`, their first step due now."""
    sequence = sequence or make_sequence(*TWO_EMAILS)
    started = []
    for n in range(count):
        outreach = ready_outreach(sequence, mailbox, email=f"p{n}@example.org")
        Outreach.objects.filter(pk=outreach.pk).update(mailbox=mailbox)
        outreach.refresh_from_db()
        started.append(start(outreach))
    return started


def uncertain_message(mailbox):
    """A started outreach whose first message's worker died mid-send."""
    outreach = running(mailbox)[0]
    claim = engine.claim_next()
    assert isinstance(claim, engine.Claim)
    Message.objects.filter(pk=claim.message_id).update(status=MessageStatus.UNCERTAIN)
    return Message.objects.get(pk=claim.message_id), outreach


# --- every page answers, in its workspace only ------------------------------------------------


def test_every_page_answers_a_member_with_data(dash, user):
    mailbox = MailboxFactory(owner=user, name="Work box")
    sent = running(mailbox)[0]
    engine.send_due()
    message, _ = uncertain_message(mailbox)
    waiting = running(mailbox)[0]
    sequence = Sequence.objects.get(pk=sent.sequence_id)

    outbox = dash.get("/outbox/")
    assert outbox.status_code == 200
    text = outbox.content.decode()
    assert "Due in the next 24 hours" in text and "Forecast per mailbox" in text
    assert message.public_id in text and "Mark sent" in text and "Send again" in text
    assert waiting.person.email in text and "is due now" in text

    for url in (
        "/mailboxes/",
        f"/mailboxes/{mailbox.public_id}/",
        f"/sequences/{sequence.public_id}/",
        f"/outreaches/{sent.public_id}/",
    ):
        assert dash.get(url).status_code == 200, url


def test_the_outbox_says_so_when_nothing_is_due(dash):
    text = dash.get("/outbox/").content.decode()
    assert "Nothing due in the next 24 hours" in text
    assert "No mailboxes yet" in text
    assert "No message is uncertain" in text


def test_another_workspaces_rows_are_not_found_or_shown(dash, user):
    elsewhere = WorkspaceFactory(name="Elsewhere")
    stranger = UserFactory(membership__workspace=elsewhere)
    theirs = MailboxFactory(workspace=elsewhere, owner=stranger, name="Their box")
    their_outreach = OutreachFactory(workspace=elsewhere, person=None, company=None)
    their_message = Message.objects.create(
        workspace=elsewhere,
        outreach=their_outreach,
        step=1,
        to="x@example.com",
        status=MessageStatus.UNCERTAIN,
    )
    their_sequence = SequenceFactory(workspace=elsewhere)

    assert dash.get(f"/mailboxes/{theirs.public_id}/").status_code == 404
    assert dash.post(f"/mailboxes/{theirs.public_id}/activate/").status_code == 404
    assert dash.post(f"/messages/{their_message.public_id}/mark-sent/").status_code == 404
    assert dash.post(f"/messages/{their_message.public_id}/send-again/").status_code == 404
    assert dash.get(f"/sequences/{their_sequence.public_id}/").status_code == 404
    mine = MailboxFactory(owner=user)
    assert (
        dash.post(
            f"/outreaches/{their_outreach.public_id}/mailbox/", {"mailbox": mine.pk}
        ).status_code
        == 404
    )
    text = dash.get("/outbox/").content.decode()
    assert "Their box" not in text and their_message.public_id not in text
    their_message.refresh_from_db()
    assert their_message.status == MessageStatus.UNCERTAIN


# --- deciding about uncertain messages --------------------------------------------------------


def test_mark_sent_counts_it_sent_and_the_sequence_goes_on(dash, user):
    message, outreach = uncertain_message(MailboxFactory(owner=user))

    answer = dash.post(f"/messages/{message.public_id}/mark-sent/", follow=True)

    assert "is marked sent; it will not be sent again" in answer.content.decode()
    message.refresh_from_db()
    outreach.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert outreach.current_state == "waiting" and outreach.next_step == 2
    assert engine.send_due() == 0  # step 2 waits its three days; step 1 never goes again


def test_send_again_queues_it_and_the_engine_sends_it_once_more(dash, user):
    message, outreach = uncertain_message(MailboxFactory(owner=user))
    back = f"/outreaches/{outreach.public_id}/"

    answer = dash.post(f"/messages/{message.public_id}/send-again/", {"next": back})

    assert answer.status_code == 302 and answer["Location"] == back
    message.refresh_from_db()
    outreach.refresh_from_db()
    assert message.status == MessageStatus.SCHEDULED
    assert outreach.next_step == 1 and outreach.next_step_at <= timezone.now()
    assert engine.send_due() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2


def test_a_decided_message_cannot_be_decided_again_and_a_foreign_next_is_ignored(dash, user):
    message, _ = uncertain_message(MailboxFactory(owner=user))
    dash.post(f"/messages/{message.public_id}/mark-sent/")

    answer = dash.post(
        f"/messages/{message.public_id}/send-again/", {"next": "https://evil.example/"}
    )

    assert answer["Location"] == "/outbox/"
    text = dash.get("/outbox/").content.decode()
    assert "only an uncertain message is decided" in text
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_a_viewer_sees_no_buttons_and_is_refused_in_words(client, user):
    message, _ = uncertain_message(MailboxFactory(owner=user))
    client.force_login(UserFactory(membership__role="viewer"))

    page = client.get("/outbox/").content.decode()
    assert message.public_id in page and "Mark sent</button>" not in page
    for verb in ("mark-sent", "send-again"):
        refused = client.post(f"/messages/{message.public_id}/{verb}/", follow=True)
        assert "A viewer may not decide about messages." in refused.content.decode()
    message.refresh_from_db()
    assert message.status == MessageStatus.UNCERTAIN


# --- the outbox's rows and their cost -------------------------------------------------------------


def test_the_outbox_explains_each_row_as_schedule_of_does(dash, user):
    limited = MailboxFactory(owner=user, daily_limit=1)
    _first, second = running(limited, count=2)
    engine.send_due()  # one goes out; the other waits for the daily limit
    paused = MailboxFactory(owner=user, active=False, paused_reason="The server refused it.")
    held = running(paused)[0]
    later = running(MailboxFactory(owner=user), sequence=make_sequence(("email", 0, "Hi", "Hi")))
    Outreach.objects.filter(pk=later[0].pk).update(
        next_step_at=timezone.now() + datetime.timedelta(hours=5)
    )
    far = running(MailboxFactory(owner=user))[0]
    Outreach.objects.filter(pk=far.pk).update(
        next_step_at=timezone.now() + datetime.timedelta(hours=30)
    )

    now = timezone.now()
    rows = selectors.outbox_rows(list(selectors.outbox_outreaches(now=now)), now=now)

    assert {row.outreach.pk for row in rows} == {second.pk, held.pk, later[0].pk}
    for row in rows:
        expected = schedule_of(Outreach.objects.get(pk=row.outreach.pk), now)
        assert row.schedule.explanation == expected.explanation
        assert row.schedule.waiting_for == expected.waiting_for
    waits = {row.outreach.pk: row.schedule.waiting_for for row in rows}
    assert waits == {second.pk: "daily_limit", held.pk: "mailbox_inactive", later[0].pk: None}
    assert {row.step_number for row in rows} == {1} and {row.step_count for row in rows} == {1, 2}
    text = dash.get("/outbox/").content.decode()
    assert "has sent its 1 messages of the last 24 hours" in text
    assert f"/outreaches/{far.public_id}/" not in text


def _outbox_queries(dash) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert dash.get("/outbox/").status_code == 200
    return len(queries)


def test_the_outbox_costs_the_same_queries_for_1_or_10_rows(dash, user):
    mailbox = MailboxFactory(owner=user)
    uncertain_message(mailbox)
    sequence = make_sequence(*TWO_EMAILS)
    running(mailbox, sequence=sequence)
    one = _outbox_queries(dash)

    running(mailbox, count=9, sequence=sequence)
    for _ in range(9):  # and uncertain messages with their outreaches and people
        uncertain_message(mailbox)
    ten = _outbox_queries(dash)

    text = dash.get("/outbox/").content.decode()
    assert "10 steps, earliest first" in text and "10 uncertain messages" in text
    assert "step 1 of 2" in text
    assert one == ten, (one, ten)


# --- mailboxes ------------------------------------------------------------------------------------


def test_the_mailboxes_say_what_they_sent_their_window_and_why_one_is_paused(dash, user):
    box = MailboxFactory(
        owner=user,
        name="Work box",
        daily_limit=40,
        window_days=["mon", "tue"],
        window_start=datetime.time(9, 0),
        window_end=datetime.time(17, 0),
        time_zone="Europe/Berlin",
    )
    Message.objects.create(  # sent an hour ago (the window is closed on some days)
        workspace_id=box.workspace_id,
        mailbox=box,
        to="x@example.com",
        status=MessageStatus.SENT,
        sent_at=timezone.now() - datetime.timedelta(hours=1),
    )
    MailboxFactory(owner=user, name="Broken", active=False, paused_reason="535 bad password")

    text = dash.get("/mailboxes/").content.decode()

    assert "1 of 40" in text and "Mon, Tue 09:00–17:00 Europe/Berlin" in text
    assert "Broken</a> is paused" in text and "535 bad password" in text
    assert "Make it active again" in text


def test_a_paused_mailbox_is_made_active_again_and_forgets_why(dash, user):
    box = MailboxFactory(owner=user, active=False, paused_reason="535 bad password")
    page = dash.get(f"/mailboxes/{box.public_id}/").content.decode()
    assert "This mailbox is paused" in page and "535 bad password" in page

    answer = dash.post(f"/mailboxes/{box.public_id}/activate/", follow=True)

    assert "is active again" in answer.content.decode()
    box.refresh_from_db()
    assert box.active and box.paused_reason == ""


def test_a_viewer_cannot_make_a_mailbox_active(client, user):
    box = MailboxFactory(owner=user, active=False, paused_reason="535 bad password")
    client.force_login(UserFactory(membership__role="viewer"))

    page = client.get(f"/mailboxes/{box.public_id}/").content.decode()
    assert "535 bad password" in page and "Make it active again</button>" not in page
    client.post(f"/mailboxes/{box.public_id}/activate/")
    box.refresh_from_db()
    assert not box.active


def test_the_mailbox_page_shows_its_forecast(dash, user):
    box = MailboxFactory(owner=user, daily_limit=2)
    running(box, count=5)

    text = dash.get(f"/mailboxes/{box.public_id}/").content.decode()

    assert "5 messages queued (5 due now)" in text
    assert "Messages per day" in text and "Queue done" in text


# --- a sequence: results per step, preview, its form -------------------------------------------


def test_the_results_per_step_count_each_outreach_at_its_last_sent_step(dash):
    sequence = make_sequence(*TWO_EMAILS)

    def outreach(outcome, steps):
        made = OutreachFactory(sequence=sequence, outcome=outcome)
        for step in steps:
            Message.objects.create(
                workspace_id=made.workspace_id,
                outreach=made,
                step=step,
                to="x@example.com",
                status=MessageStatus.SENT,
                sent_at=timezone.now(),
            )
        return made

    outreach("replied", [1])
    outreach("positive", [1, 2])
    outreach("bounced", [1, 2])
    outreach("unsubscribed", [1])
    outreach("none", [1])
    failed = OutreachFactory(sequence=sequence, outcome="negative")  # nothing sent: not counted
    Message.objects.create(
        workspace_id=failed.workspace_id,
        outreach=failed,
        step=1,
        to="x@example.com",
        status=MessageStatus.FAILED,
    )

    steps = list(sequence.steps.all())
    with CaptureQueriesContext(connection) as queries:
        results = selectors.sequence_step_results(sequence, steps)
    assert len(queries) == 2
    first, second = results
    assert (first.number, first.sent, first.replied, first.bounced, first.opted_out) == (
        1,
        5,
        1,
        0,
        1,
    )
    assert first.reply_rate == 20.0
    assert (second.number, second.sent, second.replied, second.bounced, second.opted_out) == (
        2,
        2,
        1,
        1,
        0,
    )
    assert second.reply_rate == 50.0
    text = dash.get(f"/sequences/{sequence.public_id}/").content.decode()
    assert "Results per step" in text and "20 %" in text and "50 %" in text


def test_the_preview_renders_the_steps_for_a_picked_person(dash, user):
    sequence = make_sequence(*TWO_EMAILS)
    person = PersonFactory(first_name="Grace", last_name="Hopper")
    MailboxFactory(owner=user, name="Mine")
    url = f"/sequences/{sequence.public_id}/"

    picked = dash.get(url, {"person_id": person.public_id}).content.decode()
    assert "Hello Grace" in picked and "Re: Hello Grace" in picked
    assert "Hi Grace, a question." in picked and "from Mine" in picked

    typed = dash.get(url, {"person_id": "", "person_id_name": "Grace Hopper"}).content.decode()
    assert "Hello Grace" in typed

    unknown = dash.get(url, {"person_id": "", "person_id_name": "Nobody"}).content.decode()
    assert "No person matches “Nobody”." in unknown and "Hello Grace" not in unknown


def test_the_sequence_form_sets_exclusive_and_stop_on_company_reply(dash):
    answer = dash.post(
        "/sequences/new/",
        {
            "name": "Runs",
            "active": "on",
            "stop_on_company_reply": "on",
            "steps-TOTAL_FORMS": "0",
            "steps-INITIAL_FORMS": "0",
        },
    )
    assert answer.status_code == 302
    made = Sequence.objects.get(name="Runs")
    assert made.exclusive is False and made.stop_on_company_reply is True
    form = dash.get(f"/sequences/{made.public_id}/edit/").content.decode()
    assert "A person runs at most one exclusive sequence at a time" in form


# --- an outreach: messages, schedule, mailbox, pause until -------------------------------------


def test_the_outreach_page_shows_its_messages_headers_and_schedule(dash, user):
    mailbox = MailboxFactory(owner=user)
    outreach = running(mailbox)[0]
    engine.send_due()
    message = Message.objects.get(outreach=outreach)

    text = dash.get(f"/outreaches/{outreach.public_id}/").content.decode()

    assert "Hello Ada" in text and message.public_id in text
    for header in ("From", "To", "Message-ID", "List-Unsubscribe"):
        assert f"<dt>{header}</dt>" in text, header
    assert message.message_id.strip("<>") in text
    assert f"/messages/{message.public_id}.eml" in text
    assert schedule_of(Outreach.objects.get(pk=outreach.pk)).explanation in text
    assert "Step 2" in text and "Change mailbox" in text


def test_a_reply_in_the_thread_shows_in_reply_to(dash, user):
    mailbox = MailboxFactory(owner=user)
    outreach = running(mailbox)[0]
    engine.send_due()
    Outreach.objects.filter(pk=outreach.pk).update(next_step_at=timezone.now())
    engine.send_due()

    text = dash.get(f"/outreaches/{outreach.public_id}/").content.decode()
    assert "<dt>In-Reply-To</dt>" in text and "Re: Hello Ada" in text


def test_the_mailbox_of_a_running_outreach_is_changed_not_once_finished(dash, user):
    outreach = running(MailboxFactory(owner=user))[0]
    other = MailboxFactory(owner=user, name="Other")

    answer = dash.post(f"/outreaches/{outreach.public_id}/mailbox/", {"mailbox": other.pk})

    assert answer.status_code == 302
    outreach.refresh_from_db()
    assert outreach.mailbox_id == other.pk
    dash.post(f"/outreaches/{outreach.public_id}/transition/", {"transition": "finish"})
    refused = dash.post(
        f"/outreaches/{outreach.public_id}/mailbox/",
        {"mailbox": Mailbox.objects.exclude(pk=other.pk).first().pk},
        follow=True,
    ).content.decode()
    assert "The sequence is finished" in refused and "Change mailbox" not in refused
    outreach.refresh_from_db()
    assert outreach.mailbox_id == other.pk


def test_pause_takes_an_optional_until(dash, user):
    outreach = running(MailboxFactory(owner=user))[0]
    page = dash.get(f"/outreaches/{outreach.public_id}/").content.decode()
    assert "Pause until (optional, UTC)" in page

    until = (timezone.now() + datetime.timedelta(days=2)).replace(second=0, microsecond=0)
    dash.post(
        f"/outreaches/{outreach.public_id}/transition/",
        {"transition": "pause", "until": until.strftime("%Y-%m-%dT%H:%M")},
    )

    outreach.refresh_from_db()
    assert outreach.current_state == "paused" and outreach.paused_until == until
    text = dash.get(f"/outreaches/{outreach.public_id}/").content.decode()
    assert "it goes on by itself then" in text and "Pause until" not in text
    assert 'value="resume"' in text and 'value="pause"' not in text

    dash.post(f"/outreaches/{outreach.public_id}/transition/", {"transition": "resume"})
    dash.post(f"/outreaches/{outreach.public_id}/transition/", {"transition": "pause"})
    outreach.refresh_from_db()
    assert outreach.current_state == "paused" and outreach.paused_until is None
