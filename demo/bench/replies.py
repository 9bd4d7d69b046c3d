"""The replies scenario: how fast inbound mail is classified, and what polling a big mailbox
costs.

1. **Classification.** The corpus of tests/replies/corpus/ (real-world-shaped replies, bounces,
   automatic answers, requests to be removed) repeated to `classify_messages` messages, three
   ways: `classify.classify()` alone over parsed messages (the table of rules); bytes to verdict
   without the database (`parse`, `bounce_of`, `classify`: what classifying a message costs,
   held to the target); and the whole `services.receive()` (parse, match, classify, keep, act:
   its database writes) over `receive_messages` copies, each answering a message the engine
   really sent. Every copy has a Message-ID of its own, so none is recognised as kept already.
   When bytes to verdict misses its target, one more pass under cProfile says where a
   message's time goes.
2. **IMAP poll.** A Dovecot of the bench's own on 127.0.0.1 (demo/bench/dovecot.py; skipped,
   saying so, where it is not installed), `poll_messages` small messages appended to its INBOX
   (MULTIAPPEND, timed apart), then `polling.poll_mailbox` on a mailbox pointed at it: polls
   until all are read (a poll reads at most `polling.MAX_PER_POLL`), one with nothing new, and
   one after `new_messages` more were appended, which must fetch only those.

Everything is written inside one transaction per measurement that is rolled back (each
message's own transaction is a savepoint of it: commits are not in the figures), and nothing
leaves the machine.
"""

import cProfile
import datetime
import io
import pstats
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test.utils import override_settings
from django.utils import timezone

from core import crypto
from replies import classify, polling
from replies.models import InboundMessage
from replies.services import receive
from sending import engine
from sending.choices import MailboxKind, Security
from sending.models import Message
from sending.services import PASSWORD_PURPOSE

from . import dovecot
from .measure import Timing, recording
from .scenarios import Bench
from .sending import _by_kind, _mailboxes, _running, _workspace, rolled_back

CORPUS = Path(settings.BASE_DIR) / "tests" / "replies" / "corpus"
# What the corpus's messages answer or return, and whom they come from (tests/replies/).
CORPUS_SENT_ID = b"<170982.step1.ada@sender.example.com>"
CORPUS_PERSON = b"ada@example.org"
CLASSIFY_MESSAGES = 5_000
RECEIVE_MESSAGES = 1_000
POLL_MESSAGES = 10_000
NEW_MESSAGES = 10
# The target (2 cores): bytes to verdict, no database.
CLASSIFY_TARGET_PER_S = 1_000
PROFILE_ROUNDS = 5
PROFILE_LINES = 25
IMAP_USER, IMAP_PASSWORD = "inbox@bench.example.com", "bench imap"
_MESSAGE_ID = re.compile(rb"^(Message-ID:[ \t]*)<([^>\s]+)>", re.IGNORECASE | re.MULTILINE)
# Where a message's time goes: functions of the profile, by file and name (cumulative, so
# they overlap: the rules include the return date, parsing includes the headers).
HOTSPOTS = {
    "parse (all of it)": ("replies/classify.py", "parse"),
    "MIME parsing (email.feedparser)": ("email/feedparser.py", "feed"),
    "header parsing (email.headerregistry)": ("email/headerregistry.py", "__call__"),
    "the text (body_text)": ("replies/classify.py", "body_text"),
    "quoted history (strip_quoted)": ("replies/classify.py", "strip_quoted"),
    "bounce_of": ("replies/classify.py", "bounce_of"),
    "the rules (classify)": ("replies/classify.py", "classify"),
    "return dates (dateparser)": ("replies/classify.py", "return_date"),
}


def corpus() -> list[bytes]:
    return [path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))]


def _repeated(raws: list[bytes], count: int) -> list[bytes]:
    return [raws[index % len(raws)] for index in range(count)]


def _own_message_id(raw: bytes, label: str) -> bytes:
    """The message with a Message-ID of its own (in its header block only: a bounce's
    returned copy keeps its)."""
    head, sep, body = raw.partition(b"\n\n")
    head, found = _MESSAGE_ID.subn(
        lambda m: m.group(1) + b"<" + label.encode() + b"." + m.group(2) + b">", head, count=1
    )
    if not found:
        head = b"Message-ID: <" + label.encode() + b"@bench.example.com>\n" + head
    return head + sep + body


# --- 1. classification ----------------------------------------------------------------------


def _verdict(raw: bytes) -> classify.Verdict:
    parsed = classify.parse(raw)
    classify.bounce_of(parsed)
    return classify.classify(parsed, classify.Matched())


def _rate(messages: int, timing: Timing) -> int:
    return round(messages / (timing.median / 1000))


def _passes(run, repeat: int) -> Timing:
    run()  # warm: compiled patterns, dateparser's languages
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(samples)


def _phases(raws: list[bytes]) -> dict[str, float]:
    """ms a message in each step of bytes to verdict, over one pass."""
    seconds = Counter()
    for raw in raws:
        started = time.perf_counter()
        parsed = classify.parse(raw)
        parsed_at = time.perf_counter()
        classify.bounce_of(parsed)
        bounced_at = time.perf_counter()
        classify.classify(parsed, classify.Matched())
        seconds["parse"] += parsed_at - started
        seconds["bounce_of"] += bounced_at - parsed_at
        seconds["classify"] += time.perf_counter() - bounced_at
    return {name: round(value * 1000 / len(raws), 3) for name, value in seconds.items()}


def _hotspots(profiler: cProfile.Profile, messages: int) -> dict[str, float]:
    stats = pstats.Stats(profiler).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    found = {}
    for label, (suffix, name) in HOTSPOTS.items():
        cumulative = sum(
            value[3]
            for (filename, _line, function), value in stats.items()
            if function == name and filename.endswith(suffix)
        )
        found[label] = round(cumulative * 1000 / messages, 3)
    return found


def _profile_text(profiler: cProfile.Profile) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)
    stats.sort_stats("cumulative").print_stats(PROFILE_LINES)
    return out.getvalue()


def measure_classification(*, messages: int, repeat: int) -> dict[str, Any]:
    raws = corpus()
    batch = _repeated(raws, messages)
    parsed = [classify.parse(raw) for raw in raws]
    rules_batch = _repeated(parsed, messages)
    nothing = classify.Matched()
    rules = _passes(lambda: [classify.classify(p, nothing) for p in rules_batch], repeat)
    whole = _passes(lambda: [_verdict(raw) for raw in batch], repeat)
    verdicts = Counter(_verdict(raw).classification for raw in raws)
    result = {
        "corpus": len(raws),
        "corpus_classifications": dict(verdicts.most_common()),
        "messages": messages,
        "rules": {
            "ours": rules.as_dict(),
            "per_second": _rate(messages, rules),
            "meets": {"rate": _rate(messages, rules) >= CLASSIFY_TARGET_PER_S},
        },
        "bytes_to_verdict": {
            "ours": whole.as_dict(),
            "per_second": _rate(messages, whole),
            "ms_per_message": _phases(batch[: len(raws) * 10]),
            "meets": {"rate": _rate(messages, whole) >= CLASSIFY_TARGET_PER_S},
        },
    }
    if not result["bytes_to_verdict"]["meets"]["rate"]:
        profiled = raws * PROFILE_ROUNDS
        profiler = cProfile.Profile()
        profiler.enable()
        for raw in profiled:
            _verdict(raw)
        profiler.disable()
        result["bytes_to_verdict"]["ms_per_message_in"] = _hotspots(profiler, len(profiled))
        result["bytes_to_verdict"]["profile"] = _profile_text(profiler)
    return result


def _answering(raws: list[bytes], messages: int) -> list[tuple[int, bytes]]:
    """(round, message): the corpus repeated, round r's copies answering outreach r's sent
    message and coming from its person, every one with a Message-ID of its own."""
    return [
        (index // len(raws), _own_message_id(raws[index % len(raws)], f"bench{index}"))
        for index in range(messages)
    ]


def _receive_once(copies: list[tuple[int, bytes]]) -> dict[str, Any]:
    rounds = copies[-1][0] + 1
    figures: dict[str, Any] = {}
    with rolled_back():
        workspace, owner = _workspace("replies")
        [mailbox] = _mailboxes(workspace, owner, 1, kind=MailboxKind.LOCAL)
        due = timezone.now() - datetime.timedelta(minutes=1)
        _running(workspace, owner, [mailbox], rounds, due=lambda index: due)
        engine.send_due()
        sent = list(
            Message.objects.filter(mailbox=mailbox)
            .order_by("outreach__person__email")
            .values_list("message_id", "outreach__person__email")
        )
        by_round = {
            int(email.split("@")[0].removeprefix("ada")): (message_id, email)
            for message_id, email in sent
        }
        assert len(by_round) == rounds, f"sent {len(by_round)} of {rounds}"
        raws = [
            raw.replace(CORPUS_SENT_ID, by_round[r][0].encode()).replace(
                CORPUS_PERSON, by_round[r][1].encode()
            )
            for r, raw in copies
        ]
        with recording() as recorder:
            started = time.perf_counter()
            for raw in raws:
                receive(raw=raw, mailbox=mailbox)
            seconds = time.perf_counter() - started
        kept = InboundMessage._base_manager.filter(mailbox=mailbox)
        classifications = Counter(kept.values_list("classification", flat=True))
        assert sum(classifications.values()) == len(raws), "every copy is kept"
        figures = {
            "seconds": seconds,
            "queries": len(recorder.work),
            "queries_by_kind": _by_kind(recorder.work),
            "classifications": dict(classifications.most_common()),
            "matched": kept.filter(outreach__isnull=False).count(),
        }
    return figures


def measure_receive(*, messages: int, repeat: int) -> dict[str, Any]:
    copies = _answering(corpus(), messages)
    runs = [_receive_once(copies) for _ in range(repeat)]
    timing = Timing([run["seconds"] * 1000 for run in runs])
    middle = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
    return {
        "messages": messages,
        "outreaches": copies[-1][0] + 1,
        "ours": timing.as_dict(),
        "per_second": _rate(messages, timing),
        "queries_per_message": round(middle["queries"] / messages, 1),
        "queries_per_message_by_kind": {
            kind: round(count / messages, 2) for kind, count in middle["queries_by_kind"].items()
        },
        "classifications": middle["classifications"],
        "matched": middle["matched"],
    }


# --- 2. the IMAP poll -----------------------------------------------------------------------


def small_message(n: int) -> bytes:
    return (
        f"From: Bob {n} <bob{n}@elsewhere.example.net>\r\nTo: {IMAP_USER}\r\n"
        f"Subject: Question {n}\r\nMessage-ID: <q{n}@elsewhere.example.net>\r\n"
        f"Date: Sun, 06 Dec 2026 10:00:00 +0000\r\n\r\n"
        f"Do you sell analytics software? ({n})\r\n"
    ).encode()


@contextmanager
def _counting_fetches() -> Iterator[list[int]]:
    """The UIDs the poll fetches (polling._fetch's arguments), while in the block."""
    fetched: list[int] = []
    original = polling._fetch

    def fetch(client, uids):
        fetched.extend(uids)
        return original(client, uids)

    polling._fetch = fetch
    try:
        yield fetched
    finally:
        polling._fetch = original


def _poll(mailbox) -> dict[str, Any]:
    with _counting_fetches() as fetched, recording() as recorder:
        started = time.perf_counter()
        result = polling.poll_mailbox(mailbox)
        seconds = time.perf_counter() - started
    if result.error or result.skipped:
        raise RuntimeError(f"The poll failed: {result.error or result.skipped}")
    return {
        "read": result.read,
        "kept": result.kept,
        "fetched": len(fetched),
        "ms": round(seconds * 1000, 2),
        "queries": len(recorder.work),
        "queries_by_kind": _by_kind(recorder.work),
    }


def measure_poll(*, messages: int, new_messages: int) -> dict[str, Any]:
    if not dovecot.DOVECOT.exists():
        return {"skipped": dovecot.MISSING}
    figures: dict[str, Any] = {}
    with dovecot.running() as server, rolled_back():
        server.add_user(IMAP_USER, IMAP_PASSWORD)
        started = time.perf_counter()
        server.append_many(IMAP_USER, [small_message(n) for n in range(messages)])
        append_seconds = time.perf_counter() - started
        workspace, owner = _workspace("poll")
        [mailbox] = _mailboxes(
            workspace,
            owner,
            1,
            kind=MailboxKind.LOCAL,
            imap_host=server.host,
            imap_port=server.port,
            imap_security=Security.NONE,
            imap_username=IMAP_USER,
            imap_password_encrypted=crypto.encrypt(PASSWORD_PURPOSE, IMAP_PASSWORD),
        )
        polls = []
        while sum(poll["read"] for poll in polls) < messages:
            polls.append(_poll(mailbox))
            if polls[-1]["read"] == 0:
                raise RuntimeError(f"A poll read nothing after {len(polls) - 1} poll(s).")
        idle = _poll(mailbox)
        server.append_many(
            IMAP_USER, [small_message(n) for n in range(messages, messages + new_messages)]
        )
        second = _poll(mailbox)
        kept = InboundMessage._base_manager.filter(mailbox=mailbox).count()
        seconds = sum(poll["ms"] for poll in polls) / 1000
        queries = Counter()
        for poll in polls:
            queries.update(poll["queries_by_kind"])
        figures = {
            "messages": messages,
            "append": {
                "seconds": round(append_seconds, 2),
                "per_second": round(messages / append_seconds),
            },
            "max_per_poll": polling.MAX_PER_POLL,
            "first": {key: polls[0][key] for key in ("read", "fetched", "ms", "queries")},
            "catch_up": {
                "polls": len(polls),
                "read": sum(poll["read"] for poll in polls),
                "fetched": sum(poll["fetched"] for poll in polls),
                "seconds": round(seconds, 2),
                "per_second": round(messages / seconds),
                "queries_per_message": round(sum(queries.values()) / messages, 1),
                "queries_per_message_by_kind": {
                    kind: round(count / messages, 2) for kind, count in queries.most_common()
                },
            },
            "idle": {key: idle[key] for key in ("read", "fetched", "ms", "queries")},
            "second": {
                "appended": new_messages,
                **{key: second[key] for key in ("read", "fetched", "ms", "queries")},
            },
            "kept": kept,
            "meets": {
                "incremental": second["fetched"] == second["read"] == new_messages
                and idle["fetched"] == 0
            },
        }
    return figures


# --- the group ------------------------------------------------------------------------------


def measure_replies(
    *,
    classify_messages: int = CLASSIFY_MESSAGES,
    receive_messages: int = RECEIVE_MESSAGES,
    poll_messages: int = POLL_MESSAGES,
    new_messages: int = NEW_MESSAGES,
    repeat: int = 3,
) -> dict[str, Any]:
    with override_settings(DEBUG=False):
        return {
            "classification": measure_classification(messages=classify_messages, repeat=repeat),
            "receive": measure_receive(messages=receive_messages, repeat=repeat),
            "poll": measure_poll(messages=poll_messages, new_messages=new_messages),
        }


def run_replies(bench: Bench, **sizes) -> None:
    """make bench's replies group: one result holding every measurement."""
    figures = measure_replies(repeat=min(bench.repeat, 3), **sizes)
    bench.results.append({"kind": "replies", "name": "replies", **figures})
    found = figures["classification"]
    sys.stderr.write(
        f"  replies    classify() alone {found['rules']['per_second']:,}/s, bytes to verdict "
        f"{found['bytes_to_verdict']['per_second']:,}/s, receive() "
        f"{figures['receive']['per_second']:,}/s\n"
    )
    poll = figures["poll"]
    if "skipped" in poll:
        sys.stderr.write(f"  replies    IMAP poll skipped: {poll['skipped']}\n")
    else:
        sys.stderr.write(
            f"  replies    IMAP: {poll['catch_up']['read']:,} read in "
            f"{poll['catch_up']['polls']} polls, {poll['catch_up']['per_second']:,}/s; then "
            f"{poll['second']['fetched']} fetched of {poll['second']['appended']} new\n"
        )
