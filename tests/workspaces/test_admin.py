"""The Django admin is the staff's one view across workspaces."""

import pytest

from contacts.models import Company
from workspaces.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_staff_see_every_workspace_and_filter_by_one(admin_client, ours, theirs):
    page = admin_client.get("/admin/contacts/company/").content.decode()
    assert "Ours Corp" in page and "Theirs Corp" in page
    filtered = admin_client.get(
        f"/admin/contacts/company/?workspace__id__exact={theirs.workspace.pk}"
    )
    assert "Theirs Corp" in filtered.content.decode()
    assert "Ours Corp" not in filtered.content.decode()


def test_a_record_added_in_the_admin_lands_in_the_chosen_workspace(admin_client, theirs):
    response = admin_client.post(
        "/admin/contacts/company/add/", {"workspace": theirs.workspace.pk, "name": "Added"}
    )
    assert response.status_code == 302
    assert Company._base_manager.get(name="Added").workspace_id == theirs.workspace.pk


def test_audit_entries_cannot_be_changed_even_by_staff(admin_client, ours, api):
    api.patch(f"/api/companies/{ours.company.public_id}", {"name": "Renamed"}, format="json")
    entry = AuditEntry.objects.get(action="update")
    assert admin_client.get("/admin/workspaces/auditentry/").status_code == 200
    assert admin_client.get("/admin/workspaces/auditentry/add/").status_code == 403
    change = admin_client.post(f"/admin/workspaces/auditentry/{entry.pk}/change/", {"action": "x"})
    assert change.status_code in (200, 403)
    entry.refresh_from_db()
    assert entry.action == "update"
    delete = admin_client.post(f"/admin/workspaces/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
