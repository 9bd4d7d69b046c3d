"""The REST contract for outreaches: /api/outreaches."""

import json
from unittest.mock import ANY

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outreach.models import Outreach, OutreachTransition
from tests.factories import (
    CompanyFactory,
    JobFactory,
    MailboxFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    TagFactory,
    UserFactory,
)
from tests.support.api import ResourceCases

pytestmark = pytest.mark.django_db

CONTRACT_ITEM_KEYS = {"id", "channel", "person_id", "sequence_id", "current_state"}
PAGINATION_KEYS = {"current_page", "per_page", "total_pages", "total_count"}


def ids_of(response):
    return [item["id"] for item in response.json()["items"]]


class TestOutreachesResource(ResourceCases):
    path = "/api/outreaches"
    prefix = "out"
    create_payload = {"channel": "email"}

    @staticmethod
    def make():
        return OutreachFactory(sequence=SequenceFactory(), tag=TagFactory(), job=JobFactory())


# --- the REST contract's examples, replayed -----------------------------------------------------


def test_list_example(api):
    sequence = SequenceFactory()
    for _ in range(55):
        OutreachFactory(state="ready", sequence=sequence)
    OutreachFactory(state="new")
    response = api.get("/api/outreaches?status=ready&sort=company&direction=asc&page=1&per=50")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "pagination"}
    assert body["pagination"] == {
        "next_cursor": ANY,
        "current_page": 1,
        "per_page": 50,
        "total_pages": 2,
        "total_count": 55,
    }
    assert len(body["items"]) == 50
    item = body["items"][0]
    assert set(item) >= CONTRACT_ITEM_KEYS
    assert item["id"].startswith("out_")
    assert item["person_id"].startswith("per_")
    assert item["sequence_id"] == sequence.public_id
    assert {i["current_state"] for i in body["items"]} == {"ready"}
    names = [Outreach.objects.get(pk=int(i["id"][4:])).company.name for i in body["items"]]
    assert names == sorted(names)


def test_detail_example(api):
    outreach = OutreachFactory(state="ready", sequence=SequenceFactory())
    response = api.get(f"/api/outreaches/{outreach.public_id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= CONTRACT_ITEM_KEYS
    assert body["id"] == outreach.public_id
    assert body["channel"] == "email"
    assert body["current_state"] == "ready"


def test_patch_example_assigns_and_null_removes(api):
    outreach = OutreachFactory()
    sequence = SequenceFactory()
    response = api.patch(
        f"/api/outreaches/{outreach.public_id}",
        data=json.dumps({"sequence_id": sequence.public_id}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["sequence_id"] == sequence.public_id
    assert set(response.json()) >= CONTRACT_ITEM_KEYS

    response = api.patch(
        f"/api/outreaches/{outreach.public_id}", {"sequence_id": None}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["sequence_id"] is None
    assert Outreach.objects.get(pk=outreach.pk).sequence_id is None


def test_patch_example_as_form_body(api):
    outreach = OutreachFactory()
    sequence = SequenceFactory()
    response = api.patch(
        f"/api/outreaches/{outreach.public_id}",
        data=f"sequence_id={sequence.public_id}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert response.json()["sequence_id"] == sequence.public_id


def test_start_enrichment_example(api, user):
    outreach = OutreachFactory()
    response = api.patch(f"/api/outreaches/{outreach.public_id}/start_enrichment")
    assert response.status_code == 200
    assert response.json()["id"] == outreach.public_id
    assert response.json()["current_state"] == "enrichment"
    row = OutreachTransition.objects.get(outreach=outreach)
    assert (row.from_state, row.to_state, row.actor) == ("new", "enrichment", user)


def test_batch_assign_example(api):
    outreaches = OutreachFactory.create_batch(3)
    sequence = SequenceFactory(name="Welcome Sequence")
    response = api.patch(
        "/api/outreaches/batch_assign",
        {"outreach_ids": [o.public_id for o in outreaches], "sequence_id": sequence.public_id},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "updated_count": 3,
        "sequence_name": "Welcome Sequence",
        "not_found": [],
    }


def test_batch_start_enrichment_example(api):
    outreaches = OutreachFactory.create_batch(3)
    response = api.patch(
        "/api/outreaches/batch_start_enrichment",
        {"outreach_ids": [o.public_id for o in outreaches]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["success_count"] == 3
    assert response.json()["skipped"] == []


# --- list: filters, sorting, pagination ----------------------------------------------------------


def test_each_filter(api):
    owner = UserFactory()
    company = CompanyFactory(owner=owner)
    person = PersonFactory(company=company, first_name="Zelda", last_name="Quist")
    sequence = SequenceFactory()
    job = JobFactory()
    tag = TagFactory(name="vip")
    target = OutreachFactory(
        person=person,
        company=company,
        sequence=sequence,
        job=job,
        tag=tag,
        channel="linkedin",
        outcome="replied",
        approved=True,
        outreach_type="LinkedIn_DirectMessage",
        state="ready",
        delivery="running",
    )
    OutreachFactory.create_batch(3)
    cases = {
        "channel=LINKEDIN": [target],
        "person_id=" + person.public_id: [target],
        "company_id=" + company.public_id: [target],
        "sequence_id=" + sequence.public_id: [target],
        "job_id=" + job.public_id: [target],
        "status=ready": [target],
        "owner=" + f"usr_{owner.pk}": [target],
        "delivery_status=:running": [target],
        "outcome=replied": [target],
        "outreach_type=linkedin_directmessage": [target],
        "tag=vip": [target],
        "approved=true": [target],
        "q=zelda": [target],
        "q=zelda quist": [target],
        "q=" + company.name: [target],
    }
    for query, expected in cases.items():
        response = api.get(f"/api/outreaches?{query}")
        assert response.status_code == 200, (query, response.json())
        assert ids_of(response) == [o.public_id for o in expected], query
    assert len(ids_of(api.get("/api/outreaches?approved=false"))) == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("channel=fax", "channel"),
        ("person_id=out_1", "person_id"),
        ("person_id=per_x", "person_id"),
        ("company_id=123", "company_id"),
        ("sequence_id=seq_", "sequence_id"),
        ("job_id=job_-1", "job_id"),
        ("status=done", "status"),
        ("owner=alice", "owner"),
        ("delivery_status=lost", "delivery_status"),
        ("outcome=maybe", "outcome"),
        ("outreach_type=Fax_Message", "outreach_type"),
        ("approved=perhaps", "approved"),
        ("sort=created_at", "sort"),
        ("direction=up", "direction"),
        ("q=" + "x" * 201, "q"),
        ("person_id=per_99999999999999999999999", "person_id"),
    ],
)
def test_bad_parameter_is_400_naming_it(api, query, field):
    response = api.get(f"/api/outreaches?{query}")
    assert response.status_code == 400
    assert field in response.json(), response.json()


@pytest.mark.parametrize("sort", ["channel", "company", "status", "sequence", "owner"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sort_keys_order_rows_and_break_ties_by_id(api, sort, direction):
    owners = [UserFactory(username=f"owner{i}") for i in range(2)]
    companies = [CompanyFactory(name=f"Co {i}", owner=owners[i % 2]) for i in range(3)]
    sequences = [SequenceFactory(name=f"Seq {i}") for i in range(2)]
    channels = ["email", "phone", "linkedin"]
    states = ["new", "ready", "waiting"]
    for i in range(12):
        company = companies[i % 3]
        OutreachFactory(
            person=PersonFactory(company=company),
            company=company,
            sequence=sequences[i % 2],
            channel=channels[i % 3],
            state=states[i % 3],
        )
    key = {
        "channel": lambda o: o.channel,
        "company": lambda o: o.company.name,
        "status": lambda o: o.current_state,
        "sequence": lambda o: o.sequence.name,
        "owner": lambda o: o.company.owner.username,
    }[sort]
    expected = sorted(Outreach.objects.all(), key=lambda o: (key(o), o.pk))
    if direction == "desc":
        expected.reverse()
    pages = []
    for page in (1, 2, 3):
        response = api.get(f"/api/outreaches?sort={sort}&direction={direction}&per=5&page={page}")
        assert response.status_code == 200
        pages.extend(ids_of(response))
    assert pages == [o.public_id for o in expected]


def test_default_order_is_created_at_desc_and_direction_applies_without_sort(api):
    rows = OutreachFactory.create_batch(4)
    assert ids_of(api.get("/api/outreaches")) == [o.public_id for o in reversed(rows)]
    assert ids_of(api.get("/api/outreaches?direction=asc")) == [o.public_id for o in rows]


def test_ties_never_repeat_or_skip_across_pages(api):
    company = CompanyFactory(name="Same")
    rows = [
        OutreachFactory(person=PersonFactory(company=company), company=company) for _ in range(7)
    ]
    Outreach.objects.update(created_at=rows[0].created_at)  # every created_at equal
    seen = []
    for page in (1, 2, 3, 4):
        seen.extend(ids_of(api.get(f"/api/outreaches?per=2&page={page}")))
    assert sorted(seen) == sorted(o.public_id for o in rows)
    assert len(seen) == len(set(seen)) == 7


def test_the_last_page_holds_the_rest(api):
    OutreachFactory.create_batch(5)
    last = api.get("/api/outreaches?per=2&page=3").json()
    assert len(last["items"]) == 1
    assert last["pagination"] == {
        "next_cursor": ANY,
        "current_page": 3,
        "per_page": 2,
        "total_pages": 3,
        "total_count": 5,
    }


def test_list_query_count_is_the_same_for_one_and_two_hundred_rows(api):
    owner = UserFactory()
    company = CompanyFactory(owner=owner)
    sequence = SequenceFactory()
    tag = TagFactory()
    for _ in range(200):
        OutreachFactory(
            person=PersonFactory(company=company), company=company, sequence=sequence, tag=tag
        )
    counts = {}
    for per in (1, 200):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/api/outreaches?per={per}&sort=owner")
        assert response.status_code == 200
        assert len(response.json()["items"]) == per
        counts[per] = len(queries.captured_queries)
    assert counts[1] == counts[200]
    assert counts[200] <= 3  # token lookup, count, page


# --- create, update, delete ---------------------------------------------------------------------


def test_create_defaults_company_from_person_and_answers_201(api, user):
    person = PersonFactory()
    response = api.post(
        "/api/outreaches",
        {"person_id": person.public_id, "channel": "EMAIL", "personalization_score": 84.5},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["company_id"] == person.company.public_id
    assert body["owner_id"] == f"usr_{person.company.owner_id}"
    assert body["channel"] == "email"
    assert body["personalization_score"] == 85
    assert body["current_state"] == "new"
    assert body["delivery_status"] == "pending"
    assert body["outcome"] == "none"
    assert body["context"] == "other"
    assert Outreach.objects.get().created_by == user


def test_create_with_no_references_works(api):
    response = api.post("/api/outreaches", {"channel": "email"}, format="json")
    assert response.status_code == 201
    assert response.json()["person_id"] is None
    assert response.json()["personalization_score"] == 70


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"person_id": "per_999"}, "person_id"),
        ({"person_id": "out_1"}, "person_id"),
        ({"job_id": "job_999"}, "job_id"),
        ({"sequence_id": "seq_999"}, "sequence_id"),
        ({"company_id": 5}, "company_id"),
        ({"channel": "fax"}, "channel"),
        ({"channel": ["email"]}, "channel"),
        ({"personalization_score": 101}, "personalization_score"),
        ({"personalization_score": -1}, "personalization_score"),
        ({"personalization_score": "lots"}, "personalization_score"),
        ({"personalization_score": True}, "personalization_score"),
        ({"outcome": "great"}, "outcome"),
        ({"context": "party"}, "context"),
        ({"approved": "maybe"}, "approved"),
        ({"tag": "missing"}, "tag"),
        ({"screenshot_url": "javascript:alert(1)"}, "screenshot_url"),
        ({"screenshot_url": "ftp://example.com/x.png"}, "screenshot_url"),
        ({"sent_at": "yesterday"}, "sent_at"),
        ({"subject": "x" * 2000}, "subject"),
        ({"body": "x" * 100_001}, "body"),
        ({"outreach_type": "GMail_DirectMessage", "channel": "linkedin"}, "channel"),
        ({"channel": "email", "message_id": "<a@b>"}, "message_id"),
    ],
)
def test_create_bad_field_is_400_naming_it_and_writes_nothing(api, payload, field):
    response = api.post("/api/outreaches", payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert Outreach.objects.count() == 0


def test_outreach_type_implies_channel(api):
    response = api.post(
        "/api/outreaches", {"outreach_type": "postmark_directmessage"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["outreach_type"] == "Postmark_DirectMessage"
    assert response.json()["channel"] == "email"


def test_state_fields_are_not_writable_by_patch(api):
    outreach = OutreachFactory()
    response = api.patch(
        f"/api/outreaches/{outreach.public_id}",
        {"current_state": "waiting", "subject": "Hi"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["current_state"] == "new"
    assert response.json()["subject"] == "Hi"


def test_patch_bad_value_is_400_and_changes_nothing(api):
    outreach = OutreachFactory(subject="Before")
    response = api.patch(
        f"/api/outreaches/{outreach.public_id}",
        {"subject": "After", "channel": "pigeon"},
        format="json",
    )
    assert response.status_code == 400
    assert "channel" in response.json()
    assert Outreach.objects.get(pk=outreach.pk).subject == "Before"


def test_delete_answers_ids_and_removes_history(api, user):
    job = JobFactory()
    outreach = OutreachFactory(job=job)
    api.patch(f"/api/outreaches/{outreach.public_id}/start_enrichment")
    response = api.delete(f"/api/outreaches/{outreach.public_id}")
    assert response.status_code == 200
    assert response.json() == {
        "deleted_id": outreach.public_id,
        "job_id": job.public_id,
        "person_id": outreach.person.public_id,
    }
    assert not Outreach.objects.exists()
    assert not OutreachTransition.objects.exists()


# --- transitions over HTTP ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "state", "target"),
    [
        ("start_enrichment", "not_available", "enrichment"),
        ("complete_enrichment", "enrichment", "ready"),
        ("fail_enrichment", "enrichment", "not_available"),
        ("start", "ready", "starting"),
        ("wait", "starting", "waiting"),
        ("pause", "waiting", "paused"),
        ("resume", "paused", "waiting"),
        ("finish", "paused", "finished"),
    ],
)
def test_one_endpoint_per_transition(api, name, state, target):
    outreach = OutreachFactory(
        state=state, sequence=SequenceFactory(steps=1), approved=True, mailbox=MailboxFactory()
    )
    response = api.patch(
        f"/api/outreaches/{outreach.public_id}/{name}", {"reason": "checked"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["current_state"] == target
    row = OutreachTransition.objects.get(outreach=outreach)
    assert row.metadata == {"reason": "checked"}


def test_disallowed_transition_is_409_naming_both_states(api):
    outreach = OutreachFactory(state="waiting")
    response = api.patch(f"/api/outreaches/{outreach.public_id}/start_enrichment")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "'waiting'" in detail and "'enrichment'" in detail
    assert not OutreachTransition.objects.exists()


def test_start_without_sequence_is_409_saying_why(api):
    outreach = OutreachFactory(state="ready", approved=True)
    response = api.patch(f"/api/outreaches/{outreach.public_id}/start")
    assert response.status_code == 409
    assert "needs a sequence" in response.json()["detail"]


def test_transition_reason_too_long_is_400(api):
    outreach = OutreachFactory(state="enrichment")
    response = api.patch(
        f"/api/outreaches/{outreach.public_id}/fail_enrichment",
        {"reason": "x" * 1001},
        format="json",
    )
    assert response.status_code == 400
    assert "reason" in response.json()


def test_transitions_history_oldest_first(api, user):
    outreach = OutreachFactory()
    for name in ("start_enrichment", "fail_enrichment", "start_enrichment", "complete_enrichment"):
        assert api.patch(f"/api/outreaches/{outreach.public_id}/{name}").status_code == 200
    response = api.get(f"/api/outreaches/{outreach.public_id}/transitions")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["from_state"], i["to_state"]) for i in items] == [
        ("new", "enrichment"),
        ("enrichment", "not_available"),
        ("not_available", "enrichment"),
        ("enrichment", "ready"),
    ]
    assert items[0]["actor_id"] == f"usr_{user.pk}"
    assert items[0]["actor"] == "alice"
    assert set(items[0]) >= {"transition", "metadata", "created_at", "field"}
    assert response.json()["pagination"]["total_count"] == 4


# --- batch endpoints ----------------------------------------------------------------------------


def test_batch_ids_as_repeated_form_fields(api):
    outreaches = OutreachFactory.create_batch(3)
    body = "&".join(f"outreach_ids={o.public_id}" for o in outreaches)
    response = api.patch(
        "/api/outreaches/batch_start_enrichment",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert response.json()["success_count"] == 3


def test_batch_ids_as_comma_string_in_json_and_form(api):
    outreaches = OutreachFactory.create_batch(3)
    sequence = SequenceFactory()
    joined = ", ".join(o.public_id for o in outreaches)
    response = api.patch(
        "/api/outreaches/batch_assign",
        {"outreach_ids": joined, "sequence_id": sequence.public_id},
        format="json",
    )
    assert response.json()["updated_count"] == 3
    response = api.patch(
        "/api/outreaches/batch_start_enrichment",
        data=f"outreach_ids={joined}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.json()["success_count"] == 3


def test_batch_skipped_lists_reasons(api):
    fresh = OutreachFactory()
    busy = OutreachFactory(state="waiting")
    response = api.patch(
        "/api/outreaches/batch_start_enrichment",
        {"outreach_ids": [fresh.public_id, busy.public_id, "out_777777"]},
        format="json",
    )
    body = response.json()
    assert body.pop("batch_id").startswith("enb_")
    assert body == {
        "success_count": 1,
        "skipped": [
            {
                "id": busy.public_id,
                "reason": "state is 'waiting'; start_enrichment needs 'new' or 'not_available'",
            },
            {"id": "out_777777", "reason": "not found"},
        ],
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "outreach_ids"),
        ({"outreach_ids": []}, "outreach_ids"),
        ({"outreach_ids": ""}, "outreach_ids"),
        ({"outreach_ids": "out_1,bogus"}, "outreach_ids"),
        ({"outreach_ids": [1, 2]}, "outreach_ids"),
        ({"outreach_ids": {"a": 1}}, "outreach_ids"),
        ({"outreach_ids": ",".join(f"out_{i}" for i in range(1, 10_002))}, "outreach_ids"),
    ],
)
def test_batch_bad_ids_are_400(api, payload, field):
    sequence = SequenceFactory()
    for path, extra in (
        ("batch_start_enrichment", {}),
        ("batch_assign", {"sequence_id": sequence.public_id}),
    ):
        response = api.patch(f"/api/outreaches/{path}", payload | extra, format="json")
        assert response.status_code == 400, (path, response.json())
        assert field in response.json()


@pytest.mark.parametrize("sequence_id", [None, "seq_999", "bogus", ""])
def test_batch_assign_needs_a_real_sequence(api, sequence_id):
    outreach = OutreachFactory()
    payload = {"outreach_ids": [outreach.public_id]}
    if sequence_id is not None:
        payload["sequence_id"] = sequence_id
    response = api.patch("/api/outreaches/batch_assign", payload, format="json")
    assert response.status_code == 400
    assert "sequence_id" in response.json()
    assert Outreach.objects.get(pk=outreach.pk).sequence_id is None


def test_ten_thousand_ids_work_as_a_form_body(api):
    sequence = SequenceFactory()
    real = OutreachFactory.create_batch(3)
    ids = [o.public_id for o in real] + [f"out_{900_000 + i}" for i in range(9_997)]
    body = "&".join(f"outreach_ids={i}" for i in ids) + f"&sequence_id={sequence.public_id}"
    response = api.patch(
        "/api/outreaches/batch_assign",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert response.json()["updated_count"] == 3
    assert len(response.json()["not_found"]) == 9_997


# --- robustness ---------------------------------------------------------------------------------


def test_malformed_and_absurd_json_is_400(api):
    response = api.post("/api/outreaches", data="{not json", content_type="application/json")
    assert response.status_code == 400
    deep = "[" * 100_000 + "]" * 100_000
    response = api.post("/api/outreaches", data=deep, content_type="application/json")
    assert response.status_code == 400
    response = api.post("/api/outreaches", data="[1, 2]", content_type="application/json")
    assert response.status_code == 400


def test_megabyte_string_is_400_not_500(api):
    response = api.post("/api/outreaches", {"message_type": "x" * 1_000_000}, format="json")
    assert response.status_code == 400
    assert "message_type" in response.json()


def test_anonymous_cannot_run_a_transition(anon):
    outreach = OutreachFactory()
    assert anon.patch(f"/api/outreaches/{outreach.public_id}/start_enrichment").status_code == 401
    assert Outreach.objects.get(pk=outreach.pk).current_state == "new"
