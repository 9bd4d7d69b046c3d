"""The corpus of real-world-shaped messages (tests/replies/corpus/), each received as a mailbox
would receive it, against its expected classification in corpus/expected.tsv; and the rules'
finer points."""

import csv
import datetime
from pathlib import Path

import pytest

from replies import classify
from replies.services import receive

from .conftest import CORPUS_SENT_ID

CORPUS = Path(__file__).parent / "corpus"
QUOTED_ORIGINAL = "a question about your analytics work"


def _expected() -> list[dict[str, str]]:
    with (CORPUS / "expected.tsv").open(encoding="utf-8") as table:
        rows = (line for line in table if not line.startswith("#"))
        return list(csv.DictReader(rows, delimiter="\t"))


EXPECTED = _expected()


def test_the_table_names_every_corpus_message_once():
    named = [row["file"] for row in EXPECTED]
    assert len(named) == len(set(named))
    assert sorted(named) == sorted(path.name for path in CORPUS.glob("*.eml"))


@pytest.mark.django_db
@pytest.mark.parametrize("row", EXPECTED, ids=[row["file"] for row in EXPECTED])
def test_corpus_message_is_classified_as_expected(row, sent, mailbox):
    outreach = sent(message_id=CORPUS_SENT_ID)
    inbound = receive(raw=(CORPUS / row["file"]).read_bytes(), mailbox=mailbox).message

    assert inbound.classification == row["classification"]
    detail = row["detail"]
    if row["classification"] == "bounce":
        assert f"{inbound.bounce_kind} {inbound.bounce_status}" == detail
        assert inbound.bounced_recipient == "ada@example.org"
    elif row["classification"] == "auto_reply":
        returns = inbound.returns_at.date().isoformat() if inbound.returns_at else "-"
        assert returns == detail
    if row["matched"] == "yes":
        assert inbound.outreach_id == outreach.pk
        assert inbound.person_id == outreach.person_id
    else:
        assert inbound.outreach_id is None
    if row["classification"] in ("reply", "unsubscribe"):
        assert QUOTED_ORIGINAL not in inbound.text  # the quoted history is gone


def read(name: str) -> classify.Parsed:
    return classify.parse((CORPUS / name).read_bytes())


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("reply_top_posted.eml", "Yes, happy to talk. Tuesday at 3pm works for me."),
        ("reply_inline.eml", "Sure, what would you like to know?\n\nThursday is best."),
        ("reply_outlook.eml", "Thanks, please send me the details."),
        ("reply_german_quoted.eml", "gerne, rufen Sie mich am Donnerstag an."),
        ("reply_html_gmail.eml", "Hi Alice, sounds interesting. What are the next steps?"),
    ],
)
def test_the_text_keeps_the_answer_and_drops_the_quoted_history(name, kept):
    parsed = read(name)
    assert kept in parsed.reply_text
    assert QUOTED_ORIGINAL not in parsed.reply_text
    assert "wrote:" not in parsed.reply_text and "schrieb" not in parsed.reply_text
    assert QUOTED_ORIGINAL in parsed.text  # the whole text still has it


def test_a_bounce_names_the_message_it_returns():
    for name in ("postfix_dsn_hard.eml", "gmail_dsn_hard.eml", "exim_plain_hard.eml"):
        bounce = classify.bounce_of(read(name))
        assert bounce.original_message_id == CORPUS_SENT_ID, name


def test_auto_submitted_no_is_not_automatic():
    parsed = classify.parse(
        b"From: ada@example.org\r\nTo: alice@example.com\r\nSubject: Re: Hello\r\n"
        b"Auto-Submitted: no\r\n\r\nSounds good, call me.\r\n"
    )
    verdict = classify.classify(parsed, classify.Matched(outreach_id=1, by="thread"))
    assert verdict.classification == "reply"


def test_a_return_date_in_the_past_is_not_a_return_date():
    parsed = classify.parse(
        b"From: ada@example.org\r\nSubject: Out of office\r\nDate: Mon, 03 Mar 2025 10:00:00 "
        b"+0000\r\nAuto-Submitted: auto-replied\r\n\r\nI was back on 1 February 2025.\r\n"
    )
    assert classify.return_date(parsed) is None


def test_the_latest_date_of_the_return_sentences_wins():
    parsed = classify.parse(
        "From: ada@example.org\r\nSubject: Abwesend\r\nDate: Mon, 03 Mar 2025 10:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Ich bin vom 3. März bis 21. März 2025 im Urlaub.\r\n".encode()
    )
    assert classify.return_date(parsed) == datetime.datetime(2025, 3, 21, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "body",
    [
        "Stop",
        "stop please",
        "UNSUBSCRIBE",
        "Bitte austragen.",
        "Baja",
        "Please take me off your mailing list",
        "Don't email me again.",
    ],
)
def test_requests_to_be_removed(body):
    parsed = classify.parse(
        f"From: ada@example.org\r\nSubject: Re: Hello\r\n\r\n{body}\r\n".encode()
    )
    assert classify.asks_to_unsubscribe(parsed)


@pytest.mark.parametrize(
    "body",
    [
        "We should stop the pilot and start the real project, can you send a quote?",
        "Happy to talk. Who else should I remove from the invite?",
    ],
)
def test_answers_that_only_use_the_words_are_not_requests(body):
    parsed = classify.parse(
        f"From: ada@example.org\r\nSubject: Re: Hello\r\n\r\n{body}\r\n".encode()
    )
    assert not classify.asks_to_unsubscribe(parsed)


def test_a_message_that_cannot_be_read_is_still_parsed():
    parsed = classify.parse(b"\xff\xfe garbage without headers \x00\x01")
    verdict = classify.classify(parsed, classify.Matched())
    assert verdict.classification == "unmatched"
    assert parsed.fingerprint.startswith("sha256:")
