"""The workspace's DKIM key over the API: made or set by admins, published as a TXT record,
and used to sign what the engine sends."""

import dkim
import pytest

from outreach.services.outreaches import outreach_transition
from sending import engine
from sending.models import DkimKey, Message
from tests.factories import (
    CompanyFactory,
    MailboxFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/api/dkim_key"


def test_no_key_yet_is_a_404_saying_how(api):
    response = api.get(URL)
    assert response.status_code == 404
    assert "POST" in response.json()["detail"]


def test_an_admin_has_a_key_made_and_messages_are_signed_with_it(api, user):
    response = api.post(URL, {"domain": "Example.com", "selector": "out1"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["domain"] == "example.com"
    assert body["dns_name"] == "out1._domainkey.example.com"
    assert body["dns_value"].startswith("v=DKIM1; k=rsa; p=")
    assert "private_key" not in body
    assert api.get(URL).json() == body

    mailbox = MailboxFactory(owner=user, from_email="alice@example.com")
    person = PersonFactory(company=CompanyFactory(owner=user))
    outreach = OutreachFactory(
        person=person, sequence=SequenceFactory(steps=1), approved=True, state="ready"
    )
    outreach_transition(outreach=outreach, name="start", actor=None)
    assert engine.send_due() == 1
    raw = bytes(Message.objects.get(outreach=outreach).raw)
    assert raw.startswith(b"DKIM-Signature:")

    def dns(name, timeout=5):
        assert name == b"out1._domainkey.example.com."
        return body["dns_value"].encode()

    assert dkim.verify(raw, dnsfunc=dns)
    assert mailbox.pk


def test_a_key_given_must_be_a_readable_rsa_key(api):
    response = api.post(
        URL,
        {
            "domain": "example.com",
            "selector": "s1",
            "private_key": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "private_key" in response.json()
    assert not DkimKey.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"selector": "s1"}, "domain"),
        ({"domain": "example.com"}, "selector"),
        ({"domain": "not a domain", "selector": "s1"}, "domain"),
        ({"domain": "example.com", "selector": "bad selector!"}, "selector"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, payload, field):
    response = api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_only_admins_set_the_key(client_for):
    manager = client_for(UserFactory(membership__role="manager"))
    response = manager.post(URL, {"domain": "example.com", "selector": "s1"}, format="json")
    assert response.status_code == 403
    assert "manager" in response.json()["detail"]
