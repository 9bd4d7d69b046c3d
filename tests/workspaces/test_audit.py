"""The audit log: written with the change, in bulk for batches, outliving its objects, secrets
redacted, sign-ins included; read at /api/audit by admins and managers."""

import pytest
from django.db import transaction

from tests.factories import CompanyFactory, OutreachFactory, UserFactory
from workspaces import audit
from workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db


def entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def test_a_single_write_records_who_what_and_the_changed_fields(api, user):
    company = CompanyFactory(name="Acme", domain="acme.example", owner=user)
    api.patch(
        f"/api/companies/{company.public_id}",
        {"name": "Acme Ltd", "domain": "acme.example"},
        format="json",
        REMOTE_ADDR="10.1.2.3",
    )
    (entry,) = entries(action="update")
    assert (entry.actor, entry.actor_name, entry.object_type, entry.object_id) == (
        user,
        "alice",
        "company",
        company.public_id,
    )
    assert entry.changes == {"name": ["Acme", "Acme Ltd"]}  # the unchanged domain is left out
    assert entry.ip == "10.1.2.3"
    assert entry.workspace_id == company.workspace_id


def test_a_create_records_the_values_given(api, user):
    response = api.post(
        "/api/people", {"first_name": "Ada", "email": "ADA@x.example"}, format="json"
    )
    (entry,) = entries(action="create", object_type="person")
    assert entry.object_id == response.json()["id"]
    assert entry.changes["email"] == [None, response.json()["email"]]


def test_a_batch_writes_one_entry_per_object_in_one_statement(api, user, django_assert_num_queries):
    outreaches = OutreachFactory.create_batch(3)
    ids = [o.public_id for o in outreaches]
    api.patch("/api/outreaches/batch_start_enrichment", {"outreach_ids": ids}, format="json")
    batch = entries(action="transition", object_type="outreach")
    assert [e.object_id for e in batch] == ids
    assert batch[0].changes == {
        "current_state": ["new", "enrichment"],
        "transition": [None, "start_enrichment"],
    }
    assert {e.actor_id for e in batch} == {user.pk}
    assert len({e.created_at for e in batch}) == 1


def test_an_entry_outlives_the_deleted_object(api, user):
    outreach = OutreachFactory(company=CompanyFactory(owner=user))
    api.delete(f"/api/outreaches/{outreach.public_id}")
    (entry,) = entries(action="delete")
    assert entry.object_id == outreach.public_id
    listed = api.get("/api/audit", {"object_id": outreach.public_id}).json()["items"]
    assert [item["action"] for item in listed] == ["delete"]


def test_a_refused_change_leaves_no_entry(api, user):
    outreach = OutreachFactory(state="ready")
    api.patch(f"/api/outreaches/{outreach.public_id}/wait", {}, format="json")  # 409
    assert not entries(object_id=outreach.public_id)


def test_an_entry_is_rolled_back_with_its_change(user):
    company = CompanyFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=user, action="update", obj=company, changes={"name": ["a", "b"]})
        raise RuntimeError
    assert not entries()


def test_secrets_are_redacted():
    changes = audit.diff(
        {"smtp_password": "old", "api_token": "t1", "name": "a"},
        {"smtp_password": "new", "api_token": "t2", "name": "b"},
    )
    assert changes == {
        "smtp_password": ["[redacted]", "[redacted]"],
        "api_token": ["[redacted]", "[redacted]"],
        "name": ["a", "b"],
    }


def test_sign_in_attempts_are_recorded(client, user):
    client.post("/login/", {"username": "alice", "password": "wrong"})
    client.post("/login/", {"username": "alice", "password": "pass-word-123"})
    assert [(e.action, e.actor_name) for e in entries(object_type="user")] == [
        ("sign_in_failed", "alice"),
        ("sign_in", "alice"),
    ]
    assert {e.workspace_id for e in entries(object_type="user")} == {user.membership.workspace_id}


def test_the_api_filters_and_uses_the_list_envelope(api, user):
    bob = UserFactory(username="bob")
    first = CompanyFactory()
    audit.record(actor=bob, action="update", obj=first, changes={"name": ["a", "b"]})
    audit.record(actor=user, action="delete", obj=CompanyFactory(), changes={})
    body = api.get("/api/audit", {"actor": f"usr_{bob.pk}"}).json()
    assert body["pagination"]["total_count"] == 1
    (item,) = body["items"]
    assert item["actor_id"] == f"usr_{bob.pk}" and item["actor"] == "bob"
    assert item["object_id"] == first.public_id and item["changes"] == {"name": ["a", "b"]}
    assert [i["action"] for i in api.get("/api/audit", {"action": "delete"}).json()["items"]] == [
        "delete"
    ]
    assert api.get("/api/audit", {"since": "2999-01-01T00:00:00Z"}).json()["items"] == []


@pytest.mark.parametrize(
    "params,field",
    [
        ({"action": "explode"}, "action"),
        ({"since": "yesterday"}, "since"),
        ({"actor": "x"}, "actor"),
    ],
)
def test_bad_filters_are_400_naming_the_field(api, params, field):
    response = api.get("/api/audit", params)
    assert response.status_code == 400
    assert field in response.json()


def test_entries_cannot_be_written_through_the_api(api):
    assert api.post("/api/audit", {}, format="json").status_code == 405


def test_another_workspaces_entries_are_not_listed(api, theirs):
    audit.record(actor=theirs.member, action="update", obj=theirs.company, changes={})
    listed = api.get("/api/audit").json()["items"]
    assert theirs.company.public_id not in {item["object_id"] for item in listed}


@pytest.mark.parametrize("role,status", [("viewer", 403), ("rep", 403), ("manager", 200)])
def test_admins_and_managers_read_it(client_for, role, status):
    response = client_for(UserFactory(membership__role=role)).get("/api/audit")
    assert response.status_code == status
    if status == 403:
        assert response.json() == {"detail": f"A {role} may not read the audit log."}


def test_a_tag_with_the_longest_name_is_audited_by_name(api):
    name = "t" * 100
    assert api.post("/api/tags", {"name": name}, format="json").status_code == 201
    assert AuditEntry.objects.get(action="create", object_type="tag").object_id == name
