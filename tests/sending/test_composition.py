"""The message as built: parsed back with Python's email package (headers, parts, the
unsubscribe headers, threading), DKIM-verified with dkimpy, and the step templates."""

import base64
import datetime
import email
from email import policy

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import signing

from sending import composition
from sending.composition import DkimSigner, Sender, Thread

SENDER = Sender(email="ada@analytical.example", name="Ada Lovelace", signature="Ada\nAnalytical")


def _parse(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def _content(part) -> str:
    return part.get_content().replace("\r\n", "\n")


def _unsubscribe(settings):
    settings.PUBLIC_URL = "https://outreach.example.com/"
    token = composition.unsubscribe_token(workspace_id=3, person_id=42, outreach_id=7)
    return composition.unsubscribe_for(sender=SENDER, token=token), token


def test_a_text_message_has_the_headers_and_one_text_part(settings):
    unsubscribe, token = _unsubscribe(settings)
    when = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)

    built = composition.compose(
        sender=SENDER,
        to="grace@navy.example",
        subject="Quick question",
        body="Hi Grace,\n\nOpen to a call?",
        unsubscribe=unsubscribe,
        date=when,
    )

    parsed = _parse(built.raw)
    assert parsed["From"] == "Ada Lovelace <ada@analytical.example>"
    assert parsed["To"] == "grace@navy.example"
    assert parsed["Subject"] == "Quick question"
    assert parsed["Date"] == "Mon, 02 Mar 2026 09:30:00 +0000"
    assert parsed["Message-ID"] == built.message_id
    assert built.message_id.startswith("<") and built.message_id.endswith("@analytical.example>")
    assert parsed["List-Unsubscribe"] == (
        f"<https://outreach.example.com/u/{token}>, "
        "<mailto:ada@analytical.example?subject=unsubscribe>"
    )
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed.get_content_type() == "text/plain"
    assert _content(parsed) == "Hi Grace,\n\nOpen to a call?\n\n-- \nAda\nAnalytical\n"
    assert b"\r\n" in built.raw and b"\n" not in built.raw.replace(b"\r\n", b"")
    assert "In-Reply-To" not in parsed


def test_an_html_body_gets_a_sanitised_html_part_beside_a_text_part():
    body = '<p>Hi <b>Grace</b>,</p><p>See <a href="https://x.example">this</a>.</p><script>x()</script>'

    built = composition.compose(sender=SENDER, to="grace@navy.example", subject="Hi", body=body)

    parsed = _parse(built.raw)
    assert parsed.get_content_type() == "multipart/alternative"
    text = _content(parsed.get_body(("plain",)))
    html = _content(parsed.get_body(("html",)))
    assert "Hi Grace," in text and "See this." in text and "<" not in text
    assert "-- \nAda\nAnalytical" in text
    assert "<b>Grace</b>" in html and "script" not in html
    assert 'href="https://x.example"' in html
    assert "<p>-- </p><p>Ada<br>Analytical</p>" in html


def test_a_reply_in_the_thread_takes_the_previous_subject_and_ids():
    first = composition.compose(sender=SENDER, to="g@navy.example", subject="Idea", body="One")
    thread = Thread(message_id=first.message_id, subject="Idea", references=("<root@x.example>",))

    reply = composition.compose(
        sender=SENDER, to="g@navy.example", subject="", body="Two", thread=thread
    )

    parsed = _parse(reply.raw)
    assert parsed["Subject"] == "Re: Idea"
    assert parsed["In-Reply-To"] == first.message_id
    assert parsed["References"].strip() == f"<root@x.example> {first.message_id}"
    assert reply.message_id != first.message_id
    again = composition.compose(
        sender=SENDER,
        to="g@navy.example",
        subject="",
        body="Three",
        thread=Thread(reply.message_id, "Re: Idea"),
    )
    assert _parse(again.raw)["Subject"] == "Re: Idea"  # never "Re: Re:"


def _dkim_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    return private, record


def test_dkim_signature_verifies_and_covers_the_unsubscribe_headers(settings):
    private, record = _dkim_key()
    lookups = []

    def dns(name, timeout=5):
        lookups.append(name)
        return record if name == b"mail2026._domainkey.analytical.example." else None

    unsubscribe, _ = _unsubscribe(settings)
    built = composition.compose(
        sender=SENDER,
        to="grace@navy.example",
        subject="Signed",
        body="<p>Hello</p>",
        unsubscribe=unsubscribe,
        dkim_signer=DkimSigner("analytical.example", "mail2026", private),
    )

    assert built.raw.startswith(b"DKIM-Signature:")
    assert dkim.verify(built.raw, dnsfunc=dns)
    assert lookups == [b"mail2026._domainkey.analytical.example."]
    signed = _parse(built.raw)["DKIM-Signature"].replace(" ", "").lower()
    assert "list-unsubscribe:list-unsubscribe-post" in signed
    tampered = built.raw.replace(b"Subject: Signed", b"Subject: Changed")
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_the_unsubscribe_token_names_workspace_person_and_outreach_and_cannot_be_forged():
    token = composition.unsubscribe_token(workspace_id=3, person_id=42, outreach_id=7)

    assert composition.read_unsubscribe_token(token) == {
        "workspace_id": 3,
        "person_id": 42,
        "outreach_id": 7,
    }
    with pytest.raises(signing.BadSignature):
        composition.read_unsubscribe_token(token[:-2] + ("A" if token[-1] != "A" else "B") * 2)
    other_salt = signing.dumps({"w": 3, "p": 43, "o": 7}, compress=True)
    with pytest.raises(signing.BadSignature):
        composition.read_unsubscribe_token(other_salt)


def test_step_templates_render_for_a_person_with_defaults():
    context = composition.template_context(
        first_name="",
        last_name="Hopper",
        title="Rear Admiral",
        company="Navy & Co",
        sender_name="Ada Lovelace",
    )

    subject, body = composition.render_step(
        "Idea for {{ company }}",
        'Hi {{ first_name|default:"there" }},\n'
        "{{ full_name }} · {{ title }}\n— {{ sender_first_name }}",
        context,
    )
    assert subject == "Idea for Navy & Co"
    assert body == "Hi there,\nHopper · Rear Admiral\n— Ada"
    _, html = composition.render_step("", "<p>Hi {{ company }}</p>", context)
    assert html == "<p>Hi Navy &amp; Co</p>"


def test_the_unsubscribe_link_is_written_as_it_is_not_encoded(settings):
    settings.PUBLIC_URL = "https://outreach.example.com"
    sender = Sender(email="ada@example.com", name="Ada")
    token = composition.unsubscribe_token(workspace_id=12, person_id=123456, outreach_id=1234567)
    built = composition.compose(
        sender=sender,
        to="bo@example.org",
        subject="Hello",
        body="Hi",
        unsubscribe=composition.unsubscribe_for(sender=sender, token=token),
    )
    header = next(
        line for line in built.raw.decode().split("\r\n") if line.startswith("List-Unsubscribe:")
    )
    assert f"<https://outreach.example.com/u/{token}>" in header
    assert "=?" not in header
