"""Every history entry reads as sentences (outreach/history.py), for every kind of metadata the
code writes, and logged outcomes are in the history too."""

import datetime
import re

import pytest
from django.utils import timezone

from outreach.exceptions import TransitionNotAllowed
from outreach.history import history_entries, outcome_title, transition_entry
from outreach.models import OutreachTransition
from outreach.services.enrichment import outreaches_batch_start_enrichment
from outreach.services.outreaches import outreach_create, outreach_transition, outreach_update
from tests.factories import CompanyFactory, OutreachFactory, PersonFactory, UserFactory

BASE = {"batch_id": "enb_3", "provider": "local", "channel": "email"}
RUN = "Enrichment batch enb_3, checked by the built-in provider."


def row(transition="complete_enrichment", metadata=None, field="current_state", **states):
    return OutreachTransition(
        field=field,
        transition=transition,
        from_state=states.get("from_state", "enrichment"),
        to_state=states.get("to_state", "ready"),
        metadata=metadata or {},
        created_at=timezone.now(),
    )


def lines(transition="complete_enrichment", metadata=None) -> list[str]:
    entry = transition_entry(row(transition, metadata))
    return entry.lines


def test_an_inferred_email_says_how_sure_and_from_what():
    found = {
        "field": "email",
        "value": "ada.lovelace@analytical.io",
        "source": "inferred",
        "confidence": 0.86,
        "pattern": "first.last",
        "domain": "analytical.io",
        "colleagues": 7,
        "following": 6,
    }
    assert lines(metadata={**BASE, "found": found}) == [
        "Email found: ada.lovelace@analytical.io (86% sure, from the pattern first.last at "
        "analytical.io, which 6 of 7 colleagues there follow).",
        RUN,
    ]


def test_an_assumed_spelling_is_said():
    found = {
        "field": "email",
        "value": "jose.nunezrios@acme.com",
        "source": "inferred",
        "confidence": 0.48,
        "pattern": "first.last",
        "domain": "acme.com",
        "colleagues": 1,
        "following": 1,
        "assumed": ["hyphens", "umlauts"],
    }
    said = lines(metadata={**BASE, "found": found})
    assert said[0].endswith("which 1 of 1 colleague there follow).")
    assert said[1] == (
        "No colleague's address shows how hyphenated names and umlauts are written; "
        "the usual way was assumed."
    )


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("email", "jane.doe@acme.com", "Email"),
        ("phone", "+19176389560", "Phone"),
        ("linkedin_url", "https://www.linkedin.com/in/jane", "LinkedIn profile"),
        ("facebook_url", "https://www.facebook.com/jane", "Facebook profile"),
    ],
)
def test_a_known_detail_is_checked(field, value, label):
    found = {"field": field, "value": value, "source": "given", "confidence": 1.0}
    assert lines(metadata={**BASE, "found": found})[0] == (
        f"{label} checked: {value} (already known for this person)."
    )


def test_a_missing_detail_says_why():
    metadata = {**BASE, "field": "email", "code": "bounced", "reason": "Mail to a@b.co bounced."}
    assert lines("fail_enrichment", metadata) == [
        "Email not available: Mail to a@b.co bounced.",
        RUN,
    ]


def test_nothing_known_lists_each_detail():
    metadata = {
        **BASE,
        "channel": "other",
        "code": "nothing_known",
        "reason": "No valid email, phone or profile link is known for this person.",
        "details": {
            "email": "No email address is known.",
            "phone": "No phone number is known.",
            "linkedin_url": "No LinkedIn profile link is known.",
            "facebook_url": "No Facebook profile link is known.",
        },
    }
    assert lines("fail_enrichment", metadata) == [
        "No valid email, phone or profile link is known for this person.",
        "Email: No email address is known.",
        "Phone: No phone number is known.",
        "LinkedIn profile: No LinkedIn profile link is known.",
        "Facebook profile: No Facebook profile link is known.",
        RUN,
    ]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("no_person", "The outreach has no person to reach."),
        ("provider_error", "The local provider failed: RuntimeError: down"),
    ],
)
def test_no_person_and_a_failing_provider_say_so(code, reason):
    said = lines("fail_enrichment", {**BASE, "code": code, "reason": reason})
    assert said == [reason if reason.endswith(".") else f"{reason}.", RUN]


def test_a_short_enrichment_reason_becomes_a_sentence():
    assert lines("fail_enrichment", {"reason": "no LinkedIn profile found"}) == [
        "No LinkedIn profile found."
    ]


def test_a_reason_someone_gave_is_kept_as_they_wrote_it():
    entry = transition_entry(
        row("start_enrichment", {"reason": "new lead"}, from_state="new", to_state="enrichment")
    )
    assert (entry.title, entry.reason, entry.lines) == ("Enrichment started", "new lead", [])
    assert (entry.from_label, entry.to_label) == ("New", "Enrichment")


def test_a_refused_move_says_what_was_asked_and_why():
    metadata = {"reason": "Per_3 has unsubscribed.", "refused": "run"}
    entry = transition_entry(
        row("abort", metadata, field="delivery_status", from_state="pending", to_state="aborted")
    )
    assert entry.title == "Delivery aborted"
    assert entry.kind_label == "Delivery"
    assert entry.lines == ["Asked to start delivering it, but per_3 has unsubscribed."]


@pytest.mark.parametrize(
    ("metadata", "said"),
    [
        ({"on_create": True}, ["Set when the outreach was recorded."]),
        ({"source": "admin"}, ["Done from the admin site."]),
        ({"source": "import"}, ["From import."]),
    ],
)
def test_where_a_move_came_from(metadata, said):
    assert lines("run", metadata) == said


def test_anything_else_is_words_never_python():
    said = lines("perform", {"extra": {"a_b": [1, 2], "ok": True}, "n": None})
    assert said == ["Extra: A b: 1, 2; Ok: yes.", "N: —."]
    assert not any(ch in line for line in said for ch in "{}[]'")


@pytest.mark.parametrize(
    ("before", "after", "title", "said"),
    [
        ("none", "replied", "Outcome logged: replied", []),
        ("no_response", "no_response", "Outcome logged again: no response", []),
        ("replied", "negative", "Outcome logged: negative", ["It was replied before."]),
    ],
)
def test_logged_outcomes(before, after, title, said):
    assert outcome_title(before, after) == (title, said)


def test_every_transition_has_a_title():
    from outreach.state_machine import DELIVERY_TRANSITIONS, PIPELINE_TRANSITIONS

    for name in (*PIPELINE_TRANSITIONS, *DELIVERY_TRANSITIONS):
        assert transition_entry(row(name)).title != name.replace("_", " ").capitalize(), name


def test_entries_merge_oldest_first():
    now = timezone.now()
    first, third = row("start_enrichment"), row("complete_enrichment")
    first.created_at, third.created_at = now, now + datetime.timedelta(minutes=2)

    class Logged:
        created_at = now + datetime.timedelta(minutes=1)
        changes = {"outcome": ["none", "replied"]}
        actor = None
        actor_name = "system"

    titles = [e.title for e in history_entries([first, third], [Logged()])]
    assert titles == [
        "Enrichment started",
        "Outcome logged: replied",
        "Enrichment finished: ready to send",
    ]


# --- on the page, from what the code really writes ------------------------------------------------

RAW = re.compile(r"[{}]|': |\": ")


def history_html(dash, outreach) -> str:
    html = dash.get(f"/outreaches/{outreach.public_id}/").content.decode()
    return html[html.index('id="history-heading"') : html.index('id="followups-heading"')]


@pytest.mark.django_db
def test_the_page_words_what_enrichment_wrote(dash, user, run_tasks):
    company = CompanyFactory(name="Analytical", domain="analytical.io")
    for first, last in [("Ann", "Bell"), ("Carl", "Dunn"), ("Eve", "Ford")]:
        PersonFactory(
            company=company,
            first_name=first,
            last_name=last,
            email=f"{first}.{last}@analytical.io".lower(),
        )
    ada = PersonFactory(company=company, first_name="Ada", last_name="Lovelace", email="")
    inferred = OutreachFactory(person=ada, company=company)
    missing = OutreachFactory(person=PersonFactory(email="", company=None))
    with run_tasks():
        outreaches_batch_start_enrichment(ids=[inferred.pk, missing.pk], actor=user)

    html = history_html(dash, inferred)
    assert "Email found: ada.lovelace@analytical.io (75% sure, from the pattern first.last" in html
    assert "Enrichment finished: ready to send" in html
    assert not RAW.search(html), RAW.search(html)
    html = history_html(dash, missing)
    assert "Email not available: No email address is known" in html
    assert not RAW.search(html)


@pytest.mark.django_db
def test_the_page_words_refusals_creation_and_unsubscribes_and_shows_outcomes(dash, user):
    person = PersonFactory(first_name="Stan", last_name="Lee", status="do_not_contact")
    refused = OutreachFactory(person=person, state="ready", approved=True)
    with pytest.raises(TransitionNotAllowed):
        outreach_transition(outreach=refused, name="run", actor=user)
    created = outreach_create(
        actor=user, person=PersonFactory(), channel="email", delivery_status="running"
    )
    queued = OutreachFactory(person=PersonFactory())
    sent = OutreachFactory(person=queued.person, sent_at=timezone.now())
    outreach_update(outreach=sent, actor=user, outcome="unsubscribed")
    outreach_update(
        outreach=sent, actor=UserFactory(first_name="Bo", last_name="Ng"), outcome="replied"
    )

    html = history_html(dash, refused)
    assert "Asked to start delivering it, but" in html
    assert "Set when the outreach was recorded." in history_html(dash, created)
    html = history_html(dash, queued)
    assert "Delivery canceled" in html and "The person unsubscribed." in html
    html = history_html(dash, sent)
    assert "Outcome logged: unsubscribed" in html and "by Alice Adams" in html
    assert "Outcome logged: replied" in html and "It was unsubscribed before." in html
    assert "by Bo Ng" in html
    for outreach in (refused, created, queued, sent):
        assert not RAW.search(history_html(dash, outreach))


@pytest.mark.django_db
def test_no_outcome_yet_never_reads_none(dash):
    outreach = OutreachFactory(job=None)
    pages = [
        dash.get("/outreaches/").content.decode(),
        dash.get(f"/people/{outreach.person.public_id}/").content.decode(),
    ]
    for html in pages:
        cell = re.search(r'<td data-label="Outcome">(.*?)</td>', html).group(1)
        assert cell == '<span class="muted" title="No outcome logged yet">—</span>'
    detail = dash.get(f"/outreaches/{outreach.public_id}/").content.decode()
    assert 'title="Outcome">no outcome logged yet</span>' in detail
    assert "outcome: none" not in detail
