"""The outreach pages (list: filters, sorting, pagination, batch actions, export; detail; the
forms) and the sequence pages."""

import csv
import html
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.safestring import SafeString

from core.widgets import FastSelect
from outreach.csv_export import defuse
from outreach.models import EnrichmentBatch, Outreach, OutreachTransition, Sequence
from outreach.services.outreaches import outreach_transition
from tests.factories import (
    CompanyFactory,
    FollowUpFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    SequenceStepFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def row_ids(html: str) -> list[str]:
    return re.findall(r'class="js-row-check" name="ids" value="(out_\d+)"', html)


def messages_of(response) -> list[str]:
    """The messages as a person reads them (the markup of HTML messages removed)."""
    return [
        html.unescape(re.sub(r"<[^>]+>", " ", m.message))
        if isinstance(m.message, SafeString)
        else m.message
        for m in response.context["messages"]
    ]


# --- list ------------------------------------------------------------------------------------


def test_list_uses_the_api_filterset(dash):
    ready = OutreachFactory(state="ready", channel="linkedin")
    OutreachFactory(state="ready", channel="email")
    OutreachFactory(channel="linkedin")

    html = dash.get("/outreaches/?status=READY&channel=linkedin").content.decode()

    assert row_ids(html) == [ready.public_id]
    assert "All 1 matching" in html


def test_every_api_filter_is_in_the_form(dash):
    html = dash.get("/outreaches/").content.decode()
    for name in (
        "q", "status", "channel", "sequence_id", "outcome", "owner", "person_id", "company_id",
        "job_id", "delivery_status", "outreach_type", "tag", "approved",
    ):  # fmt: skip
        assert f'name="{name}"' in html, name


def test_an_untouched_filter_form_filters_nothing(dash):
    """Every select starts at "Any", so submitting the form as shown keeps every row."""
    OutreachFactory(state="ready", channel="phone", outcome="positive")
    OutreachFactory()
    html = dash.get("/outreaches/").content.decode()
    for name in ("status", "channel", "outcome", "delivery_status", "approved", "sequence_id"):
        select = re.search(rf'<select name="{name}"[^>]*>\s*<option value="" selected>', html)
        assert select, name


def test_invalid_filters_are_reported_not_a_500(dash):
    OutreachFactory()
    response = dash.get("/outreaches/?channel=pigeon&person_id=com_1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters are not valid" in html
    assert "Not a valid id: expected the form per_&lt;number&gt;." in html
    assert row_ids(html) == []


def test_search_and_the_sequence_and_tag_filters(dash):
    sequence = SequenceFactory(name="Founders")
    tag = TagFactory(name="vip")
    match = OutreachFactory(
        person=PersonFactory(first_name="Grace", last_name="Hopper"), sequence=sequence, tag=tag
    )
    OutreachFactory(sequence=sequence)
    OutreachFactory(person=PersonFactory(first_name="Grace", last_name="Kelly"), tag=tag)

    html = dash.get(
        f"/outreaches/?q=grace+hopper&sequence_id={sequence.public_id}&tag=vip"
    ).content.decode()
    assert row_ids(html) == [match.public_id]


def test_sortable_headers_toggle_direction_and_keep_filters(dash):
    OutreachFactory(company=CompanyFactory(name="Beta"), person=None)
    OutreachFactory(company=CompanyFactory(name="Alpha"), person=None)
    OutreachFactory(company=CompanyFactory(name="Gamma"), person=None)

    asc = dash.get("/outreaches/?channel=email&sort=company&direction=asc").content.decode()
    assert [asc.index(n) < asc.index(m) for n, m in (("Alpha", "Beta"), ("Beta", "Gamma"))] == [
        True,
        True,
    ]
    # The header now links to the other direction, with the filter kept and page dropped.
    assert 'href="?channel=email&amp;sort=company&amp;direction=desc"' in asc
    assert 'aria-sort="ascending"' in asc

    desc = dash.get("/outreaches/?sort=company&direction=desc").content.decode()
    assert desc.index("Gamma") < desc.index("Alpha")


def test_pagination_reuses_page_and_per(dash):
    outreaches = [OutreachFactory() for _ in range(5)]
    newest_first = [o.public_id for o in reversed(outreaches)]

    page2 = dash.get("/outreaches/?per=2&page=2").content.decode()
    assert row_ids(page2) == newest_first[2:4]
    assert "3–4 of 5" in page2
    assert 'href="?per=2&amp;page=3"' in page2

    past_end = dash.get("/outreaches/?per=2&page=9").content.decode()
    assert row_ids(past_end) == []
    assert "Page 9 is past the end." in past_end

    bad = dash.get("/outreaches/?per=500", follow=True)
    assert "per must be a whole number from 1 to 200; showing 50." in messages_of(bad)


def test_the_page_size_select_shows_the_size_in_use(dash):
    OutreachFactory.create_batch(3)

    def size_options(query: str) -> list[tuple[str, str]]:
        page = dash.get(f"/outreaches/?{query}").content.decode()
        select = page.split('<select id="per-select-list" name="per">')[1].split("</select>")[0]
        return re.findall(r'<option value="(\d+)"( selected)?>', select)

    usual = [(size, "") for size in ("10", "25", "50", "100", "200")]
    # A size from a link is offered, in order, and selected, not shown as 10.
    assert size_options("per=2") == [("2", " selected"), *usual]
    assert size_options("per=25") == [(s, " selected" if s == "25" else "") for s, _ in usual]


def test_list_query_count_is_the_same_for_10_and_100_rows(dash):
    def count(n):
        with CaptureQueriesContext(connection) as queries:
            response = dash.get("/outreaches/?per=200")
        assert len(row_ids(response.content.decode())) == n
        return len(queries)

    owner = UserFactory()
    for i in range(10):
        OutreachFactory(
            sequence=SequenceFactory(),
            tag=TagFactory(name=f"t{i}"),
            company=CompanyFactory(owner=owner),
        )
    at_10 = count(10)
    for i in range(90):
        OutreachFactory(
            sequence=SequenceFactory(),
            tag=TagFactory(name=f"u{i}"),
            company=CompanyFactory(owner=owner),
        )
    assert count(100) == at_10


def test_htmx_gets_only_the_results_block(dash):
    OutreachFactory()
    response = dash.get("/outreaches/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]
    # A history restore (no target) gets the whole page.
    full = dash.get("/outreaches/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in full


def test_empty_states(dash):
    assert "No outreaches yet" in dash.get("/outreaches/").content.decode()
    OutreachFactory()
    assert (
        "No outreaches match these filters"
        in dash.get("/outreaches/?status=waiting").content.decode()
    )


def test_the_outreach_filters_use_it(client, user):
    client.force_login(user)
    page = client.get("/outreaches/?sequence_id=&status=ready")
    assert page.status_code == 200
    form = page.context["filter_form"]
    for name in ("status", "channel", "sequence_id", "owner", "tag", "approved"):
        assert isinstance(form.fields[name].widget, FastSelect), name
    assert '<option value="ready" selected>' in page.content.decode()


def test_the_batch_bar_offers_active_sequences_escaped(client, user):
    OutreachFactory()
    active = SequenceFactory(name="<b>Cold</b> & warm", active=True)
    SequenceFactory(name="Retired cadence", active=False)
    client.force_login(user)
    page = client.get("/outreaches/").content.decode()
    batch_select = page.split('id="batch-sequence"', 1)[1].split("</select>", 1)[0]
    escaped = "&lt;b&gt;Cold&lt;/b&gt; &amp; warm"
    assert f'<option value="{active.pk}">{escaped}</option>' in batch_select
    assert "Retired cadence" not in batch_select
    assert "<b>Cold</b>" not in page


# --- batch actions ---------------------------------------------------------------------------


def test_batch_assign_sequence_to_selected_rows(dash):
    sequence = SequenceFactory(name="Founders")
    chosen = [OutreachFactory(), OutreachFactory()]
    other = OutreachFactory()

    response = dash.post(
        "/outreaches/batch/?channel=email",
        {
            "action": "assign_sequence",
            "sequence": sequence.pk,
            "ids": [o.public_id for o in chosen],
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/outreaches/?channel=email"
    assert messages_of(response) == ["Assigned “Founders” to 2 outreaches."]
    assert set(Outreach.objects.filter(sequence=sequence)) == set(chosen)
    other.refresh_from_db()
    assert other.sequence_id is None


def test_select_all_matching_reapplies_the_filters(dash):
    sequence = SequenceFactory(name="LinkedIn push")
    matching = [OutreachFactory(channel="linkedin") for _ in range(3)]
    OutreachFactory(channel="email")

    response = dash.post(
        "/outreaches/batch/?channel=linkedin",
        # Only one row was ticked on the page; "all matching" covers the other two as well.
        {
            "action": "assign_sequence",
            "sequence": sequence.pk,
            "ids": [matching[0].public_id],
            "all_matching": "on",
        },
        follow=True,
    )

    assert messages_of(response) == ["Assigned “LinkedIn push” to 3 outreaches."]
    assert set(Outreach.objects.filter(sequence=sequence)) == set(matching)


def test_batch_start_enrichment_reports_what_was_skipped_and_why(dash):
    new = [OutreachFactory(), OutreachFactory()]
    ready = OutreachFactory(state="ready")

    response = dash.post(
        "/outreaches/batch/",
        {"action": "start_enrichment", "ids": [o.public_id for o in [*new, ready]]},
        follow=True,
    )

    texts = messages_of(response)
    assert texts[0] == "Started enrichment for 2 outreaches."
    assert texts[1].startswith(
        "1 skipped: state is 'ready'; start_enrichment needs 'new' or 'not_available'."
    )
    assert ready.public_id in texts[1]
    assert OutreachTransition.objects.filter(transition="start_enrichment").count() == 2


def test_batch_with_nothing_selected_or_no_sequence_says_so(dash):
    OutreachFactory()
    nothing = dash.post("/outreaches/batch/", {"action": "start_enrichment"}, follow=True)
    assert messages_of(nothing) == ["Select at least one outreach first."]

    outreach = OutreachFactory()
    no_sequence = dash.post(
        "/outreaches/batch/",
        {"action": "assign_sequence", "ids": [outreach.public_id]},
        follow=True,
    )
    assert messages_of(no_sequence) == ["Choose the sequence to assign."]

    malformed = dash.post(
        "/outreaches/batch/", {"action": "start_enrichment", "ids": ["per_1"]}, follow=True
    )
    assert messages_of(malformed) == ["Not a valid id: expected the form out_<number>."]


def test_batch_refuses_more_than_the_limit_when_all_matching(dash, settings):
    settings.MAX_BATCH_IDS = 2
    for _ in range(3):
        OutreachFactory()
    response = dash.post(
        "/outreaches/batch/", {"action": "start_enrichment", "all_matching": "on"}, follow=True
    )
    assert messages_of(response) == [
        "More than 2 outreaches match; a batch takes at most 2. Narrow the filters and try again."
    ]
    assert not OutreachTransition.objects.exists()


def test_batch_needs_post(dash):
    assert dash.get("/outreaches/batch/").status_code == 405


# --- export ----------------------------------------------------------------------------------


def test_export_the_filtered_list_as_safe_csv(dash):
    person = PersonFactory(first_name='=HYPERLINK("http://x")', last_name="", email="a@b.co")
    OutreachFactory(person=person, channel="linkedin", subject="+1 call me")
    OutreachFactory(channel="email")

    response = dash.get("/outreaches/export.csv?channel=linkedin")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["person"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["subject"] == "'+1 call me"
    assert rows[0]["email"] == "a@b.co"


def test_export_with_invalid_filters_redirects_with_the_error(dash):
    response = dash.get("/outreaches/export.csv?status=lost", follow=True)
    assert messages_of(response)[0].startswith("Cannot export: status:")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+2", "'=1+2"), ("+x", "'+x"), ("-x", "'-x"), ("@x", "'@x"), ("ok", "ok"), (5, 5)],
)
def test_defuse_prefixes_formula_cells(value, expected):
    assert defuse(value) == expected


# --- detail ----------------------------------------------------------------------------------


def test_detail_shows_fields_badges_and_history(dash, user):
    outreach = OutreachFactory(
        subject="Quick question",
        body="Hi <b>there</b>\nsecond line",
        message_type="intro",
        personalization_score=88,
        tag=TagFactory(name="vip"),
    )
    outreach_transition(
        outreach=outreach, name="start_enrichment", actor=user, metadata={"reason": "new lead"}
    )
    outreach_transition(outreach=outreach, name="fail_enrichment", actor=None)

    html = dash.get(f"/outreaches/{outreach.public_id}/").content.decode()

    for text in ("Quick question", "intro", "vip", outreach.public_id, "88"):
        assert text in html, text
    assert '<span class="badge badge--not_available" title="Pipeline state">' in html
    # Plain bodies are escaped, with line breaks kept.
    assert "Hi &lt;b&gt;there&lt;/b&gt;<br>second line" in html
    # History: who, from → to, why.
    assert "by Alice Adams" in html and "by the system" in html
    assert '<div class="timeline__reason">new lead</div>' in html
    assert html.index("Enrichment started") < html.index("Enrichment finished")


def test_detail_offers_only_the_transitions_allowed_now(dash):
    outreach = OutreachFactory(state="ready")
    html = dash.get(f"/outreaches/{outreach.public_id}/").content.decode()
    buttons = re.findall(r'name="transition" value="(\w+)"', html)
    # ready: start is not offered without a sequence and approval; delivery may run or cancel.
    assert sorted(buttons) == ["abort", "cancel", "run"]
    assert "Start needs: it needs a sequence and it must be approved (approved: true)." in html

    outreach = OutreachFactory(state="ready", approved=True, sequence=SequenceFactory())
    html = dash.get(f"/outreaches/{outreach.public_id}/").content.decode()
    assert re.findall(r'name="transition" value="(\w+)"', html)[0] == "start"


def test_transition_buttons_run_the_service(dash, user):
    outreach = OutreachFactory()
    response = dash.post(
        f"/outreaches/{outreach.public_id}/transition/",
        {"transition": "start_enrichment", "reason": "looks promising"},
        follow=True,
    )
    assert messages_of(response) == ["Start enrichment: new → enrichment."]
    row = OutreachTransition.objects.get(outreach=outreach)
    assert (row.from_state, row.to_state, row.actor, row.metadata) == (
        "new",
        "enrichment",
        user,
        {"reason": "looks promising"},
    )


def test_a_refused_transition_becomes_an_error_message(dash):
    outreach = OutreachFactory(state="waiting")
    response = dash.post(
        f"/outreaches/{outreach.public_id}/transition/",
        {"transition": "complete_enrichment"},
        follow=True,
    )
    assert messages_of(response) == [
        "Cannot complete_enrichment from 'waiting' to 'ready': "
        "complete_enrichment only moves 'enrichment' to 'ready'."
    ]
    unknown = dash.post(
        f"/outreaches/{outreach.public_id}/transition/", {"transition": "explode"}, follow=True
    )
    assert messages_of(unknown) == ["explode is not a transition of an outreach."]


def test_html_bodies_are_sanitised(dash):
    outreach = OutreachFactory(
        body_type="html",
        body=(
            '<p onclick="steal()">Hello <strong>you</strong></p>'
            "<script>window.__xss=1</script>"
            '<a href="javascript:alert(1)">click</a>'
            '<a href="https://example.com/x">ok</a>'
            '<img src="x" onerror="alert(1)">'
            "<style>body{display:none}</style><iframe src='https://evil'></iframe>"
        ),
    )
    html = dash.get(f"/outreaches/{outreach.public_id}/").content.decode()
    body = re.search(r'data-testid="outreach-body">(.*?)</div>', html, re.S).group(1)
    assert "<strong>you</strong>" in body
    assert 'href="https://example.com/x"' in body
    for bad in (
        "<script",
        "__xss",
        "onclick",
        "onerror",
        "javascript:",
        "<img",
        "<style",
        "<iframe",
    ):
        assert bad not in body, bad


def test_log_outcome_and_approve_from_the_detail_page(dash):
    sequence = SequenceFactory()
    outreach = OutreachFactory()
    response = dash.post(
        f"/outreaches/{outreach.public_id}/update/",
        {"outcome": "replied", "approved": "on", "sequence": sequence.pk},
        follow=True,
    )
    assert messages_of(response) == ["Outreach updated."]
    outreach.refresh_from_db()
    assert (outreach.outcome, outreach.approved, outreach.sequence) == ("replied", True, sequence)

    bad = dash.post(f"/outreaches/{outreach.public_id}/update/", {"outcome": "meh"}, follow=True)
    assert "Select a valid choice. meh is not one of the available choices." in messages_of(bad)


def test_detail_lists_follow_ups(dash):
    outreach = OutreachFactory()
    FollowUpFactory(outreach=outreach, person=outreach.person, title="Ping again")
    html = dash.get(f"/outreaches/{outreach.public_id}/").content.decode()
    assert "Ping again" in html


def test_detail_query_count_does_not_grow_with_history(dash, user):
    outreach = OutreachFactory()

    def count():
        with CaptureQueriesContext(connection) as queries:
            dash.get(f"/outreaches/{outreach.public_id}/")
        return len(queries)

    outreach_transition(outreach=outreach, name="start_enrichment", actor=user)
    few = count()
    outreach_transition(outreach=outreach, name="fail_enrichment", actor=user)
    outreach_transition(outreach=outreach, name="start_enrichment", actor=user)
    assert count() == few


def test_enrichment_batch_progress_is_polled_until_done(dash):
    outreaches = [OutreachFactory(), OutreachFactory()]
    response = dash.post(
        "/outreaches/batch/?channel=email",
        {"action": "start_enrichment", "ids": [o.public_id for o in outreaches]},
    )
    batch = EnrichmentBatch.objects.get()
    assert response["Location"] == f"/outreaches/?channel=email&enrichment_batch={batch.public_id}"

    page = dash.get(response["Location"]).content.decode()
    assert f'hx-get="/outreaches/enrichment-batches/{batch.public_id}/progress/"' in page

    running = dash.get(f"/outreaches/enrichment-batches/{batch.public_id}/progress/")
    assert running.status_code == 200
    html = running.content.decode()
    assert 'hx-trigger="every 1s"' in html and "0 of 2 · 0%" in html

    EnrichmentBatch.objects.filter(pk=batch.pk).update(ready=1, not_available=1)
    done = dash.get(f"/outreaches/enrichment-batches/{batch.public_id}/progress/")
    # 286 tells htmx to stop polling.
    assert done.status_code == 286
    html = done.content.decode()
    assert "2 of 2 · 100%" in html and "hx-trigger" not in html
    assert '<progress max="100" value="100"' in html

    assert dash.get("/outreaches/enrichment-batches/enb_999/progress/").status_code == 404
    assert dash.get("/outreaches/enrichment-batches/banana/progress/").status_code == 404


# --- forms -----------------------------------------------------------------------------------


def outreach_data(**changes):
    data = {
        "channel": "email",
        "context": "other",
        "direction": "outgoing",
        "personalization_score": "70",
        "skip_repliers": "none",
        "body_type": "plain",
        "outcome": "none",
    }
    return data | changes


def test_record_an_outreach_by_hand(dash):
    person = PersonFactory()
    page = dash.get(f"/outreaches/new/?person_id={person.public_id}").content.decode()
    assert f'<option value="{person.pk}" selected>' in page

    response = dash.post(
        "/outreaches/new/",
        outreach_data(
            person=person.pk, outreach_type="LinkedIn_DirectMessage", subject="Hi", body="Hello"
        ),
    )
    outreach = Outreach.objects.get()
    assert response["Location"] == f"/outreaches/{outreach.public_id}/"
    # The type implied the channel, and the company defaulted to the person's.
    assert (outreach.channel, outreach.company_id) == ("linkedin", person.company_id)
    assert outreach.current_state == "new"


def test_outreach_form_maps_service_errors_to_fields(dash):
    contradicting = dash.post(
        "/outreaches/new/",
        outreach_data(channel="phone", outreach_type="GMail_DirectMessage"),
    )
    # The channel was touched (phone), so it is checked against the type.
    assert contradicting.context["form"].errors["channel"] == [
        "GMail_DirectMessage is sent over email, not phone."
    ]

    message_id = dash.post("/outreaches/new/", outreach_data(message_id="<a@b>"))
    assert message_id.context["form"].errors["message_id"] == [
        "Only GMail_DirectMessage and Postmark_DirectMessage outreaches have a message_id."
    ]

    score = dash.post("/outreaches/new/", outreach_data(personalization_score="101"))
    assert score.context["form"].errors["personalization_score"] == [
        "Ensure this value is less than or equal to 100."
    ]

    url = dash.post("/outreaches/new/", outreach_data(screenshot_url="ftp://x.io/a.png"))
    assert url.context["form"].errors["screenshot_url"] == [
        "Enter an absolute http:// or https:// URL."
    ]


def test_edit_and_delete_an_outreach(dash):
    outreach = OutreachFactory(subject="Old", state="ready")
    data = outreach_data(
        person=outreach.person_id, company=outreach.company_id, subject="New", approved="on"
    )
    assert dash.post(f"/outreaches/{outreach.public_id}/edit/", data).status_code == 302
    outreach.refresh_from_db()
    assert (outreach.subject, outreach.approved, outreach.current_state) == ("New", True, "ready")

    response = dash.post(f"/outreaches/{outreach.public_id}/delete/", follow=True)
    assert f"Outreach {outreach.public_id} deleted." in response.content.decode()
    assert not Outreach.objects.exists()
    assert dash.get(f"/outreaches/{outreach.public_id}/delete/").status_code == 405


# --- sequences -------------------------------------------------------------------------------


def test_sequences_show_steps_and_results(dash):
    sequence = SequenceFactory(name="Warm intro")
    SequenceStepFactory(sequence=sequence, position=1, subject_template="Hi {first_name}")
    OutreachFactory(sequence=sequence, sent_at=timezone.now(), outcome="positive")
    OutreachFactory(sequence=sequence, sent_at=timezone.now())

    listing = dash.get("/sequences/").content.decode()
    assert "Warm intro" in listing and "50 %" in listing

    detail = dash.get(f"/sequences/{sequence.public_id}/").content.decode()
    assert "Hi {first_name}" in detail
    assert "Step 1" in detail


def test_sequence_list_survives_many_sequences_with_constant_queries(dash):
    def count():
        with CaptureQueriesContext(connection) as queries:
            dash.get("/sequences/")
        return len(queries)

    SequenceFactory()
    few = count()
    for _ in range(10):
        SequenceStepFactory(sequence=SequenceFactory())
    assert count() == few
    assert Sequence.objects.count() == 11


def test_sequence_list_uses_the_api_filterset(dash):
    SequenceFactory(name="Live one", active=True)
    SequenceFactory(name="Old one", active=False)
    inactive = dash.get("/sequences/?active=false").content.decode()
    assert "Old one" in inactive and "Live one" not in inactive
    assert "Live one" in dash.get("/sequences/?q=live").content.decode()
    bad = dash.get("/sequences/?active=maybe").content.decode()
    assert "Use true or false." in bad


def steps_data(steps, initial=0):
    data = {
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": str(initial),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "50",
    }
    for i, step in enumerate(steps):
        for key, value in step.items():
            data[f"steps-{i}-{key}"] = value
    return data


def test_create_a_sequence_with_steps(dash):
    data = {"name": "Cold intro", "description": "Three touches", "active": "on"}
    data |= steps_data(
        [
            {"channel": "email", "delay_days": "0", "subject_template": "Hi"},
            {"channel": "linkedin", "delay_days": "3", "body_template": "Following up"},
            {"channel": "email", "delay_days": "0"},  # the blank extra row: ignored
        ]
    )
    # The third row only repeats the initial values, so it counts as unchanged.
    response = dash.post("/sequences/new/", data)
    sequence = Sequence.objects.get()
    assert response["Location"] == f"/sequences/{sequence.public_id}/"
    steps = list(sequence.steps.values_list("position", "channel", "delay_days"))
    assert steps == [(1, "email", 0), (2, "linkedin", 3)]


def test_edit_a_sequence_replaces_its_steps_and_checks_the_name(dash):
    SequenceFactory(name="Taken")
    sequence = SequenceFactory(name="Mine")
    SequenceStepFactory(sequence=sequence, position=1, channel="email")
    SequenceStepFactory(sequence=sequence, position=2, channel="phone")

    data = {"name": "Mine", "active": "on"} | steps_data(
        [
            {"channel": "email", "delay_days": "0", "DELETE": "on"},
            {"channel": "phone", "delay_days": "2"},
        ],
        initial=2,
    )
    assert dash.post(f"/sequences/{sequence.public_id}/edit/", data).status_code == 302
    assert list(sequence.steps.values_list("position", "channel", "delay_days")) == [
        (1, "phone", 2)
    ]

    taken = dash.post(f"/sequences/{sequence.public_id}/edit/", {"name": "Taken"} | steps_data([]))
    assert taken.context["form"].errors["name"] == ["sequence with this name already exists."]


def test_batch_assign_asks_before_replacing_other_or_running_sequences(dash):
    """Outreaches on another sequence, or running one, are not moved without a yes."""
    old, new = SequenceFactory(name="Old cadence"), SequenceFactory(name="New cadence")
    fresh = OutreachFactory()
    taken = OutreachFactory(sequence=old)
    running = OutreachFactory(sequence=old, current_state="waiting")
    ids = [o.public_id for o in (fresh, taken, running)]
    form = {"action": "assign_sequence", "sequence": new.pk, "ids": ids}

    asked = dash.post("/outreaches/batch/?channel=email", form)
    page = asked.content.decode()
    assert asked.status_code == 200 and "Assign “New cadence” to 3 outreaches?" in page
    assert "2 of them already have another sequence" in page
    assert "1 of them is running its sequence" in page
    assert 'action="/outreaches/batch/?channel=email"' in page
    assert not Outreach.objects.filter(sequence=new).exists()

    done = dash.post("/outreaches/batch/?channel=email", {**form, "confirmed": "on"}, follow=True)
    assert messages_of(done) == ["Assigned “New cadence” to 3 outreaches."]
    assert Outreach.objects.filter(sequence=new).count() == 3


def test_batch_assign_of_the_same_sequence_needs_no_confirmation(dash):
    sequence = SequenceFactory(name="Same")
    outreach = OutreachFactory(sequence=sequence)
    response = dash.post(
        "/outreaches/batch/",
        {"action": "assign_sequence", "sequence": sequence.pk, "ids": [outreach.public_id]},
        follow=True,
    )
    assert messages_of(response) == ["Assigned “Same” to 1 outreach."]
