"""The role table: every role × every kind of write, through the API (the services check, so the
dashboard, the admin's actions and the compatibility endpoints answer alike)."""

import json

import pytest

from core.errors import Conflict, Forbidden
from tests.factories import CompanyFactory, OutreachFactory, UserFactory, default_workspace
from workspaces.models import Membership
from workspaces.services import member_deactivate, member_set_role

pytestmark = pytest.mark.django_db

ROLES = ["viewer", "rep", "manager", "admin"]
EVERYONE_WHO_WRITES = {"rep", "manager", "admin"}
MANAGERS = {"manager", "admin"}


def _create_person(api, me, other):
    return api.post("/api/people", {"first_name": "Ada"}, format="json")


def _edit_company(api, me, other):
    company = CompanyFactory(owner=other)
    return api.patch(f"/api/companies/{company.public_id}", {"domain": "x.example"}, format="json")


def _delete_own_company(api, me, other):
    return api.delete(f"/api/companies/{CompanyFactory(owner=me).public_id}")


def _delete_others_company(api, me, other):
    return api.delete(f"/api/companies/{CompanyFactory(owner=other).public_id}")


def _delete_others_outreach(api, me, other):
    outreach = OutreachFactory(company=CompanyFactory(owner=other), person=None)
    return api.delete(f"/api/outreaches/{outreach.public_id}")


def _transition(api, me, other):
    return api.patch(f"/api/outreaches/{OutreachFactory().public_id}/cancel", {}, format="json")


def _batch(api, me, other):
    ids = [o.public_id for o in OutreachFactory.create_batch(2)]
    return api.patch("/api/outreaches/batch_start_enrichment", {"outreach_ids": ids}, format="json")


def _compat_insert(api, me, other):
    body = {"desc": {"outreach_type": "GMail_DirectMessage", "status": "pending", "subject": "Hi"}}
    return api.post("/ajax/outreach/insert.json", json.dumps(body), content_type="application/json")


def _own_company(api, me, other):
    return api.post("/api/companies", {"name": "Mine", "owner_id": f"usr_{me.pk}"}, format="json")


def _others_company(api, me, other):
    return api.post(
        "/api/companies", {"name": "Theirs", "owner_id": f"usr_{other.pk}"}, format="json"
    )


def _approve(api, me, other):
    outreach = OutreachFactory()
    return api.patch(f"/api/outreaches/{outreach.public_id}", {"approved": True}, format="json")


def _sequence(api, me, other):
    return api.post("/api/sequences", {"name": "Cadence"}, format="json")


def _tag(api, me, other):
    return api.post("/api/tags", {"name": "warm"}, format="json")


def _audit(api, me, other):
    return api.get("/api/audit")


# kind → (write, the roles that may)
TABLE = {
    "create a person": (_create_person, EVERYONE_WHO_WRITES),
    "edit a company": (_edit_company, EVERYONE_WHO_WRITES),
    "delete their own company": (_delete_own_company, EVERYONE_WHO_WRITES),
    "delete another's company": (_delete_others_company, MANAGERS),
    "delete another's outreach": (_delete_others_outreach, MANAGERS),
    "run a transition": (_transition, EVERYONE_WHO_WRITES),
    "run a batch": (_batch, EVERYONE_WHO_WRITES),
    "insert through the compatible API": (_compat_insert, EVERYONE_WHO_WRITES),
    "own a company": (_own_company, EVERYONE_WHO_WRITES),
    "give a company to another": (_others_company, MANAGERS),
    "approve an outreach": (_approve, MANAGERS),
    "create a sequence": (_sequence, MANAGERS),
    "create a tag": (_tag, MANAGERS),
    "read the audit log": (_audit, MANAGERS),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(TABLE))
def test_the_role_table(client_for, role, kind):
    write, allowed = TABLE[kind]
    me = UserFactory(username=f"the-{role}", membership__role=role)
    other = UserFactory(username="someone-else", membership__role="rep")
    response = write(client_for(me), me, other)
    if role in allowed:
        assert response.status_code < 300, (kind, role, response.content)
    else:
        assert response.status_code == 403, (kind, role, response.content)
        body = response.json()
        message = body.get("detail") or body.get("status")
        assert message.startswith(f"A {role} may"), message


def test_only_admins_change_roles(client_for, user):
    manager = UserFactory(username="manny", membership__role="manager")
    rep = UserFactory(username="rita", membership__role="rep")
    with pytest.raises(Forbidden, match="A manager may not change roles"):
        member_set_role(
            workspace_id=default_workspace().pk, user_id=rep.pk, role="admin", actor=manager
        )
    member_set_role(workspace_id=default_workspace().pk, user_id=rep.pk, role="manager", actor=user)
    assert Membership.objects.get(user=rep).role == "manager"


def test_the_last_admin_cannot_step_down(user):
    rep = UserFactory(username="rita", membership__role="rep")
    with pytest.raises(Conflict, match="at least one admin"):
        member_set_role(
            workspace_id=default_workspace().pk, user_id=user.pk, role="rep", actor=None
        )
    member_deactivate(workspace_id=default_workspace().pk, user_id=rep.pk, actor=user)
    rep.refresh_from_db()
    assert not rep.is_active
