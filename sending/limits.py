"""When a mailbox may send: its window in its own time zone, its daily limit over any rolling
24 hours, and its minimum interval. The one owner of these rules: the engine asks before every
send, the schedule and the forecast explain with the same answers.

Times are aware datetimes in UTC; a window is read in the mailbox's time zone day by day, so a
change to or from summer time moves the window with the clock on the wall (09:00 stays 09:00).
"""

import datetime
import zoneinfo
from collections import deque
from dataclasses import dataclass

from .choices import WEEKDAYS, MessageStatus
from .models import Mailbox, Message

DAY = datetime.timedelta(hours=24)
# Messages that count against the limits: handed to the server, or maybe handed.
COUNTED = (MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.UNCERTAIN)
# What a step can wait for (the schedule's `waiting_for`).
SENDING_WINDOW = "sending_window"
DAILY_LIMIT = "daily_limit"
MIN_INTERVAL = "min_interval"
TASK = "task"
PAUSED = "paused"
MAILBOX_INACTIVE = "mailbox_inactive"


@dataclass(frozen=True)
class Window:
    """Days of the week (0 = Monday), the local start and end, and the time zone."""

    days: frozenset[int]
    start: datetime.time
    end: datetime.time
    zone: zoneinfo.ZoneInfo

    @classmethod
    def of(cls, mailbox: Mailbox) -> "Window":
        return cls(
            days=frozenset(WEEKDAYS.index(day) for day in mailbox.window_days),
            start=mailbox.window_start,
            end=mailbox.window_end,
            zone=zoneinfo.ZoneInfo(mailbox.time_zone),
        )

    def _bounds(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        opens = datetime.datetime.combine(day, self.start, tzinfo=self.zone)
        closes = datetime.datetime.combine(day, self.end, tzinfo=self.zone)
        return opens.astimezone(datetime.UTC), closes.astimezone(datetime.UTC)

    def next_open(self, at: datetime.datetime) -> datetime.datetime:
        """`at` when the window is open then, else the moment it next opens."""
        local_day = at.astimezone(self.zone).date()
        for offset in range(8):
            day = local_day + datetime.timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            opens, closes = self._bounds(day)
            if at < closes:
                return max(at, opens)
        raise ValueError("A window has at least one day.")  # pragma: no cover - checked at save

    def is_open(self, at: datetime.datetime) -> bool:
        return self.next_open(at) == at

    def describe(self) -> str:
        """“Mon–Fri 09:00–17:00 Europe/Berlin”: a run of three days or more as a range."""
        days = sorted(self.days)
        if len(days) == 7:
            named = "Every day"
        elif len(days) >= 3 and days[-1] - days[0] == len(days) - 1:
            named = f"{WEEKDAYS[days[0]].capitalize()}–{WEEKDAYS[days[-1]].capitalize()}"
        else:
            named = ", ".join(WEEKDAYS[day].capitalize() for day in days)
        return f"{named} {self.start:%H:%M}–{self.end:%H:%M} {self.zone.key}"


def counted_sends(mailbox: Mailbox, *, since: datetime.datetime) -> list[datetime.datetime]:
    """When this mailbox's messages since `since` were handed over, oldest first."""
    return list(
        Message._base_manager.filter(mailbox_id=mailbox.pk, status__in=COUNTED, sent_at__gt=since)
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
    )


@dataclass(frozen=True)
class Allowed:
    """The earliest moment a mailbox may send, and what holds it back until then (None when
    it may send at once)."""

    at: datetime.datetime
    waiting_for: str | None

    def explain(self, mailbox: Mailbox) -> str:
        when = f"{self.at.astimezone(zoneinfo.ZoneInfo(mailbox.time_zone)):%a %d %b %H:%M %Z}"
        if self.waiting_for == SENDING_WINDOW:
            return (
                f"Outside the sending window of {mailbox.name} "
                f"({Window.of(mailbox).describe()}): it opens {when}."
            )
        if self.waiting_for == DAILY_LIMIT:
            return (
                f"{mailbox.name} has sent its {mailbox.daily_limit} messages of the last "
                f"24 hours: the next may go {when}."
            )
        if self.waiting_for == MIN_INTERVAL:
            return (
                f"{mailbox.name} sends at most one message every "
                f"{mailbox.min_interval_seconds} seconds: the next may go {when}."
            )
        return f"{mailbox.name} may send now."


def next_allowed(
    mailbox: Mailbox,
    at: datetime.datetime,
    *,
    recent: list[datetime.datetime] | None = None,
) -> Allowed:
    """The earliest moment from `at` on when the mailbox may send one more message.

    `recent` (its hand-over times of the last 24 hours before `at`, oldest first) is read from
    the database when not given.
    """
    window = Window.of(mailbox)
    if recent is None:
        recent = counted_sends(mailbox, since=at - DAY)
    waits = {SENDING_WINDOW: window.next_open(at)}
    if len(recent) >= mailbox.daily_limit:
        # The oldest of the last `limit` sends must be 24 hours old first.
        waits[DAILY_LIMIT] = recent[len(recent) - mailbox.daily_limit] + DAY
    if recent and mailbox.min_interval_seconds:
        waits[MIN_INTERVAL] = recent[-1] + datetime.timedelta(seconds=mailbox.min_interval_seconds)
    reason, moment = max(waits.items(), key=lambda item: item[1])
    if moment <= at:
        return Allowed(at=at, waiting_for=None)
    # Whatever held it back, the moment it passes must be inside the window too.
    opens = window.next_open(moment)
    return Allowed(at=opens, waiting_for=SENDING_WINDOW if opens > moment else reason)


@dataclass(frozen=True)
class Forecast:
    queued: int
    due_now: int
    sent_last_24h: int
    next_send_at: datetime.datetime | None
    done_at: datetime.datetime | None
    by_day: list[tuple[datetime.date, int]]
    # When the last message the forecast looked at goes out.
    last_at: datetime.datetime | None = None
    # True when the queue is longer than the forecast looks ahead (done_at is then None).
    partial: bool = False


FORECAST_HORIZON = 5_000


def forecast(
    mailbox: Mailbox, due_times: list[datetime.datetime], now: datetime.datetime
) -> Forecast:
    """When the queued messages of a mailbox (their due times, oldest first) will go out at
    its current limits: the same rules as the engine, played forward."""
    recent = deque(counted_sends(mailbox, since=now - DAY))
    sent_last_24h = len(recent)
    zone = zoneinfo.ZoneInfo(mailbox.time_zone)
    by_day: dict[datetime.date, int] = {}
    moment = now
    first = None
    for due in due_times[:FORECAST_HORIZON]:
        moment = max(moment, due)
        while recent and recent[0] <= moment - DAY:
            recent.popleft()
        allowed = next_allowed(mailbox, moment, recent=list(recent))
        moment = allowed.at
        while recent and recent[0] <= moment - DAY:
            recent.popleft()
        recent.append(moment)
        first = first or moment
        day = moment.astimezone(zone).date()
        by_day[day] = by_day.get(day, 0) + 1
    partial = len(due_times) > FORECAST_HORIZON
    return Forecast(
        queued=len(due_times),
        due_now=sum(1 for due in due_times if due <= now),
        sent_last_24h=sent_last_24h,
        next_send_at=first,
        done_at=None if partial or not due_times else moment,
        by_day=sorted(by_day.items()),
        last_at=first and moment,
        partial=partial,
    )
