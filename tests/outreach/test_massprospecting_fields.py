"""The MassProspecting-compatible API's field rules, as the canonical API applies them
(`/api/outreaches` create and PATCH)."""

import json
import socket

import pytest

from outreach.choices import (
    OUTREACH_TYPE_CHANNEL,
    BodyType,
    Channel,
    Context,
    DeliveryStatus,
    Direction,
    Outcome,
    OutreachType,
    SkipRepliers,
)
from outreach.models import Outreach
from tests.factories import OutreachFactory, TagFactory

pytestmark = pytest.mark.django_db

ENUMS = {
    "channel": Channel,
    "outreach_type": OutreachType,
    "delivery_status": DeliveryStatus,
    "outcome": Outcome,
    "context": Context,
    "skip_repliers": SkipRepliers,
    "direction": Direction,
    "body_type": BodyType,
}
# Every value of every enum, as documented, upper case, and as a Ruby symbol (`:pending`).
SPELLINGS = [
    (field, value, spelled)
    for field, enum in ENUMS.items()
    for value in enum.values
    for spelled in (value, value.upper(), f":{value}", f":{value.lower()}")
]
MAIL_TYPES = ["GMail_DirectMessage", "Postmark_DirectMessage"]
OTHER_TYPES = [t for t in OutreachType.values if t not in MAIL_TYPES]


def create(api, **payload):
    """A create; one naming neither a channel nor a type is an email (an outreach needs one)."""
    if not payload.get("outreach_type") and "channel" not in payload:
        payload = {"channel": "email", **payload}
    return api.post("/api/outreaches", payload, format="json")


def patch(api, outreach, **payload):
    return api.patch(
        f"/api/outreaches/{outreach.public_id}",
        data=json.dumps(payload),
        content_type="application/json",
    )


# --- enums ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value", "spelled"), SPELLINGS)
def test_every_enum_value_is_accepted_in_any_spelling_on_create(api, field, value, spelled):
    response = create(api, **{field: spelled})
    assert response.status_code == 201, response.json()
    assert response.json()[field] == value
    assert getattr(Outreach.objects.get(), field) == value


@pytest.mark.parametrize(
    ("field", "value"),
    [(f, v) for f, enum in ENUMS.items() if f != "delivery_status" for v in enum.values],
)
def test_every_enum_value_is_accepted_on_patch(api, field, value):
    outreach = OutreachFactory(channel=OUTREACH_TYPE_CHANNEL.get(value, "email"))
    response = patch(api, outreach, **{field: f":{value.upper()}"})
    assert response.status_code == 200, response.json()
    assert response.json()[field] == value


@pytest.mark.parametrize("field", sorted(ENUMS))
@pytest.mark.parametrize("bad", ["nope", 7, ":", "pending pending"])
def test_an_invalid_enum_value_is_400_naming_the_field(api, field, bad):
    response = create(api, **{field: bad})
    assert response.status_code == 400
    allowed = ", ".join(ENUMS[field].values)
    assert response.json() == {
        field: [f'"{bad}" is not a valid choice. Use one of: {allowed}.'],
    }
    assert not Outreach.objects.exists()


def test_outreach_type_keeps_its_documented_spelling(api):
    body = create(api, outreach_type="linkedin_connectionrequest").json()
    assert body["outreach_type"] == "LinkedIn_ConnectionRequest"


def test_outreach_type_may_be_null(api):
    assert create(api, outreach_type=None).json()["outreach_type"] is None


def test_defaults(api):
    body = create(api).json()
    assert body["delivery_status"] == "pending"
    assert body["skip_repliers"] == "none"
    assert body["direction"] == "outgoing"
    assert body["body_type"] == "plain"
    assert body["approved"] is False


# --- outreach type implies the channel ------------------------------------------------------


@pytest.mark.parametrize(("outreach_type", "channel"), sorted(OUTREACH_TYPE_CHANNEL.items()))
def test_each_type_implies_its_channel(api, outreach_type, channel):
    assert create(api, outreach_type=outreach_type).json()["channel"] == channel
    assert create(api, outreach_type=outreach_type, channel=channel).status_code == 201


@pytest.mark.parametrize(("outreach_type", "channel"), sorted(OUTREACH_TYPE_CHANNEL.items()))
def test_a_contradicting_channel_is_400(api, outreach_type, channel):
    wrong = "phone"
    response = create(api, outreach_type=outreach_type, channel=wrong)
    assert response.status_code == 400
    assert response.json() == {"channel": [f"{outreach_type} is sent over {channel}, not {wrong}."]}


def test_patching_the_type_moves_the_channel(api):
    outreach = OutreachFactory(channel="email")
    body = patch(api, outreach, outreach_type="Facebook_FriendRequest").json()
    assert body["channel"] == "facebook"


def test_patching_a_channel_that_contradicts_the_stored_type_is_400(api):
    outreach = OutreachFactory(outreach_type="LinkedIn_DirectMessage", channel="linkedin")
    response = patch(api, outreach, channel="email")
    assert response.status_code == 400
    assert response.json() == {
        "channel": ["LinkedIn_DirectMessage is sent over linkedin, not email."]
    }


# --- tag ----------------------------------------------------------------------------------


def test_tag_must_name_an_existing_tag(api):
    response = create(api, tag="important_lead")
    assert response.status_code == 400
    assert response.json() == {"tag": ["No tag named important_lead; create it first."]}
    TagFactory(name="important_lead")
    assert create(api, tag="important_lead").json()["tag"] == "important_lead"


def test_tag_null_removes_it(api):
    outreach = OutreachFactory(tag=TagFactory(name="x"))
    assert patch(api, outreach, tag=None).json()["tag"] is None


# --- screenshot_url -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/screenshot.png",
        "http://example.com/a/b.png?x=1",
        "HTTPS://EXAMPLE.COM/S.PNG",
        "https://this-host-does-not-exist.invalid/shot.png",
    ],
)
def test_screenshot_url_accepts_absolute_http_urls_without_fetching(api, monkeypatch, url):
    def no_network(*args, **kwargs):
        raise AssertionError("the server must never fetch a user-supplied URL")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    response = create(api, screenshot_url=url)
    assert response.status_code == 201, response.json()
    assert response.json()["screenshot_url"] == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:image/png;base64,iVBORw0KGgo=",
        "ftp://example.com/shot.png",
        "/screenshots/1.png",
        "example.com/shot.png",
        "not a url",
        "https://",
    ],
)
def test_screenshot_url_rejects_anything_else(api, url):
    response = create(api, screenshot_url=url)
    assert response.status_code == 400
    assert response.json() == {"screenshot_url": ["Enter an absolute http:// or https:// URL."]}


def test_screenshot_url_may_be_cleared(api):
    outreach = OutreachFactory(screenshot_url="https://example.com/a.png")
    assert patch(api, outreach, screenshot_url="").json()["screenshot_url"] == ""


# --- message ids --------------------------------------------------------------------------


@pytest.mark.parametrize("outreach_type", MAIL_TYPES)
@pytest.mark.parametrize("field", ["message_id", "reply_to_message_id"])
def test_message_ids_are_kept_for_mail_types(api, outreach_type, field):
    response = create(api, outreach_type=outreach_type, **{field: "<abc@mail.example.com>"})
    assert response.status_code == 201
    assert response.json()[field] == "<abc@mail.example.com>"


@pytest.mark.parametrize("outreach_type", [*OTHER_TYPES, None])
@pytest.mark.parametrize("field", ["message_id", "reply_to_message_id"])
def test_message_ids_are_400_for_other_types(api, outreach_type, field):
    response = create(api, outreach_type=outreach_type, **{field: "<abc@mail.example.com>"})
    assert response.status_code == 400
    assert response.json() == {
        field: [f"Only GMail_DirectMessage and Postmark_DirectMessage outreaches have a {field}."]
    }


def test_changing_the_type_away_from_mail_while_a_message_id_is_stored_is_400(api):
    outreach = OutreachFactory(
        outreach_type="GMail_DirectMessage", channel="email", message_id="<m@x>"
    )
    response = patch(api, outreach, outreach_type="LinkedIn_DirectMessage")
    assert response.status_code == 400
    assert list(response.json()) == ["message_id"]
    assert (
        patch(api, outreach, outreach_type="LinkedIn_DirectMessage", message_id="").status_code
        == 200
    )


# --- the other MassProspecting fields ---------------------------------------------------


def test_text_fields_are_stored(api):
    payload = {
        "approved": True,
        "subject": "Special Offer for You",
        "body": "<p>Hello, we have an offer...</p>",
        "body_type": "html",
        "error_description": "LinkedIn rate limit",
    }
    body = create(api, **payload).json()
    assert {k: body[k] for k in payload} == payload


@pytest.mark.parametrize(("given", "stored"), [(True, True), ("false", False), ("true", True)])
def test_approved_reads_booleans(api, given, stored):
    assert create(api, approved=given).json()["approved"] is stored


def test_approved_rejects_other_values(api):
    response = create(api, approved="maybe")
    assert response.status_code == 400
    assert response.json() == {"approved": ["Must be a valid boolean."]}


def test_subject_is_limited_to_998_characters(api):
    assert create(api, subject="s" * 998).status_code == 201
    response = create(api, subject="s" * 999)
    assert response.status_code == 400
    assert response.json() == {"subject": ["Ensure this field has no more than 998 characters."]}


# --- filters of the list ------------------------------------------------------------------


def ids(api, query):
    response = api.get(f"/api/outreaches?{query}")
    assert response.status_code == 200, response.json()
    return {item["id"] for item in response.json()["items"]}


def test_list_filters_outreach_type_tag_and_approved(api):
    tag = TagFactory(name="important_lead")
    linkedin = OutreachFactory(
        outreach_type="LinkedIn_DirectMessage", channel="linkedin", tag=tag, approved=True
    )
    mail = OutreachFactory(outreach_type="GMail_DirectMessage", approved=False)
    assert ids(api, "outreach_type=linkedin_directmessage") == {linkedin.public_id}
    assert ids(api, "outreach_type=GMail_DirectMessage") == {mail.public_id}
    assert ids(api, "tag=important_lead") == {linkedin.public_id}
    assert ids(api, "approved=true") == {linkedin.public_id}
    assert ids(api, "approved=false") == {mail.public_id}


@pytest.mark.parametrize(("param", "value"), [("outreach_type", "Fax"), ("approved", "maybe")])
def test_list_filter_bad_values_are_400_naming_the_parameter(api, param, value):
    response = api.get(f"/api/outreaches?{param}={value}")
    assert response.status_code == 400
    assert list(response.json()) == [param]
