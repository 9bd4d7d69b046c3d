"""One-click unsubscribe (RFC 8058) end to end: a sequence message really sent over SMTP, its
List-Unsubscribe link posted to with no login and no CSRF token; a GET changes nothing; a forged
token is refused."""

import datetime
import email
from email import policy
from urllib.parse import urlparse

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from contacts.suppressions import is_suppressed
from outreach.services import effects
from outreach.services.outreaches import outreach_transition
from sending import engine
from sending.composition import unsubscribe_token
from sending.models import Message
from tests.factories import (
    CompanyFactory,
    MailboxFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
)

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def browser():
    """A visitor with no session, whose POSTs Django checks for a CSRF token."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def published(monkeypatch):
    events = []

    def capture(*, type, workspace_id, object_id="", data):
        events.append((type, object_id, data))

    monkeypatch.setattr(effects.publish, "_functions", [*effects.publish._functions, capture])
    return events


def running_outreach(mailbox, email="ada@example.org"):
    company = CompanyFactory(owner=mailbox.owner)
    person = PersonFactory(company=company, email=email, first_name="Ada")
    outreach = OutreachFactory(
        person=person, sequence=SequenceFactory(steps=3), approved=True, state="ready"
    )
    return outreach_transition(outreach=outreach, name="start", actor=None)


def one_click_path(raw: bytes) -> str:
    """The path of the https link in the message's List-Unsubscribe header."""
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["List-Unsubscribe-Post"] == ONE_CLICK
    links = [part.strip().strip("<>") for part in str(message["List-Unsubscribe"]).split(",")]
    (url,) = [link for link in links if link.startswith("http")]
    return urlparse(url).path


def test_one_click_from_a_real_message_opts_out_and_nothing_more_goes_out(
    smtp_server, browser, published
):
    server = smtp_server()
    mailbox = MailboxFactory(
        kind="smtp", smtp_host=server.host, smtp_port=server.port, smtp_security="none"
    )
    outreach = running_outreach(mailbox)
    other = OutreachFactory(person=outreach.person, delivery="pending")  # queued elsewhere
    assert engine.send_due() == 1
    (received,) = server.received

    response = browser.post(
        one_click_path(received.data),
        data=ONE_CLICK,
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    outreach.refresh_from_db()
    assert outreach.outcome == "unsubscribed"
    assert outreach.current_state == "finished"
    assert outreach.person.status == "do_not_contact"
    other.refresh_from_db()
    assert other.delivery_status == "canceled"
    assert is_suppressed(outreach.workspace_id, "ada@example.org")
    opted = [event for event in published if event[0] == "person.opted_out"]
    assert [(event[1], event[2]["via"]) for event in opted] == [
        (outreach.person.public_id, "one_click")
    ]
    # Nothing more goes out, whatever falls due later.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=30)):
        assert engine.send_due() == 0
    assert len(server.received) == 1
    assert Message.objects.filter(outreach=outreach).count() == 1

    # Posting again (mail programs retry) answers the same and changes nothing.
    again = browser.post(
        one_click_path(received.data),
        data=ONE_CLICK,
        content_type="application/x-www-form-urlencoded",
    )
    assert again.status_code == 200
    assert len([event for event in published if event[0] == "person.opted_out"]) == 1


def test_an_unsubscribe_while_a_worker_is_sending_stops_what_it_had_claimed(smtp_server, browser):
    server = smtp_server()
    mailbox = MailboxFactory(
        kind="smtp", smtp_host=server.host, smtp_port=server.port, smtp_security="none"
    )
    outreach = running_outreach(mailbox)
    assert engine.send_due() == 1
    (received,) = server.received
    later = timezone.now() + datetime.timedelta(days=1, minutes=1)
    with time_machine.travel(later):
        # A worker claims step 2 (stored as `sending`) … the person clicks in between …
        claims = engine.claim_batch(size=25)
        assert [claim.message_id for claim in claims] == list(
            Message.objects.filter(outreach=outreach, step=2).values_list("pk", flat=True)
        )
        response = browser.post(
            one_click_path(received.data),
            data=ONE_CLICK,
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        # … and the worker goes on to hand over what it claimed, as send_due does.
        going = engine.withdraw_stopped(claims)
        if going:
            engine.record_all(going, engine.hand_over_all(going))
    assert going == []
    assert len(server.received) == 1  # nothing more went out after the 200
    message = Message.objects.get(outreach=outreach, step=2)
    assert message.status == "canceled"
    assert "stopped" in message.server_answer


def token_for(outreach) -> str:
    return unsubscribe_token(
        workspace_id=outreach.workspace_id,
        person_id=outreach.person_id,
        outreach_id=outreach.pk,
    )


def test_a_get_shows_a_button_and_never_unsubscribes(browser):
    outreach = running_outreach(MailboxFactory())
    response = browser.get(f"/u/{token_for(outreach)}")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<form method="post"' in page
    assert 'name="List-Unsubscribe" value="One-Click"' in page
    assert "csrfmiddlewaretoken" not in page
    outreach.refresh_from_db()
    assert outreach.person.status != "do_not_contact"
    assert outreach.current_state == "starting"
    assert not is_suppressed(outreach.workspace_id, outreach.person.email)


def test_the_pages_button_unsubscribes(browser):
    outreach = running_outreach(MailboxFactory())
    response = browser.post(f"/u/{token_for(outreach)}", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    outreach.refresh_from_db()
    assert outreach.person.status == "do_not_contact"


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature changed
        lambda token: token.replace(":", ":x", 1),  # the payload changed
        lambda token: "not-a-token",
    ],
    ids=["signature", "payload", "garbage"],
)
def test_a_forged_token_is_refused(browser, forge):
    outreach = running_outreach(MailboxFactory())
    path = f"/u/{forge(token_for(outreach))}"
    for response in (browser.get(path), browser.post(path, {"List-Unsubscribe": "One-Click"})):
        assert response.status_code == 400
        assert b"does not work" in response.content
    outreach.refresh_from_db()
    assert outreach.person.status != "do_not_contact"


def test_a_post_without_one_click_changes_nothing(browser):
    outreach = running_outreach(MailboxFactory())
    response = browser.post(f"/u/{token_for(outreach)}", {"something": "else"})
    assert response.status_code == 400
    assert b"List-Unsubscribe=One-Click" in response.content
    outreach.refresh_from_db()
    assert outreach.person.status != "do_not_contact"


def test_a_token_of_a_workspace_or_person_that_is_gone_is_404(browser):
    token = unsubscribe_token(workspace_id=999_999, person_id=1, outreach_id=None)
    assert browser.post(f"/u/{token}", {"List-Unsubscribe": "One-Click"}).status_code == 404
    outreach = running_outreach(MailboxFactory())
    token = unsubscribe_token(
        workspace_id=outreach.workspace_id, person_id=999_999, outreach_id=None
    )
    assert browser.post(f"/u/{token}", {"List-Unsubscribe": "One-Click"}).status_code == 404
