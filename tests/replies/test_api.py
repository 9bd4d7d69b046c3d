"""`POST /api/inbound` takes one raw message; `GET /api/inbound` and `/api/inbound/{id}` read
what came back in."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from replies.models import InboundMessage
from tests.factories import MailboxFactory, UserFactory, WorkspaceFactory, default_workspace

from .conftest import reply_to

pytestmark = pytest.mark.django_db

RFC822 = "message/rfc822"
STRANGER = (
    b"From: Bob <bob@elsewhere.example.net>\r\nTo: alice@sender.example.com\r\n"
    b"Subject: Question\r\nMessage-ID: <q1@elsewhere.example.net>\r\n\r\n"
    b"Do you sell analytics software?\r\n"
)


def post(api, raw: bytes, query: str = "", content_type: str = RFC822):
    return api.post(f"/api/inbound{query}", data=raw, content_type=content_type)


def test_a_posted_reply_is_kept_classified_and_acted_on(api, sent, mailbox):
    outreach = sent()
    response = post(api, reply_to(outreach, "Yes, call me."), f"?mailbox_id={mailbox.public_id}")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"].startswith("inb_")
    assert body["classification"] == "reply"
    assert body["outreach_id"] == outreach.public_id
    assert body["person_id"] == outreach.person.public_id
    assert body["mailbox_id"] == mailbox.public_id
    assert body["text"] == "Yes, call me."
    assert body["from_address"] == outreach.person.email
    outreach.refresh_from_db()
    assert outreach.current_state == "finished"

    assert api.get(f"/api/inbound/{body['id']}").json() == body


def test_the_same_message_again_answers_200_and_changes_nothing(api):
    first = post(api, STRANGER)
    again = post(api, STRANGER)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert InboundMessage.objects.count() == 1


def test_without_a_mailbox_it_lands_in_the_callers_workspace(api, user):
    body = post(api, STRANGER).json()
    assert body["mailbox_id"] is None
    assert body["classification"] == "unmatched"
    assert InboundMessage.objects.get().workspace_id == default_workspace().pk


@pytest.mark.parametrize(
    ("content_type", "raw", "status", "says"),
    [
        ("application/json", b'{"raw": "x"}', 415, "message/rfc822"),
        ("text/plain", STRANGER, 415, "message/rfc822"),
        (RFC822, b"", 400, "The message is empty."),
        (RFC822, b"  \r\n ", 400, "The message is empty."),
    ],
)
def test_bad_input_is_a_4xx_naming_the_problem(api, content_type, raw, status, says):
    response = post(api, raw, content_type=content_type)
    assert response.status_code == status
    assert says in str(response.json())
    assert not InboundMessage.objects.exists()


def test_a_message_over_the_limit_is_413(api, settings):
    settings.INBOUND_MAX_BYTES = 100
    response = post(api, STRANGER + b"x" * 200)
    assert response.status_code == 413
    assert "over 100 bytes" in response.json()["detail"]


def test_another_workspaces_mailbox_is_404_and_a_malformed_id_400(api):
    theirs = MailboxFactory(workspace=WorkspaceFactory(name="Elsewhere"))
    response = post(api, STRANGER, f"?mailbox_id={theirs.public_id}")
    assert response.status_code == 404
    assert theirs.public_id in str(response.json())
    response = post(api, STRANGER, "?mailbox_id=out_3")
    assert response.status_code == 400
    assert "mailbox_id" in response.json()
    assert not InboundMessage.objects.exists()


def test_another_workspaces_message_is_404(api, client_for):
    stranger = UserFactory(membership__workspace=WorkspaceFactory(name="Elsewhere"))
    theirs = post(client_for(stranger), STRANGER).json()
    assert api.get(f"/api/inbound/{theirs['id']}").status_code == 404
    assert api.get("/api/inbound").json()["items"] == []


def test_viewers_read_but_may_not_post(client_for, api):
    viewer = client_for(UserFactory(membership__role="viewer"))
    response = post(viewer, STRANGER)
    assert response.status_code == 403
    post(api, STRANGER)
    assert len(viewer.get("/api/inbound").json()["items"]) == 1


def test_the_list_filters_by_classification(api, sent):
    outreach = sent()
    post(api, reply_to(outreach, "Sure."))
    post(api, STRANGER)
    unmatched = api.get("/api/inbound?classification=unmatched").json()["items"]
    assert [item["classification"] for item in unmatched] == ["unmatched"]
    replies = api.get("/api/inbound?classification=REPLY").json()["items"]
    assert [item["outreach_id"] for item in replies] == [outreach.public_id]
    response = api.get("/api/inbound?classification=spam")
    assert response.status_code == 400
    assert "classification" in response.json()


def test_the_raw_bytes_come_back_unchanged(api):
    body = post(api, STRANGER).json()
    response = api.get(f"/api/inbound/{body['id']}/raw")
    assert response.status_code == 200
    assert response["Content-Type"] == RFC822
    assert response.content == STRANGER


@pytest.mark.parametrize("count", [1, 200])
def test_the_list_costs_the_same_queries_for_1_or_200(api, count, user):
    workspace_id = default_workspace().pk
    InboundMessage.objects.bulk_create(
        InboundMessage(
            workspace_id=workspace_id,
            fingerprint=f"<m{n}@example.org>",
            from_address=f"p{n}@example.org",
            raw=b"x",
        )
        for n in range(count)
    )
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/inbound?per={count}")
    assert response.status_code == 200
    assert len(response.json()["items"]) == count
    assert len(queries) <= 6, [query["sql"] for query in queries]
