"""The MassProspecting-compatible endpoints: /ajax/outreach/*.json and /api1.0/outreach/*.json."""

import json

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from outreach.compat.filters import FILTER_PARAMS, ORDER_FIELDS
from outreach.models import Outreach, OutreachTransition
from tests.factories import (
    JobFactory,
    OutreachFactory,
    PersonFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

PREFIXES = ["/ajax/outreach/", "/api1.0/outreach/"]

# The three examples of the MassProspecting API's documentation, verbatim.
EXAMPLE_INSERT = {
    "outreach_type": "LinkedIn_DirectMessage",
    "status": "pending",
    "approved": True,
    "direction": "outgoing",
    "tag": "important_lead",
    "subject": "Special Offer for You",
    "body": "<p>Hello, we have an offer...</p>",
    "body_type": "html",
    "screenshot_url": "https://example.com/screenshot.png",
}
EXAMPLE_PAGE = {
    "page": 1,
    "limit": 50,
    "filters": {"status": "pending", "outreach_type": "LinkedIn_DirectMessage"},
    "order": "create_time",
    "asc": False,
}
EXAMPLE_UPDATE = {
    "id": "123e4567-e89b-12d3-a456-426614174000",
    "status": "running",
    "subject": "Updated Offer",
    "body": "New offer details inside!",
}
DOCUMENTED_FIELDS = {
    "outreach_type",
    "status",
    "approved",
    "skip_repliers",
    "direction",
    "tag",
    "subject",
    "body",
    "body_type",
    "error_description",
    "screenshot_url",
    "message_id",
    "reply_to_message_id",
}
RECORD_KEYS = DOCUMENTED_FIELDS | {
    "id",
    "create_time",
    "update_time",
    "done_time",
    "sent_at",
    "channel",
    "person_id",
    "company_id",
    "job_id",
}


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def insert(client, prefix="/ajax/outreach/", **fields):
    body = {"outreach_type": "LinkedIn_DirectMessage", "status": "pending", **fields}
    response = post(client, f"{prefix}insert.json", body)
    assert response.status_code == 200, response.json()
    return response.json()["result"]


def page(client, prefix="/ajax/outreach/", **body):
    return post(client, f"{prefix}page.json", {"page": 1, **body})


def error(response, status_code):
    assert response.status_code == status_code, response.json()
    body = response.json()
    assert list(body) == ["status"]
    return body["status"]


def pk_of(public_id):
    return int(public_id.split("_")[1])


@pytest.fixture
def important_lead():
    return TagFactory(name="important_lead")


# --- the documented examples, replayed -----------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("wrapped", [False, True])
def test_insert_example(api, important_lead, prefix, wrapped):
    body = {"desc": EXAMPLE_INSERT} if wrapped else EXAMPLE_INSERT
    response = post(api, f"{prefix}insert.json", body)
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"status", "result"}
    assert answer["status"] == "success"
    result = answer["result"]
    assert set(result) == RECORD_KEYS
    assert {k: result[k] for k in EXAMPLE_INSERT} == EXAMPLE_INSERT
    assert result["id"] == Outreach.objects.get().public_id
    assert result["channel"] == "linkedin"
    assert result["create_time"] and result["update_time"]
    assert result["done_time"] is None


def test_insert_example_needs_the_tag_first(api):
    response = post(api, "/ajax/outreach/insert.json", EXAMPLE_INSERT)
    assert error(response, 400) == "tag: No tag named important_lead; create it first."
    assert not Outreach.objects.exists()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_page_example(api, important_lead, prefix):
    matching = [insert(api, **EXAMPLE_INSERT) for _ in range(3)]
    insert(api, outreach_type="GMail_DirectMessage")
    running = insert(api)
    post(api, "/ajax/outreach/update.json", {"id": running["id"], "status": "running"})
    response = post(api, f"{prefix}page.json", EXAMPLE_PAGE)
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"status", "count", "results"}
    assert answer["status"] == "success"
    assert answer["count"] == 3
    assert [r["id"] for r in answer["results"]] == [r["id"] for r in reversed(matching)]
    assert all(set(r) == RECORD_KEYS for r in answer["results"])


@pytest.mark.parametrize("prefix", PREFIXES)
def test_update_example_with_its_uuid_id_is_a_clear_4xx(api, prefix):
    outreach = OutreachFactory(subject="before")
    response = post(api, f"{prefix}update.json", EXAMPLE_UPDATE)
    assert error(response, 400) == (
        "id not found: '123e4567-e89b-12d3-a456-426614174000' is not an outreach id "
        "(expected out_<number>)."
    )
    assert Outreach.objects.get(pk=outreach.pk).subject == "before"


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("wrapped", [False, True])
def test_update_example_with_a_real_id(api, important_lead, prefix, wrapped):
    created = insert(api, **EXAMPLE_INSERT)
    body = {**EXAMPLE_UPDATE, "id": created["id"]}
    if wrapped:
        body = {"desc": body}
    response = post(api, f"{prefix}update.json", body)
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"status", "result"}
    result = answer["result"]
    assert result["status"] == "running"
    assert result["subject"] == "Updated Offer"
    assert result["body"] == "New offer details inside!"
    assert result["tag"] == "important_lead"
    assert result["done_time"] is not None
    row = OutreachTransition.objects.get()
    assert (row.transition, row.from_state, row.to_state) == ("run", "pending", "running")


def test_update_id_may_sit_beside_desc(api):
    created = insert(api)
    response = post(
        api, "/ajax/outreach/update.json", {"id": created["id"], "desc": {"subject": "x"}}
    )
    assert response.json()["result"]["subject"] == "x"


def test_update_of_an_unknown_id_is_404(api):
    response = post(api, "/ajax/outreach/update.json", {"id": "out_999999", "subject": "x"})
    assert error(response, 404) == "id not found: out_999999."


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"subject": "x"}, "id: This field is required."),
        ({"id": "", "subject": "x"}, "id: This field is required."),
        ({"id": 42}, "id not found: '42' is not an outreach id (expected out_<number>)."),
        ({"id": "per_1"}, "id not found: 'per_1' is not an outreach id (expected out_<number>)."),
    ],
)
def test_update_needs_an_outreach_id(api, body, message):
    assert error(post(api, "/ajax/outreach/update.json", body), 400) == message


# --- insert and update field rules (the canonical serializer's) ---------------------------


@pytest.mark.parametrize("missing", ["outreach_type", "status"])
def test_insert_requires_the_documented_required_fields(api, missing):
    body = {"outreach_type": "GMail_DirectMessage", "status": "pending"}
    del body[missing]
    assert error(post(api, "/ajax/outreach/insert.json", body), 400) == (
        f"{missing}: This field is required."
    )


def test_insert_outreach_type_may_not_be_null(api):
    body = {"outreach_type": None, "status": "pending"}
    assert error(post(api, "/ajax/outreach/insert.json", body), 400) == (
        "outreach_type: This field may not be null."
    )


COMPAT_ENUMS = {
    "status": ["pending", "running", "performed", "failed", "aborted", "canceled"],
    "outreach_type": [
        "Facebook_DirectMessage",
        "Facebook_FriendRequest",
        "GMail_DirectMessage",
        "LinkedIn_ConnectionRequest",
        "LinkedIn_DirectMessage",
        "Postmark_DirectMessage",
    ],
    "skip_repliers": ["global", "tag_only", "none"],
    "direction": ["outgoing", "incoming", "accepted"],
    "body_type": ["plain", "html"],
}


@pytest.mark.parametrize(
    ("field", "value", "spelled"),
    [
        (field, value, spelled)
        for field, values in COMPAT_ENUMS.items()
        for value in values
        for spelled in (value, f":{value}", value.upper(), f":{value.upper()}")
    ],
)
def test_insert_accepts_every_enum_value_as_symbol_or_string(api, field, value, spelled):
    body = {"outreach_type": "GMail_DirectMessage", "status": "pending", field: spelled}
    response = post(api, "/ajax/outreach/insert.json", body)
    assert response.status_code == 200, response.json()
    assert response.json()["result"][field] == value


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "status",
            "sent",
            'status: "sent" is not a valid choice. Use one of: '
            "pending, running, performed, failed, aborted, canceled.",
        ),
        (
            "outreach_type",
            "Fax",
            'outreach_type: "Fax" is not a valid choice. Use one of: Facebook_DirectMessage, '
            "Facebook_FriendRequest, GMail_DirectMessage, LinkedIn_ConnectionRequest, "
            "LinkedIn_DirectMessage, Postmark_DirectMessage.",
        ),
        (
            "skip_repliers",
            ":always",
            'skip_repliers: ":always" is not a valid choice. Use one of: global, tag_only, none.',
        ),
        (
            "direction",
            "out",
            'direction: "out" is not a valid choice. Use one of: outgoing, incoming, accepted.',
        ),
        (
            "body_type",
            "markdown",
            'body_type: "markdown" is not a valid choice. Use one of: plain, html.',
        ),
        ("approved", "maybe", "approved: Must be a valid boolean."),
        ("tag", "nope", "tag: No tag named nope; create it first."),
        (
            "screenshot_url",
            "javascript:alert(1)",
            "screenshot_url: Enter an absolute http:// or https:// URL.",
        ),
        (
            "screenshot_url",
            "data:image/png;base64,AAAA",
            "screenshot_url: Enter an absolute http:// or https:// URL.",
        ),
        ("subject", "s" * 999, "subject: Ensure this field has no more than 998 characters."),
        (
            "message_id",
            "<m@x>",
            "message_id: Only GMail_DirectMessage and Postmark_DirectMessage outreaches "
            "have a message_id.",
        ),
        (
            "reply_to_message_id",
            "<m@x>",
            "reply_to_message_id: Only GMail_DirectMessage and Postmark_DirectMessage "
            "outreaches have a reply_to_message_id.",
        ),
        ("channel", "email", "channel: LinkedIn_DirectMessage is sent over linkedin, not email."),
        ("person_id", "per_999", "person_id: No person with id per_999."),
    ],
)
def test_insert_invalid_values_are_400_naming_the_field(api, field, value, message):
    body = {"outreach_type": "LinkedIn_DirectMessage", "status": "pending", field: value}
    assert error(post(api, "/ajax/outreach/insert.json", body), 400) == message
    assert not Outreach.objects.exists()


def test_several_errors_are_named_together(api):
    body = {"outreach_type": "LinkedIn_DirectMessage", "status": "x", "approved": "maybe"}
    message = error(post(api, "/ajax/outreach/insert.json", body), 400)
    assert message.startswith('status: "x" is not a valid choice.')
    assert "; approved: Must be a valid boolean." in message


@pytest.mark.parametrize("outreach_type", ["GMail_DirectMessage", "Postmark_DirectMessage"])
def test_insert_keeps_message_ids_for_mail_types(api, outreach_type):
    result = insert(
        api, outreach_type=outreach_type, message_id="<a@x>", reply_to_message_id="<b@x>"
    )
    assert (result["message_id"], result["reply_to_message_id"]) == ("<a@x>", "<b@x>")
    assert result["channel"] == "email"


def test_insert_links_a_person_job_and_company(api):
    person = PersonFactory()
    job = JobFactory()
    result = insert(api, person_id=person.public_id, job_id=job.public_id)
    assert result["person_id"] == person.public_id
    assert result["company_id"] == person.company.public_id
    assert result["job_id"] == job.public_id


def test_update_changes_the_type_and_its_channel(api):
    created = insert(api)
    response = post(
        api,
        "/ajax/outreach/update.json",
        {"id": created["id"], "outreach_type": ":gmail_directmessage"},
    )
    assert response.json()["result"]["outreach_type"] == "GMail_DirectMessage"
    assert response.json()["result"]["channel"] == "email"


def test_update_validates_like_insert(api):
    created = insert(api)
    response = post(
        api, "/ajax/outreach/update.json", {"id": created["id"], "screenshot_url": "ftp://x/y"}
    )
    assert error(response, 400) == "screenshot_url: Enter an absolute http:// or https:// URL."


# --- status (the delivery status) through the compat endpoints ------------------------------


@pytest.mark.parametrize(
    ("status", "steps"),
    [
        ("pending", []),
        ("running", ["run"]),
        ("performed", ["run", "perform"]),
        ("failed", ["run", "fail"]),
        ("aborted", ["abort"]),
        ("canceled", ["cancel"]),
    ],
)
def test_insert_with_a_status_walks_the_delivery_graph(api, status, steps):
    result = insert(api, status=status)
    assert result["status"] == status
    history = OutreachTransition.objects.filter(outreach_id=pk_of(result["id"]))
    assert [row.transition for row in history.order_by("id")] == steps


def test_update_writing_the_current_status_is_a_no_op(api):
    created = insert(api)
    response = post(api, "/ajax/outreach/update.json", {"id": created["id"], "status": "pending"})
    assert response.json()["result"]["status"] == "pending"
    assert not OutreachTransition.objects.exists()


def test_update_jumping_the_graph_is_409(api):
    created = insert(api)
    response = post(api, "/ajax/outreach/update.json", {"id": created["id"], "status": "performed"})
    assert error(response, 409) == (
        "Cannot change the delivery status from 'pending' to 'performed'; "
        "from 'pending' it can go to 'aborted', 'canceled', 'running'."
    )


def test_insert_running_for_someone_never_to_contact_records_the_abort(api):
    person = PersonFactory(status="do_not_contact")
    result = insert(api, status="running", person_id=person.public_id)
    assert result["status"] == "aborted"
    assert result["error_description"] == (
        f"{person.public_id} is marked do_not_contact and is never contacted."
    )


# --- the two APIs see the same records ----------------------------------------------------


def test_inserted_through_ajax_reads_back_through_api(api, important_lead):
    result = insert(api, **EXAMPLE_INSERT)
    body = api.get(f"/api/outreaches/{result['id']}").json()
    for field in DOCUMENTED_FIELDS - {"status"}:
        assert body[field] == result[field], field
    assert body["delivery_status"] == result["status"]
    assert body["created_at"] == result["create_time"]
    assert body["updated_at"] == result["update_time"]


def test_created_through_api_reads_back_through_page_and_updates_through_ajax(api):
    TagFactory(name="t")
    created = api.post(
        "/api/outreaches",
        {"outreach_type": "Postmark_DirectMessage", "tag": "t", "message_id": "<m@x>"},
        format="json",
    ).json()
    answer = page(api, filters={"id": created["id"]}).json()
    assert answer["count"] == 1
    record = answer["results"][0]
    assert record["status"] == created["delivery_status"] == "pending"
    assert record["create_time"] == created["created_at"]
    for field in ("outreach_type", "tag", "message_id", "channel"):
        assert record[field] == created[field]
    post(api, "/api1.0/outreach/update.json", {"id": created["id"], "status": ":canceled"})
    assert api.get(f"/api/outreaches/{created['id']}").json()["delivery_status"] == "canceled"


# --- authentication -----------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_api_key_in_the_body_authenticates(token, prefix):
    client = APIClient()
    body = {**EXAMPLE_INSERT, "tag": None, "api_key": token.key}
    response = post(client, f"{prefix}insert.json", body)
    assert response.status_code == 200, response.json()
    assert Outreach.objects.get().created_by == token.user


def test_api_key_authenticates_every_endpoint(token):
    client = APIClient()
    created = insert(client, api_key=token.key)
    assert page(client, api_key=token.key).json()["count"] == 1
    response = post(
        client,
        "/api1.0/outreach/update.json",
        {"api_key": token.key, "desc": {"id": created["id"], "subject": "s"}},
    )
    assert response.json()["result"]["subject"] == "s"


@pytest.mark.parametrize("key", ["not-a-token", 12345, ["x"]])
def test_a_bad_api_key_is_401(db, key):
    response = page(APIClient(), api_key=key)
    assert error(response, 401) == "Invalid api_key."
    assert response["WWW-Authenticate"] == "Token"


def test_a_missing_api_key_is_401():
    response = page(APIClient())
    assert error(response, 401) == "Authentication credentials were not provided."


def test_an_inactive_users_api_key_is_401(token):
    token.user.is_active = False
    token.user.save()
    assert error(page(APIClient(), api_key=token.key), 401) == "User inactive or deleted."


def test_the_token_header_works_without_api_key(api):
    assert page(api).status_code == 200


def test_the_header_token_wins_over_a_wrong_api_key(api):
    assert page(api, api_key="wrong").status_code == 200


def test_session_login_works_with_csrf_enforced(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(
        "/ajax/outreach/page.json", data=json.dumps({"page": 1}), content_type="application/json"
    )
    assert error(response, 403).startswith("CSRF Failed")


def test_client_keys_are_accepted_and_ignored(token):
    body = {
        "api_key": token.key,
        "id_account": "acc_1",
        "promiscuous": True,
        "backtrace": False,
        "desc": {"outreach_type": "GMail_DirectMessage", "status": "pending"},
    }
    response = post(APIClient(), "/api1.0/outreach/insert.json", body)
    assert response.status_code == 200
    assert set(response.json()["result"]) == RECORD_KEYS


def test_the_api_key_never_reaches_the_record(token):
    result = insert(APIClient(), api_key=token.key, subject="hi")
    assert token.key not in json.dumps(result)


# --- request shapes -----------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("endpoint", ["insert.json", "page.json", "update.json"])
def test_post_only(api, prefix, endpoint):
    for method in ("get", "patch", "put", "delete"):
        response = getattr(api, method)(f"{prefix}{endpoint}")
        assert error(response, 405) == f'Method "{method.upper()}" not allowed.'


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[1, 2]", "The request body must be a JSON object."),
        ('"text"', "The request body must be a JSON object."),
        ('{"desc": [1]}', "desc: Must be a JSON object of outreach fields."),
    ],
)
def test_bodies_that_are_not_objects_are_400(api, raw, message):
    response = api.post("/ajax/outreach/insert.json", data=raw, content_type="application/json")
    assert error(response, 400) == message


def test_malformed_json_is_400(api):
    response = api.post("/ajax/outreach/page.json", data="{", content_type="application/json")
    assert error(response, 400).startswith("JSON parse error")


def test_deeply_nested_json_is_400(api):
    raw = '{"page": 1, "filters": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = api.post("/ajax/outreach/page.json", data=raw, content_type="application/json")
    assert response.status_code == 400


# --- page: paging math --------------------------------------------------------------------


@pytest.fixture
def sixty(db):
    return [OutreachFactory(person=None) for _ in range(60)]


def test_page_defaults_limit_25_ordered_by_id_ascending(api, sixty):
    ids = [o.public_id for o in sorted(sixty, key=lambda o: o.pk)]
    seen = []
    for number, size in ((1, 25), (2, 25), (3, 10)):
        answer = page(api, page=number).json()
        assert answer["count"] == 60
        assert len(answer["results"]) == size
        seen += [r["id"] for r in answer["results"]]
    assert seen == ids


def test_page_past_the_end_is_empty_with_the_count(api, sixty):
    for number in (4, 10**12):
        answer = page(api, page=number).json()
        assert answer == {"status": "success", "count": 60, "results": []}


@pytest.mark.parametrize(("limit", "sizes"), [(1, [1] * 3), (7, [7, 7, 7]), (200, [60, 0, 0])])
def test_page_sizes_follow_the_limit(api, sixty, limit, sizes):
    got = [len(page(api, page=n, limit=limit).json()["results"]) for n in (1, 2, 3)]
    assert got == sizes


def test_page_and_limit_accept_numeric_strings(api, sixty):
    answer = page(api, page="2", limit="50").json()
    assert len(answer["results"]) == 10


def test_pages_never_repeat_or_skip_when_the_order_has_ties(api, important_lead):
    for _ in range(9):
        OutreachFactory(tag=important_lead)
    for asc in (True, False):
        seen = []
        for number in (1, 2, 3):
            answer = page(api, page=number, limit=4, order="tag", asc=asc).json()
            seen += [r["id"] for r in answer["results"]]
        assert len(seen) == len(set(seen)) == 9


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"page": None}, "page: This field may not be null."),
        ({"page": 0}, "page: Ensure this value is greater than or equal to 1."),
        ({"page": -3}, "page: Ensure this value is greater than or equal to 1."),
        ({"page": "abc"}, "page: A valid integer is required."),
        ({"page": 1.5}, "page: A valid integer is required."),
        ({"limit": 0}, "limit: Ensure this value is greater than or equal to 1."),
        ({"limit": 201}, "limit: Ensure this value is less than or equal to 200."),
        (
            {"order": "color"},
            'order: "color" is not a valid choice. Use one of: ' + ", ".join(ORDER_FIELDS) + ".",
        ),
        ({"asc": "maybe"}, "asc: Must be a valid boolean."),
        ({"filters": [1]}, 'filters: Expected a dictionary of items but got type "list".'),
    ],
)
def test_page_parameters_are_checked(api, body, message):
    assert error(page(api, **body), 400) == message


def test_page_is_required(api):
    response = post(api, "/ajax/outreach/page.json", {"limit": 5})
    assert error(response, 400) == "page: This field is required."


# --- page: order ----------------------------------------------------------------------------


@pytest.fixture
def varied(db):
    """Outreaches whose every orderable field differs (and has a value)."""
    rows = []
    for n, (kind, status) in enumerate(
        [
            ("LinkedIn_DirectMessage", "running"),
            ("GMail_DirectMessage", "pending"),
            ("Facebook_FriendRequest", "failed"),
            ("Postmark_DirectMessage", "performed"),
        ]
    ):
        outreach = OutreachFactory(
            outreach_type=kind,
            channel={"L": "linkedin", "G": "email", "F": "facebook", "P": "email"}[kind[0]],
            tag=TagFactory(name=f"tag{3 - n}"),
            job=JobFactory(),
            subject=f"subject {n * 7 % 4}",
            approved=n % 2 == 0,
            delivery=status,
            message_id=f"<{n}@x>" if kind[0] in "GP" else "",
        )
        rows.append(outreach)
    return rows


@pytest.mark.parametrize("order", sorted(ORDER_FIELDS))
@pytest.mark.parametrize("asc", [True, False])
def test_page_orders_by_any_record_field(api, varied, order, asc):
    column = ORDER_FIELDS[order]
    key = F(column).asc(nulls_last=True) if asc else F(column).desc(nulls_last=True)
    tie = F("id").asc() if asc else F("id").desc()
    expected = [
        f"out_{pk}" for pk in Outreach.objects.order_by(key, tie).values_list("pk", flat=True)
    ]
    answer = page(api, order=order, asc=asc).json()
    assert [r["id"] for r in answer["results"]] == expected


def test_page_order_by_subject_both_ways(api):
    for subject in ("b", "c", "a"):
        OutreachFactory(subject=subject)
    up = page(api, order="subject").json()["results"]
    down = page(api, order=":SUBJECT", asc="false").json()["results"]
    assert [r["subject"] for r in up] == ["a", "b", "c"]
    assert [r["subject"] for r in down] == ["c", "b", "a"]


# --- page: filters --------------------------------------------------------------------------


@pytest.fixture
def pair(db, important_lead):
    """`match` differs from `other` in every filterable field."""
    match = OutreachFactory(
        outreach_type="GMail_DirectMessage",
        channel="email",
        delivery="running",
        approved=True,
        skip_repliers="global",
        direction="incoming",
        tag=important_lead,
        subject="Special Offer",
        body="<p>Hi</p>",
        body_type="html",
        error_description="rate limited",
        screenshot_url="https://example.com/s.png",
        message_id="<m@x>",
        reply_to_message_id="<r@x>",
        job=JobFactory(),
    )
    other = OutreachFactory(channel="phone")
    return match, other


@pytest.mark.parametrize("field", sorted(FILTER_PARAMS))
def test_page_filters_on_every_record_field(api, pair, field):
    match, _other = pair
    record = page(api, filters={"id": match.public_id}).json()["results"][0]
    answer = page(api, filters={field: record[field]}).json()
    assert answer["count"] == 1, (field, record[field])
    assert answer["results"][0]["id"] == match.public_id


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": ":RUNNING"}, 1),
        ({"status": "pending"}, 1),
        ({"approved": True}, 1),
        ({"approved": "false"}, 1),
        ({"outreach_type": "gmail_directmessage", "approved": True}, 1),
        ({"outreach_type": "GMail_DirectMessage", "approved": False}, 0),
        ({"subject": ""}, 2),
        ({}, 2),
    ],
)
def test_page_filter_values_are_read_like_the_api_reads_them(api, pair, filters, expected):
    assert page(api, filters=filters).json()["count"] == expected


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (
            {"color": "red"},
            "filters.color: Not a field to filter on. Use one of: "
            + ", ".join(FILTER_PARAMS)
            + ".",
        ),
        (
            {"status": "sent"},
            "filters.status: Select a valid choice. sent is not one of the available choices.",
        ),
        ({"approved": "maybe"}, "filters.approved: Use true or false."),
        (
            {"id": "123e4567-e89b-12d3-a456-426614174000"},
            "filters.id: Not a valid id: expected the form out_<number>.",
        ),
        (
            {"person_id": "out_1"},
            "filters.person_id: Not a valid id: expected the form per_<number>.",
        ),
        ({"tag": ["a", "b"]}, "filters.tag: Give one value: a string, a number or a boolean."),
        ({"tag": None}, "filters.tag: Give one value: a string, a number or a boolean."),
    ],
)
def test_page_bad_filters_are_400_naming_them(api, filters, message):
    assert error(page(api, filters=filters), 400) == message


# --- queries ------------------------------------------------------------------------------


def test_page_query_count_does_not_grow_with_the_page(api, important_lead):
    for _ in range(200):
        OutreachFactory(tag=important_lead, job=None)
    counts = []
    for limit in (1, 200):
        with CaptureQueriesContext(connection) as queries:
            answer = page(api, limit=limit, order="tag").json()
        assert len(answer["results"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4


# --- OpenAPI ------------------------------------------------------------------------------


def test_openapi_documents_the_compat_endpoints(api):
    schema = api.get("/api/schema?format=json").json()
    for prefix in PREFIXES:
        for endpoint, success in (
            ("insert.json", "CompatRecordResponse"),
            ("update.json", "CompatRecordResponse"),
            ("page.json", "CompatPageResponse"),
        ):
            item = schema["paths"][f"{prefix}{endpoint}"]
            assert set(item) == {"post"}
            operation = item["post"]
            assert operation["tags"] == ["MassProspecting-compatible API"]
            responses = operation["responses"]
            ok = responses["200"]["content"]["application/json"]["schema"]["$ref"]
            assert ok.endswith(f"/{success}")
            for code in ("400", "401", "409"):
                ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/CompatError")
    record = schema["components"]["schemas"]["CompatOutreach"]["properties"]
    assert set(record) == RECORD_KEYS
    insert_body = schema["components"]["schemas"]["CompatInsertBareRequest"]
    assert {"outreach_type", "status"} <= set(insert_body["required"])
    assert "api_key" in insert_body["properties"]
    page_body = schema["components"]["schemas"]["CompatPageBodyRequest"]
    assert page_body["required"] == ["page"]


def test_records_without_a_type_are_listed_but_cannot_be_given_one_of_none(api):
    outreach = OutreachFactory(outreach_type=None)
    record = page(api).json()["results"][0]
    assert record["outreach_type"] is None
    response = post(
        api, "/ajax/outreach/update.json", {"id": outreach.public_id, "outreach_type": None}
    )
    assert error(response, 400) == "outreach_type: This field may not be null."
    ok = post(api, "/ajax/outreach/update.json", {"id": outreach.public_id, "subject": "s"})
    assert ok.json()["result"]["outreach_type"] is None
