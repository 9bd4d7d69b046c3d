"""When a mailbox may send (sending/limits.py): its window on the wall clock of its time zone
(across the changes to and from summer time), its daily limit over any rolling 24 hours, its
minimum interval; and the engine, the schedule and the forecast keeping to the same answers
under a frozen clock."""

import datetime

import pytest
import time_machine

from outreach.services.outreaches import outreach_transition
from sending import engine, limits
from sending.choices import WEEKDAYS, MessageStatus
from sending.models import Mailbox, Message
from tests.factories import (
    CompanyFactory,
    MailboxFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
)

UTC = datetime.UTC
WEEKDAYS_ONLY = list(WEEKDAYS[:5])
ALL_WEEK = list(WEEKDAYS)


def at(text: str) -> datetime.datetime:
    """An aware UTC moment from "2026-03-30 07:00"."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


def berlin(**values) -> Mailbox:
    """An unsaved mailbox in Berlin, open 09:00–17:00 on weekdays, no other limit."""
    return Mailbox(
        **{
            "name": "Berlin",
            "time_zone": "Europe/Berlin",
            "window_days": WEEKDAYS_ONLY,
            "window_start": datetime.time(9, 0),
            "window_end": datetime.time(17, 0),
            "daily_limit": 10_000,
            "min_interval_seconds": 0,
            **values,
        }
    )


def always_open(**values) -> Mailbox:
    """An unsaved mailbox whose window is open all week, all day (UTC)."""
    return berlin(
        **{
            "name": "Always",
            "time_zone": "UTC",
            "window_days": ALL_WEEK,
            "window_start": datetime.time(0, 0),
            "window_end": datetime.time(23, 59, 59),
            **values,
        }
    )


# --- the window -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "opens"),
    [
        # Spring (Sunday 2026-03-29, 02:00 CET → 03:00 CEST): 09:00 in Berlin is 08:00 UTC
        # before and 07:00 UTC after.
        ("2026-03-28 05:00", "2026-03-28 08:00"),
        ("2026-03-28 16:30", "2026-03-29 07:00"),  # after Saturday's close: Sunday, summer time
        ("2026-03-29 06:59", "2026-03-29 07:00"),
        ("2026-03-29 15:30", "2026-03-30 07:00"),  # 17:30 CEST: closed until Monday 09:00
        # Autumn (Sunday 2026-10-25, 03:00 CEST → 02:00 CET): 07:00 UTC before, 08:00 after.
        ("2026-10-24 05:00", "2026-10-24 07:00"),
        ("2026-10-24 15:30", "2026-10-25 08:00"),  # 17:30 CEST Saturday: Sunday 09:00 CET
        ("2026-10-25 07:30", "2026-10-25 08:00"),  # 08:30 CET: not yet open
        ("2026-10-25 16:30", "2026-10-26 08:00"),
    ],
)
def test_the_window_keeps_nine_oclock_on_the_wall_across_summer_time(moment, opens):
    window = limits.Window.of(berlin(window_days=ALL_WEEK))
    assert window.next_open(at(moment)) == at(opens)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ("2026-03-28 15:59", True),  # 16:59 CET
        ("2026-03-29 15:30", False),  # 17:30 CEST, though 16:30 in winter time
        ("2026-03-29 07:00", True),  # 09:00 CEST
        ("2026-10-25 07:30", False),  # 08:30 CET, though 09:30 in summer time
        ("2026-10-25 15:30", True),  # 16:30 CET
    ],
)
def test_open_or_closed_is_read_on_the_local_clock(moment, is_open):
    window = limits.Window.of(berlin(window_days=ALL_WEEK))
    assert window.is_open(at(moment)) is is_open


def test_a_weekday_window_is_closed_on_the_weekend_and_says_when_it_opens():
    mailbox = berlin()
    # Friday 17:30 CET, then all weekend: Monday 09:00, summer time by then.
    for moment in ("2026-03-27 16:30", "2026-03-28 12:00", "2026-03-29 21:00"):
        allowed = limits.next_allowed(mailbox, at(moment), recent=[])
        assert allowed == limits.Allowed(at=at("2026-03-30 07:00"), waiting_for="sending_window")
    assert allowed.explain(mailbox) == (
        "Outside the sending window of Berlin (Mon–Fri 09:00–17:00 "
        "Europe/Berlin): it opens Mon 30 Mar 09:00 CEST."
    )
    inside = limits.next_allowed(mailbox, at("2026-03-30 07:00"), recent=[])
    assert inside == limits.Allowed(at=at("2026-03-30 07:00"), waiting_for=None)
    assert inside.explain(mailbox) == "Berlin may send now."


# --- the daily limit and the minimum interval ----------------------------------------------------

NOW = at("2026-03-25 12:00")  # a Wednesday


def hours_ago(*hours: float) -> list[datetime.datetime]:
    return [NOW - datetime.timedelta(hours=h) for h in hours]


def test_under_the_daily_limit_it_may_send_now():
    allowed = limits.next_allowed(always_open(daily_limit=3), NOW, recent=hours_ago(23, 20))
    assert allowed == limits.Allowed(at=NOW, waiting_for=None)


def test_the_daily_limit_frees_24_hours_after_the_oldest_of_the_last_limit_sends():
    mailbox = always_open(daily_limit=3)
    allowed = limits.next_allowed(mailbox, NOW, recent=hours_ago(23, 20, 2))
    assert allowed == limits.Allowed(
        at=NOW + datetime.timedelta(hours=1), waiting_for="daily_limit"
    )
    # More sends than the limit (it was lowered): not the oldest (free in half an hour), but
    # the oldest of the last three.
    allowed = limits.next_allowed(mailbox, NOW, recent=hours_ago(23.5, 20, 19, 2))
    assert allowed == limits.Allowed(
        at=NOW + datetime.timedelta(hours=4), waiting_for="daily_limit"
    )
    assert allowed.explain(mailbox) == (
        "Always has sent its 3 messages of the last 24 hours: the next may go Wed 25 Mar 16:00 UTC."
    )


def test_a_daily_limit_that_frees_outside_the_window_waits_for_the_window():
    mailbox = berlin(daily_limit=2)  # Wednesday 13:00 CET now
    # Free on Thursday at 12:00 CET, inside the window: the daily limit holds it till then.
    allowed = limits.next_allowed(mailbox, NOW, recent=hours_ago(1, 0.5))
    assert allowed == limits.Allowed(at=at("2026-03-26 11:00"), waiting_for="daily_limit")
    # Free on Thursday at 07:00 CET, before the window opens: it waits for 09:00.
    allowed = limits.next_allowed(mailbox, NOW, recent=hours_ago(6, 5))
    assert allowed == limits.Allowed(at=at("2026-03-26 08:00"), waiting_for="sending_window")
    # Free on Friday at 17:30 CET, after the close: the window opens again on Monday.
    friday = at("2026-03-27 12:00")
    allowed = limits.next_allowed(mailbox, friday, recent=[at("2026-03-26 16:30")] * 2)
    assert allowed == limits.Allowed(at=at("2026-03-30 07:00"), waiting_for="sending_window")


def test_the_minimum_interval_counts_from_the_last_send():
    mailbox = always_open(min_interval_seconds=90)
    seconds_ago = [NOW - datetime.timedelta(seconds=30)]
    allowed = limits.next_allowed(mailbox, NOW, recent=seconds_ago)
    assert allowed == limits.Allowed(
        at=NOW + datetime.timedelta(seconds=60), waiting_for="min_interval"
    )
    assert allowed.explain(mailbox) == (
        "Always sends at most one message every 90 seconds: the next may go Wed 25 Mar 12:01 UTC."
    )
    exactly = [NOW - datetime.timedelta(seconds=90)]
    assert limits.next_allowed(mailbox, NOW, recent=exactly).waiting_for is None
    assert limits.next_allowed(mailbox, NOW, recent=[]).waiting_for is None


def test_the_later_of_the_daily_limit_and_the_interval_holds_the_send_back():
    mailbox = always_open(daily_limit=2, min_interval_seconds=3600)
    allowed = limits.next_allowed(mailbox, NOW, recent=hours_ago(23.9, 0.5))
    assert allowed == limits.Allowed(
        at=NOW + datetime.timedelta(minutes=30), waiting_for="min_interval"
    )
    allowed = limits.next_allowed(mailbox, NOW, recent=hours_ago(20, 0.5))
    assert allowed == limits.Allowed(
        at=NOW + datetime.timedelta(hours=4), waiting_for="daily_limit"
    )


# --- the engine, the schedule and the forecast under a frozen clock ------------------------------


def started_outreaches(mailbox: Mailbox, count: int) -> list:
    """`count` outreaches of one-step sequences on this mailbox, their step due now."""
    sequence = SequenceFactory(steps=1)
    company = CompanyFactory(owner=mailbox.owner)
    started = []
    for n in range(count):
        person = PersonFactory(company=company, first_name=f"P{n}", email=f"p{n}@example.org")
        outreach = OutreachFactory(person=person, sequence=sequence, approved=True, state="ready")
        started.append(outreach_transition(outreach=outreach, name="start", actor=None))
    return started


def parse(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def schedule(api, outreach) -> dict:
    answer = api.get(f"/api/outreaches/{outreach.public_id}/schedule")
    assert answer.status_code == 200, answer.json()
    return answer.json()


def forecast(api, mailbox) -> dict:
    answer = api.get(f"/api/mailboxes/{mailbox.public_id}/forecast")
    assert answer.status_code == 200, answer.json()
    return answer.json()


@pytest.mark.django_db
def test_a_daily_limit_of_two_sends_two_then_the_third_24_hours_later(smtp_server, api):
    server = smtp_server()
    with time_machine.travel(NOW, tick=False) as clock:
        mailbox = MailboxFactory(
            kind="smtp",
            smtp_host=server.host,
            smtp_port=server.port,
            smtp_security="none",
            daily_limit=2,
        )
        first, second, third = started_outreaches(mailbox, 3)

        assert engine.send_due() == 2
        assert len(server.received) == 2
        assert {m.outreach_id for m in Message.objects.all()} == {first.pk, second.pk}
        body = schedule(api, third)
        assert body["waiting_for"] == "daily_limit"
        assert body["expected_at"] == "2026-03-26T12:00:00Z"
        assert "has sent its 2 messages of the last 24 hours" in body["explanation"]
        assert forecast(api, mailbox) | {"explanation": ""} == {
            "mailbox_id": mailbox.public_id,
            "queued": 1,
            "due_now": 1,
            "sent_last_24h": 2,
            "daily_limit": 2,
            "active": True,
            "next_send_at": "2026-03-26T12:00:00Z",
            "done_at": "2026-03-26T12:00:00Z",
            "by_day": [{"date": "2026-03-26", "count": 1}],
            "explanation": "",
        }

        clock.move_to(NOW + datetime.timedelta(hours=24) - datetime.timedelta(seconds=1))
        assert engine.send_due() == 0
        clock.move_to(NOW + datetime.timedelta(hours=24))
        assert engine.send_due() == 1
        assert engine.send_due() == 0

    assert len(server.received) == 3
    assert [r.rcpt_tos for r in server.received][-1] == [third.person.email]
    assert Message.objects.get(outreach=third).sent_at == NOW + datetime.timedelta(hours=24)
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


@pytest.mark.django_db
def test_a_closed_window_sends_nothing_and_the_schedule_names_it(api):
    saturday = at("2026-03-28 12:00")  # 13:00 CET
    with time_machine.travel(saturday, tick=False) as clock:
        mailbox = MailboxFactory(
            name="Berlin office",
            time_zone="Europe/Berlin",
            window_days=WEEKDAYS_ONLY,
            window_start=datetime.time(9, 0),
            window_end=datetime.time(17, 0),
        )
        (outreach,) = started_outreaches(mailbox, 1)

        assert engine.send_due() == 0
        assert not Message.objects.exists()
        body = schedule(api, outreach)
        assert body == {
            "next_step": 1,
            "next_step_at": "2026-03-28T12:00:00Z",
            "waiting_for": "sending_window",
            "explanation": "Step 1 is due Sat 28 Mar 2026 13:00 CET. Outside the sending window "
            "of Berlin office (Mon–Fri 09:00–17:00 Europe/Berlin): it opens "
            "Mon 30 Mar 09:00 CEST.",
            "expected_at": "2026-03-30T07:00:00Z",
        }

        clock.move_to(at("2026-03-30 06:59:59"))
        assert engine.send_due() == 0
        clock.move_to(at("2026-03-30 07:00"))
        assert engine.send_due() == 1
    assert Message.objects.get().sent_at == at("2026-03-30 07:00")


@pytest.mark.django_db
def test_the_forecast_tells_when_the_engine_sends_each_message(api):
    with time_machine.travel(NOW, tick=False) as clock:
        mailbox = MailboxFactory(name="Paced", daily_limit=2, min_interval_seconds=600)
        started_outreaches(mailbox, 5)
        # Two today (ten minutes apart), two tomorrow at the same times, the last the day after.
        expected = [
            NOW,
            NOW + datetime.timedelta(minutes=10),
            NOW + datetime.timedelta(hours=24),
            NOW + datetime.timedelta(hours=24, minutes=10),
            NOW + datetime.timedelta(hours=48),
        ]
        answer = forecast(api, mailbox)
        assert answer["queued"] == 5
        assert answer["due_now"] == 5
        assert answer["sent_last_24h"] == 0
        assert parse(answer["next_send_at"]) == NOW
        assert parse(answer["done_at"]) == expected[-1]
        assert answer["by_day"] == [
            {"date": "2026-03-25", "count": 2},
            {"date": "2026-03-26", "count": 2},
            {"date": "2026-03-27", "count": 1},
        ]
        assert answer["explanation"] == (
            "5 messages queued (5 due now); at 2 a day within Every day "
            "00:00–23:59 UTC, the last goes out Fri 27 Mar 2026 12:00 UTC."
        )

        for left, moment in zip(range(5, 0, -1), expected, strict=True):
            answer = forecast(api, mailbox)
            assert answer["queued"] == left
            assert parse(answer["next_send_at"]) == moment
            assert parse(answer["done_at"]) == expected[-1]
            clock.move_to(moment - datetime.timedelta(seconds=1))
            assert engine.send_due() == 0, f"nothing before {moment}"
            clock.move_to(moment)
            assert engine.send_due() == 1, f"one at {moment}"

        answer = forecast(api, mailbox)
        assert (answer["queued"], answer["done_at"]) == (0, None)
        assert answer["explanation"] == "Nothing is queued."
    assert sorted(Message.objects.values_list("sent_at", flat=True)) == expected


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "Every day"),
        (["mon", "tue", "wed", "thu", "fri"], "Mon–Fri"),
        (["sat", "sun"], "Sat, Sun"),
        (["mon", "wed", "thu", "fri"], "Mon, Wed, Thu, Fri"),
    ],
)
def test_a_window_is_said_in_words(days, said):
    assert limits.Window.of(berlin(window_days=days)).describe() == (
        f"{said} 09:00–17:00 Europe/Berlin"
    )
