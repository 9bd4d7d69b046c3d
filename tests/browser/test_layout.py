"""Every dashboard page fits the screen: at 1440 px and at 390 px (a phone) no page scrolls
sideways, whatever its tables, forms and charts hold. Wide content scrolls inside its own box or
becomes cards; the header stays compact on a phone, the batch bar's buttons stay on screen and
the home charts' labels keep a readable size. The same walk fails on any Content-Security-Policy
violation (a style attribute is refused, so a layout relying on one breaks unnoticed)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Company, Person
from contacts.services import person_create
from contacts.suppressions import suppression_create
from demo.seed import seed_demo
from followups.models import FollowUp
from integrations.models import DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent
from integrations.webhooks import secrets
from jobs.models import Job
from outreach.models import Outreach, Sequence
from outreach.services.outreaches import outreach_transition
from replies.services import receive
from sending import composition, engine
from sending.choices import MessageStatus
from sending.models import Message
from tests.factories import (
    TEST_DESK,
    FollowUpFactory,
    MailboxFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    SequenceStepFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1440, 390)
# Content-Security-Policy violations as the page sees them: a style attribute would be refused
# (so a layout that relies on one breaks silently).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""
LONG = "Quarterly-infrastructure-modernisation-programme-for-the-northern-region"


@pytest.fixture
def desk(logged_in):
    """The demo data set in the logged-in admin's workspace, plus the longest things a user
    can type: a long unbroken name, email, URL and note, a webhook with a long answer."""
    from django.contrib.auth import get_user_model

    robin = get_user_model().objects.get(username="robin")
    seed_demo(outreaches=60, workspace=TEST_DESK)
    company = Company.objects.order_by("id").first()
    person = person_create(
        actor=robin,
        first_name="Maximiliana",
        last_name="Wolfeschlegelsteinhausenbergerdorff",
        title=LONG,
        email="maximiliana.wolfeschlegelsteinhausenbergerdorff@" + "very-long-domain.example.com",
        phone="+19176389560",
        company=company,
    )
    outreach = OutreachFactory(person=person, company=company, subject=LONG, body=LONG * 3)
    suppression_create(
        actor=robin, email="unsubscribed@example.com", reason="complaint", note=LONG[:200]
    )
    FollowUpFactory(
        outreach=outreach,
        person=person,
        title=f"Follow up on {LONG}",
        note=LONG,
        due_at=timezone.now() - datetime.timedelta(days=2),
    )
    webhook = Webhook.objects.create(
        workspace=company.workspace,
        url=f"https://hooks.example.com/{LONG}/{LONG}?token={'x' * 80}",
        events=["outreach.created", "outreach.transitioned"],
        secret_encrypted=secrets.encrypt(secrets.new_secret()),
    )
    now = timezone.now()
    event = WebhookEvent.objects.create(
        workspace=company.workspace, type="outreach.created", payload={}, created_at=now
    )
    WebhookDelivery.objects.create(
        webhook=webhook,
        event=event,
        status=DeliveryStatus.FAILED,
        attempts=3,
        response_code=500,
        response_body="E" * 400,
        created_at=now,
        updated_at=now,
    )
    sending = _sending(robin, company, person)
    return logged_in, {"person": person, "outreach": outreach, "webhook": webhook, **sending}


def _sending(robin, company, person) -> dict:
    """A running sequence with long names: a sent step, the next due within the hour, an
    uncertain message, and a mailbox the engine paused with a long reason."""
    box = MailboxFactory(owner=robin, name=LONG[:100], from_email=person.email)
    paused = MailboxFactory(
        owner=robin, active=False, paused_reason=f"The server refused the login: {LONG} {LONG}"
    )
    sequence = SequenceFactory(name=f"Running {LONG}"[:200])
    for position in (1, 2):
        SequenceStepFactory(
            sequence=sequence,
            position=position,
            channel="email",
            delay_days=1,
            subject_template=LONG if position == 1 else "",
            body_template="Hi {{ first_name }}, " + LONG,
        )
    running, unsure = (
        OutreachFactory(
            person=who, company=company, sequence=sequence, approved=True, state="ready"
        )
        for who in (person, PersonFactory(company=company, email=f"x@{LONG}.example.com"))
    )
    for outreach in (running, unsure):
        Outreach.objects.filter(pk=outreach.pk).update(mailbox=box)
        outreach_transition(outreach=Outreach.objects.get(pk=outreach.pk), name="start", actor=None)
    Outreach.objects.filter(pk=running.pk).update(next_step_at=timezone.now())
    engine.send_due()
    Outreach.objects.filter(pk=unsure.pk).update(next_step_at=timezone.now())
    engine.claim_next()
    Message.objects.filter(status=MessageStatus.SENDING).update(status=MessageStatus.UNCERTAIN)
    Outreach.objects.filter(pk=running.pk).update(
        next_step_at=timezone.now() + datetime.timedelta(hours=1)
    )
    sent = Message.objects.get(outreach=running, status=MessageStatus.SENT)
    reply = receive(
        raw=(
            f"From: {person.email}\r\nTo: {box.from_email}\r\nSubject: Re: {LONG}\r\n"
            f"Message-ID: <reply-{LONG}@example.org>\r\nIn-Reply-To: {sent.message_id}\r\n"
            f"\r\nThanks, {LONG} {LONG}\r\n"
        ).encode(),
        mailbox=box,
    )
    token = composition.unsubscribe_token(
        workspace_id=person.workspace_id, person_id=person.pk, outreach_id=running.pk
    )
    return {
        "mailbox": box,
        "paused": paused,
        "running": running,
        "sequence": sequence,
        "inbound": reply.message,
        "unsubscribe": token,
    }


def dashboard_pages(made) -> list[str]:
    """The list, detail and form pages of every kind of record, and the other pages."""
    outreach = made["outreach"]
    person = made["person"]
    company = person.company
    job = Job.objects.order_by("-heat_score", "id").first()
    sequence = Sequence.objects.order_by("id").first()
    busy = Outreach.objects.filter(followups__isnull=False).order_by("id").first()
    assert job and sequence and busy and FollowUp.objects.exists()
    return [
        reverse("home"),
        reverse("outreach:list"),
        reverse("outreach:detail", args=[outreach.pk]),
        reverse("outreach:detail", args=[busy.pk]),
        reverse("outreach:edit", args=[outreach.pk]),
        reverse("outreach:create"),
        reverse("contacts:person-list"),
        reverse("contacts:person-detail", args=[person.pk]),
        reverse("contacts:person-edit", args=[person.pk]),
        reverse("contacts:person-erase", args=[person.pk]),
        reverse("contacts:suppressions"),
        reverse("contacts:person-create"),
        reverse("contacts:person-import"),
        reverse("contacts:company-list"),
        reverse("contacts:company-detail", args=[company.pk]),
        reverse("contacts:company-edit", args=[company.pk]),
        reverse("contacts:company-create"),
        reverse("jobs:list"),
        reverse("jobs:detail", args=[job.pk]),
        reverse("jobs:edit", args=[job.pk]),
        reverse("jobs:create"),
        reverse("outreach:sequence-list"),
        reverse("outreach:sequence-detail", args=[sequence.pk]),
        reverse("outreach:sequence-edit", args=[sequence.pk]),
        reverse("outreach:sequence-create"),
        reverse("followups:queue"),
        reverse("followups:section", args=["overdue"]),
        reverse("followups:stale"),
        reverse("workspaces:audit"),
        reverse("workspaces:members"),
        reverse("integrations:webhooks"),
        reverse("integrations:webhook", args=[made["webhook"].pk]),
        reverse("sending:outbox"),
        reverse("sending:mailboxes"),
        reverse("sending:mailbox", args=[made["mailbox"].pk]),
        reverse("sending:mailbox", args=[made["paused"].pk]),
        reverse("outreach:detail", args=[made["running"].pk]),
        reverse("outreach:sequence-detail", args=[made["sequence"].pk])
        + f"?person_id={person.public_id}",
        reverse("replies:inbox"),
        reverse("replies:inbound", args=[made["inbound"].pk]),
        reverse("unsubscribe", args=[made["unsubscribe"]]),
    ]


def cut_off_tables(page) -> list[int]:
    """By how much each table is wider than its box (it would scroll inside it)."""
    return page.eval_on_selector_all(
        ".table-wrap",
        "boxes => boxes.filter(b => b.scrollWidth > b.clientWidth + 1)"
        ".map(b => b.scrollWidth - b.clientWidth)",
    )


def sideways(page) -> int:
    """How many pixels the page is wider than the window (0: it does not scroll sideways)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_no_dashboard_page_scrolls_sideways(desk, width):
    page, made = desk
    page.set_viewport_size({"width": width, "height": 900})
    page.add_init_script(RECORD_VIOLATIONS)
    pages = dashboard_pages(made)
    # Pages the navigation links to that the list above does not name yet are checked too.
    page.goto(reverse("home"))
    for href in page.eval_on_selector_all(".nav a", "links => links.map(a => a.pathname)"):
        if href not in pages and not href.startswith(("/admin", "/api")):
            pages.append(href)

    too_wide, refused = {}, {}
    for url in pages:
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("load")
        if extra := sideways(page):
            too_wide[url] = f"{extra} px wider than {width}"
        # On a desktop every table fits its box: none is cut off at the right.
        if width >= 1440 and (cut := cut_off_tables(page)):
            too_wide[url] = f"tables {cut} px wider than their box"
        if violations := page.evaluate("window.__cspViolations"):
            refused[url] = violations
    assert not too_wide, too_wide
    assert not refused, refused


def test_a_phone_keeps_the_header_short_the_batch_bar_on_screen_and_charts_readable(desk):
    page, _ = desk
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(reverse("home"))
    header = page.locator(".topbar").bounding_box()
    assert header["height"] <= 100, header  # two short rows, not a third of the screen
    sizes = page.eval_on_selector_all(
        ".chart__label, .chart__value",
        "cells => cells.map(c => parseFloat(getComputedStyle(c).fontSize))",
    )
    assert sizes and min(sizes) >= 12, sizes

    page.goto(reverse("outreach:list"))
    for name in ("Assign sequence", "Start enrichment"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
    # The rows read as cards: a row's cells stack inside the 390 px.
    row = page.locator("#results tbody tr").first.bounding_box()
    assert row["width"] <= 390, row


def test_a_long_name_wraps_inside_a_card_on_the_person_page(desk):
    page, made = desk
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("contacts:person-detail", args=[made["person"].pk]))
    assert sideways(page) == 0
    assert page.get_by_text("+1 917-638-9560").is_visible()
    assert Person.objects.filter(phone="+19176389560").exists()
