"""/api/mailboxes: CRUD with write-only encrypted passwords, the workspace wall, 400s naming
the field, roles, the audit log, and `POST …/test` against a real SMTP server; the messages of
an outreach and a message's raw bytes."""

import email
from email import policy

import pytest
from django.db import IntegrityError, transaction

from core import crypto
from outreach.models import SequenceStep
from sending import services
from sending.models import Mailbox, Message
from tests.factories import OutreachFactory, SequenceFactory, UserFactory, WorkspaceFactory
from tests.sending.conftest import PASSWORD, USERNAME, free_port
from tests.support.api import ResourceCases
from workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db

URL = "/api/mailboxes"
SECRET = "s3cret-app-password"


def make_mailbox(owner=None, **values) -> Mailbox:
    owner = owner or UserFactory()
    values.setdefault("name", "Work")
    values.setdefault("from_email", "ada@analytical.example")
    return services.mailbox_create(actor=None, owner=owner, **values)


class TestMailboxesResource(ResourceCases):
    path = URL
    prefix = "mbx"
    create_payload = {"name": "Work", "from_email": "ada@analytical.example"}

    @staticmethod
    def make():
        return make_mailbox()


def test_create_takes_the_spec_defaults_and_the_caller_as_owner(api, user):
    answer = api.post(URL, {"name": "Work", "from_email": "ada@analytical.example"}, format="json")

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["owner_id"] == f"usr_{user.pk}"
    assert {k: body[k] for k in body if k not in ("id", "created_at", "updated_at")} == {
        "owner_id": f"usr_{user.pk}",
        "name": "Work",
        "from_name": "",
        "from_email": "ada@analytical.example",
        "kind": "local",
        "smtp_host": "",
        "smtp_port": 587,
        "smtp_security": "starttls",
        "smtp_username": "",
        "smtp_password_set": False,
        "imap_host": "",
        "imap_port": 993,
        "imap_security": "ssl",
        "imap_username": "",
        "imap_password_set": False,
        "imap_folder": "INBOX",
        "daily_limit": 50,
        "min_interval_seconds": 90,
        "window_days": ["mon", "tue", "wed", "thu", "fri"],
        "window_start": "09:00",
        "window_end": "17:00",
        "time_zone": "UTC",
        "signature": "",
        "active": True,
        "paused_reason": "",
        "sent_last_24h": 0,
    }


def test_passwords_are_write_only_encrypted_and_never_in_the_audit_log(api, caplog):
    caplog.set_level("DEBUG")
    payload = {
        "name": "Work",
        "from_email": "ada@analytical.example",
        "kind": "smtp",
        "smtp_host": "smtp.analytical.example",
        "smtp_username": "ada",
        "smtp_password": SECRET,
        "imap_password": SECRET + "-imap",
    }
    made = api.post(URL, payload, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert "smtp_password" not in body and "imap_password" not in body
    assert body["smtp_password_set"] is True and body["imap_password_set"] is True
    path = f"{URL}/{body['id']}"
    changed = api.patch(path, {"smtp_password": SECRET + "2"}, format="json")
    assert changed.status_code == 200
    for answer in (api.get(path), api.get(URL), changed):
        assert SECRET not in answer.content.decode()

    stored = Mailbox.objects.get()
    assert SECRET not in stored.smtp_password_encrypted
    assert crypto.decrypt(services.PASSWORD_PURPOSE, stored.smtp_password_encrypted) == SECRET + "2"
    entries = list(AuditEntry.objects.filter(object_type="mailbox").order_by("id"))
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[0].changes["smtp_password"] == ["[redacted]", "[redacted]"]
    assert entries[1].changes == {"smtp_password": ["[redacted]", "[redacted]"]}
    assert SECRET not in str([e.changes for e in entries])
    assert SECRET not in caplog.text

    # Left out: kept. Empty: removed.
    api.patch(path, {"name": "Renamed"}, format="json")
    assert Mailbox.objects.get().smtp_password_encrypted == stored.smtp_password_encrypted
    removed = api.patch(path, {"smtp_password": ""}, format="json").json()
    assert removed["smtp_password_set"] is False


def test_another_workspaces_mailbox_is_not_found(api, client_for):
    elsewhere = WorkspaceFactory(name="Elsewhere")
    stranger = UserFactory(membership__workspace=elsewhere)
    theirs = make_mailbox(owner=stranger)
    make_mailbox()

    path = f"{URL}/{theirs.public_id}"
    assert api.get(path).status_code == 404
    assert api.patch(path, {"name": "Mine"}, format="json").status_code == 404
    assert api.delete(path).status_code == 404
    assert api.post(f"{path}/test").status_code == 404
    assert theirs.public_id not in api.get(URL).content.decode()
    assert api.get(URL).json()["pagination"]["total_count"] == 1
    # Nor can a mailbox be given to a member of another workspace.
    answer = api.post(
        URL,
        {"name": "X", "from_email": "x@example.com", "owner_id": f"usr_{stranger.pk}"},
        format="json",
    )
    assert answer.status_code == 400
    assert "owner_id" in answer.json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus_Mons"),
        ("time_zone", "../../etc/passwd"),
        ("window_start", "9 o'clock"),
        ("window_end", "25:00"),
        ("window_end", "08:00"),  # before the start
        ("window_days", ["mon", "someday"]),
        ("window_days", []),
        ("smtp_port", 0),
        ("smtp_port", 70000),
        ("imap_port", "imap"),
        ("smtp_security", "tls13"),
        ("imap_security", "maybe"),
        ("kind", "carrier-pigeon"),
        ("daily_limit", 0),
        ("min_interval_seconds", -1),
        ("from_email", "not an address"),
        ("smtp_host", "smtp example com"),
        ("from_name", "Ada\r\nBcc: everyone@example.com"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, field, value):
    payload = {"name": "Work", "from_email": "ada@analytical.example", field: value}

    answer = api.post(URL, payload, format="json")

    assert answer.status_code == 400, answer.json()
    assert list(answer.json()) == [field]
    assert not Mailbox.objects.exists()
    # And the same on a change.
    box = make_mailbox()
    answer = api.patch(f"{URL}/{box.public_id}", {field: value}, format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == [field]


def test_an_smtp_mailbox_needs_a_host(api):
    answer = api.post(
        URL, {"name": "W", "from_email": "a@example.com", "kind": "smtp"}, format="json"
    )

    assert answer.status_code == 400
    assert answer.json() == {"smtp_host": ["An smtp mailbox needs its server's host name."]}


def test_window_days_are_kept_in_calendar_order_and_times_as_hh_mm(api):
    answer = api.post(
        URL,
        {
            "name": "W",
            "from_email": "a@example.com",
            "window_days": ["sat", "mon", "sat"],
            "window_start": "07:30",
            "window_end": "19:45",
            "time_zone": "America/New_York",
        },
        format="json",
    )

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["window_days"] == ["mon", "sat"]
    assert (body["window_start"], body["window_end"]) == ("07:30", "19:45")
    assert body["time_zone"] == "America/New_York"


def test_filters(api, user):
    make_mailbox(owner=user, name="Alpha", kind="local")
    make_mailbox(name="Beta", kind="smtp", smtp_host="smtp.example.com", active=False)

    def names(**params):
        return [m["name"] for m in api.get(URL, params).json()["items"]]

    assert names() == ["Alpha", "Beta"]
    assert names(kind="smtp") == ["Beta"]
    assert names(active="false") == ["Beta"]
    assert names(owner_id=f"usr_{user.pk}") == ["Alpha"]
    assert names(q="alp") == ["Alpha"]
    assert api.get(URL, {"kind": "fax"}).status_code == 400
    first = api.get(URL, {"per": 1}).json()
    cursor = first["pagination"]["next_cursor"]
    assert [m["name"] for m in api.get(URL, {"per": 1, "cursor": cursor}).json()["items"]] == [
        "Beta"
    ]


def test_roles_reps_manage_their_own_managers_anyones_viewers_none(client_for, user):
    rep = UserFactory(membership__role="rep")
    manager = UserFactory(membership__role="manager")
    viewer = UserFactory(membership__role="viewer")
    alices = make_mailbox(owner=user)
    as_rep, as_manager, as_viewer = client_for(rep), client_for(manager), client_for(viewer)
    payload = {"name": "Mine", "from_email": "rep@example.com"}

    mine = as_rep.post(URL, payload, format="json")
    assert mine.status_code == 201
    assert mine.json()["owner_id"] == f"usr_{rep.pk}"
    assert (
        as_rep.patch(f"{URL}/{mine.json()['id']}", {"name": "M"}, format="json").status_code == 200
    )
    refused = as_rep.patch(f"{URL}/{alices.public_id}", {"name": "X"}, format="json")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "A rep may not manage other users' mailboxes."}
    assert as_rep.delete(f"{URL}/{alices.public_id}").status_code == 403
    assert as_rep.post(f"{URL}/{alices.public_id}/test").status_code == 403
    given = as_rep.post(URL, {**payload, "owner_id": f"usr_{user.pk}"}, format="json")
    assert given.status_code == 403

    assert as_viewer.get(f"{URL}/{alices.public_id}").status_code == 200
    denied = as_viewer.post(URL, payload, format="json")
    assert denied.status_code == 403
    assert denied.json() == {"detail": "A viewer may not manage mailboxes."}

    assert (
        as_manager.patch(f"{URL}/{alices.public_id}", {"name": "Y"}, format="json").status_code
        == 200
    )
    theirs = as_manager.post(URL, {**payload, "owner_id": f"usr_{rep.pk}"}, format="json")
    assert theirs.status_code == 201
    assert theirs.json()["owner_id"] == f"usr_{rep.pk}"
    assert as_manager.delete(f"{URL}/{alices.public_id}").status_code == 204


# --- the test message ---------------------------------------------------------------------


def test_a_local_mailbox_test_builds_and_stores_the_message_and_sends_nothing(api, owner):
    box = make_mailbox(owner=owner, from_name="Ada Lovelace", signature="Ada")

    answer = api.post(f"{URL}/{box.public_id}/test")

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["delivered"] is False
    assert body["code"] is None
    assert "nothing left this machine" in body["detail"]
    assert body["to"] == "alice@example.com"
    message = Message.objects.get()
    assert body["message_id"] == message.public_id
    assert (message.status, message.mailbox_id, message.outreach_id) == ("sent", box.pk, None)
    raw = api.get(f"/api/messages/{message.public_id}/raw")
    assert raw.status_code == 200
    assert raw["Content-Type"] == "message/rfc822"
    assert raw.content == bytes(message.raw)
    parsed = email.message_from_bytes(raw.content, policy=policy.default)
    assert parsed["From"] == "Ada Lovelace <ada@analytical.example>"
    assert parsed["To"] == "alice@example.com"
    assert parsed["Message-ID"] == message.message_id


def _smtp_box(owner, server, **values):
    return make_mailbox(
        owner=owner,
        kind="smtp",
        smtp_host=server.host,
        smtp_port=server.port,
        **values,
    )


def test_an_smtp_mailbox_test_answers_what_the_server_said(
    api, owner, smtp_server, trust_certificate
):
    server = smtp_server(tls="starttls", auth=True)
    box = _smtp_box(owner, server, smtp_username=USERNAME, smtp_password=PASSWORD)

    answer = api.post(f"{URL}/{box.public_id}/test")

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["delivered"] is True
    assert (body["code"], body["answer"]) == (250, "250 2.0.0 Ok: queued as T3ST")
    assert (
        body["detail"] == "Sent to alice@example.com; the server said: 250 2.0.0 Ok: queued as T3ST"
    )
    [received] = server.received
    assert received.rcpt_tos == ["alice@example.com"]
    assert received.data == bytes(Message.objects.get().raw)
    assert api.get(f"{URL}/{box.public_id}").json()["sent_last_24h"] == 1


def test_a_refused_login_is_a_400_naming_the_reason(api, owner, smtp_server, trust_certificate):
    server = smtp_server(tls="starttls", auth=True)
    box = _smtp_box(owner, server, smtp_username=USERNAME, smtp_password="wrong")

    answer = api.post(f"{URL}/{box.public_id}/test")

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == 535
    assert body["detail"].startswith(
        f"The server 127.0.0.1:{server.port} refused the login of {USERNAME}: 535"
    )
    assert "wrong" not in answer.content.decode()
    assert Message.objects.get().status == "failed"
    assert server.received == []


def test_an_unreachable_server_is_a_502_naming_it(api, owner):
    box = make_mailbox(owner=owner, kind="smtp", smtp_host="127.0.0.1", smtp_port=free_port())

    answer = api.post(f"{URL}/{box.public_id}/test")

    assert answer.status_code == 502
    assert answer.json()["detail"] == (
        f"The message could not be sent: 127.0.0.1:{box.smtp_port} refused the connection."
    )


def test_a_refused_message_is_a_502_with_the_servers_answer(api, owner, smtp_server):
    server = smtp_server()
    server.data_answer = "554 5.7.1 Refused as spam"
    box = _smtp_box(owner, server, smtp_security="none")

    answer = api.post(f"{URL}/{box.public_id}/test")

    assert answer.status_code == 502
    assert answer.json() == {
        "detail": f"The server 127.0.0.1:{server.port} refused the message: "
        "554 5.7.1 Refused as spam",
        "code": 554,
        "answer": "554 5.7.1 Refused as spam",
    }
    assert Message.objects.get().server_answer == "554 5.7.1 Refused as spam"


def test_an_owner_without_an_address_is_told_so(api, user):
    box = make_mailbox(owner=user)

    answer = api.post(f"{URL}/{box.public_id}/test")

    assert answer.status_code == 409
    assert "has no email address" in answer.json()["detail"]


# --- messages -----------------------------------------------------------------------------


def test_an_outreachs_messages_oldest_first_and_their_raw_bytes(api):
    outreach = OutreachFactory()
    box = make_mailbox()
    second = Message.objects.create(
        workspace_id=outreach.workspace_id,
        outreach=outreach,
        step=2,
        mailbox=box,
        to="p@example.com",
        subject="Re: Hi",
        raw=b"Subject: Re: Hi\r\n\r\nTwo\r\n",
    )
    first = Message.objects.create(
        workspace_id=outreach.workspace_id,
        outreach=outreach,
        step=1,
        mailbox=box,
        to="p@example.com",
        subject="Hi",
        raw=b"Subject: Hi\r\n\r\nOne\r\n",
    )
    Message.objects.filter(pk=second.pk).update(created_at=first.created_at.replace(year=2099))
    OutreachFactory()  # another outreach, no messages

    answer = api.get(f"/api/outreaches/{outreach.public_id}/messages")

    assert answer.status_code == 200, answer.json()
    items = answer.json()["items"]
    assert [m["id"] for m in items] == [first.public_id, second.public_id]
    assert items[0] == {
        "id": first.public_id,
        "outreach_id": outreach.public_id,
        "step": 1,
        "mailbox_id": box.public_id,
        "to": "p@example.com",
        "subject": "Hi",
        "body": "",
        "message_id": "",
        "status": "scheduled",
        "server_answer": "",
        "attempts": 0,
        "sent_at": None,
        "created_at": items[0]["created_at"],
    }
    assert api.get(f"/api/outreaches/{outreach.public_id}/messages/").status_code == 200
    assert (
        api.get(f"/api/messages/{second.public_id}/raw").content
        == b"Subject: Re: Hi\r\n\r\nTwo\r\n"
    )
    assert api.get(f"/api/messages/{first.public_id}").json()["step"] == 1
    # One message per outreach and step.
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            workspace_id=outreach.workspace_id, outreach=outreach, step=1, to="x@example.com"
        )


def test_messages_of_another_workspace_or_a_missing_outreach_are_404(api):
    elsewhere = WorkspaceFactory(name="Elsewhere")
    theirs = OutreachFactory(workspace=elsewhere, person=None, company=None)
    message = Message.objects.create(
        workspace=elsewhere, outreach=theirs, step=1, to="x@example.com"
    )

    assert api.get(f"/api/outreaches/{theirs.public_id}/messages").status_code == 404
    assert api.get("/api/outreaches/out_999999/messages").status_code == 404
    assert api.get("/api/outreaches/nonsense/messages").status_code == 404
    assert api.get(f"/api/messages/{message.public_id}/raw").status_code == 404
    assert api.get("/api/messages/msg_x/raw").status_code == 404


# --- templates checked when a sequence is saved --------------------------------------------


@pytest.mark.parametrize(
    ("template", "error"),
    [
        ("Hi {{ nickname }}", "Unknown variable “nickname”"),
        ("Hi {{ first_name", "unclosed {{"),
        ("{% if first_name %}Hi{% endif %}", "Tags ({% … %})"),
        ("Hi {{ first_name|upper }}", "Cannot read"),
    ],
)
def test_a_sequence_with_a_template_that_cannot_render_is_a_400_naming_the_step(
    api, template, error
):
    steps = [
        {"channel": "email", "subject_template": "Hi {{ first_name|default:'there' }}"},
        {"channel": "email", "body_template": template},
    ]

    answer = api.post("/api/sequences", {"name": "Welcome", "steps": steps}, format="json")

    assert answer.status_code == 400
    [message] = answer.json()["steps"]
    assert message.startswith("Step 2, body_template: ")
    assert error in message
    sequence = SequenceFactory()
    answer = api.patch(f"/api/sequences/{sequence.public_id}", {"steps": steps}, format="json")
    assert answer.status_code == 400
    assert not SequenceStep.objects.exists()


def test_a_sequence_with_the_listed_variables_saves(api):
    steps = [
        {
            "channel": "email",
            "subject_template": "Idea for {{ company }}",
            "body_template": 'Hi {{ first_name|default:"there" }}, {{ full_name }} {{ title }} '
            "{{ last_name }} — {{ sender_name }} / {{ sender_first_name }}",
        }
    ]

    answer = api.post("/api/sequences", {"name": "Welcome", "steps": steps}, format="json")

    assert answer.status_code == 201, answer.json()
