"""The team's pages: members (admins), invites, the audit log (admins and managers), the header,
buttons by role, and the page for a user without a workspace."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.factories import (
    CompanyFactory,
    FollowUpFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    UserFactory,
    WorkspaceFactory,
)
from workspaces.models import AuditEntry, Membership

pytestmark = pytest.mark.django_db


def logged_in(client, **kwargs):
    user = UserFactory(**kwargs)
    client.force_login(user)
    return user


def test_the_header_names_the_workspace_and_role(dash):
    page = dash.get("/").content.decode()
    assert "Test desk · admin" in page
    assert 'href="/members/"' in page  # the Team section, whose tabs lead to the audit log
    assert 'href="/audit/"' in dash.get("/members/").content.decode()


def test_members_lists_only_our_members(dash, user):
    UserFactory(username="bob", membership__role="rep")
    UserFactory(username="mallory", membership__workspace=WorkspaceFactory(name="Elsewhere"))
    page = dash.get("/members/").content.decode()
    assert "bob" in page and "alice" in page and "mallory" not in page


@pytest.mark.parametrize("role", ["viewer", "rep", "manager"])
def test_only_admins_manage_members(client, role):
    logged_in(client, membership__role=role)
    assert client.get("/members/").status_code == 403
    assert client.post("/members/", {"username": "x"}).status_code == 403
    assert 'href="/members/"' not in client.get("/").content.decode()


def test_an_admin_adds_a_member_with_a_password(dash, client):
    response = dash.post(
        "/members/",
        {"username": "carol", "password": "a-long-passphrase", "role": "manager"},
        follow=True,
    )
    assert "carol can now sign in, as manager." in response.content.decode()
    assert Membership.objects.get(user__username="carol").role == "manager"
    client.logout()
    assert client.login(username="carol", password="a-long-passphrase")


def test_a_taken_username_or_weak_password_is_shown_on_the_form(dash):
    page = dash.post("/members/", {"username": "alice", "password": "x", "role": "rep"})
    assert page.status_code == 200
    assert "The username &#x27;alice&#x27; is taken." in page.content.decode()


def test_an_admin_changes_a_role_and_deactivates(dash):
    bob = UserFactory(username="bob", membership__role="rep")
    dash.post(f"/members/usr_{bob.pk}/role/", {"role": "viewer"})
    assert Membership.objects.get(user=bob).role == "viewer"
    dash.post(f"/members/usr_{bob.pk}/deactivate/")
    bob.refresh_from_db()
    assert not bob.is_active
    assert AuditEntry.objects.filter(action="role_change", object_id=f"usr_{bob.pk}").exists()


def test_the_last_admin_is_kept(dash, user):
    response = dash.post(f"/members/usr_{user.pk}/role/", {"role": "rep"}, follow=True)
    assert "at least one admin" in response.content.decode()
    assert Membership.objects.get(user=user).role == "admin"


def test_another_workspaces_member_cannot_be_touched(dash):
    other = UserFactory(membership__workspace=WorkspaceFactory(name="Elsewhere"))
    response = dash.post(f"/members/usr_{other.pk}/deactivate/", follow=True)
    assert "No such member." in response.content.decode()
    other.refresh_from_db()
    assert other.is_active


def test_an_invite_link_works_once(dash, client):
    response = dash.post("/members/invite/", {"role": "viewer"}, follow=True)
    link = re.search(r"http://testserver(/invite/[\w-]+/)", response.content.decode()).group(1)
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "Join Test desk" in page.content.decode()
    joined = client.post(
        link,
        {
            "username": "dora",
            "password": "a-long-passphrase",
            "password_again": "a-long-passphrase",
        },
    )
    assert joined.status_code == 302
    assert Membership.objects.get(user__username="dora").role == "viewer"
    assert client.get("/").status_code == 200  # signed in
    client.logout()
    assert client.get(link).status_code == 404


def test_an_unknown_invite_is_a_friendly_404(client):
    page = client.get("/invite/nope/")
    assert page.status_code == 404
    assert "This invite link does not work" in page.content.decode()


def test_the_audit_page_filters(dash, user):
    company = CompanyFactory(owner=user)
    dash.post(
        f"/companies/{company.public_id}/edit/", {"name": "Renamed", "domain": "", "owner": ""}
    )
    page = dash.get("/audit/", {"action": "update"}).content.decode()
    assert company.public_id in page and "Renamed" in page
    assert company.public_id not in dash.get("/audit/", {"action": "delete"}).content.decode()


@pytest.mark.parametrize("role,status", [("viewer", 403), ("rep", 403), ("manager", 200)])
def test_the_audit_page_is_for_managers_and_admins(client, role, status):
    logged_in(client, membership__role=role)
    assert client.get("/audit/").status_code == status


def test_a_viewer_sees_no_buttons_it_may_not_use(client):
    logged_in(client, membership__role="viewer")
    outreach = OutreachFactory()
    for path, label in [
        ("/people/", "New person"),
        ("/companies/", "New company"),
        ("/outreaches/", "New outreach"),
        (f"/outreaches/{outreach.public_id}/", ">Delete<"),
        ("/sequences/", "New sequence"),
    ]:
        assert label not in client.get(path).content.decode(), path
    refused = client.post(f"/outreaches/{outreach.public_id}/delete/", follow=True)
    assert "A viewer may not delete outreaches." in refused.content.decode()
    assert type(outreach)._base_manager.filter(pk=outreach.pk).exists()


def test_an_admin_sees_them(dash):
    outreach = OutreachFactory()
    assert "New person" in dash.get("/people/").content.decode()
    assert "New company" in dash.get("/companies/").content.decode()
    detail = dash.get(f"/outreaches/{outreach.public_id}/").content.decode()
    assert ">Delete<" in detail and 'id="update-heading"' in detail


def test_a_viewer_sees_no_edit_buttons_on_detail_pages(client):
    logged_in(client, membership__role="viewer")
    person = PersonFactory()
    outreach = OutreachFactory(person=person)
    sequence = SequenceFactory()
    pages = {
        f"/people/{person.public_id}/": f"/people/{person.public_id}/edit/",
        f"/companies/{person.company.public_id}/": f"/companies/{person.company.public_id}/edit/",
        f"/sequences/{sequence.public_id}/": f"/sequences/{sequence.public_id}/edit/",
        f"/outreaches/{outreach.public_id}/": 'id="update-heading"',
    }
    for path, edit in pages.items():
        page = client.get(path)
        assert page.status_code == 200, path
        assert edit not in page.content.decode(), path


@pytest.mark.parametrize("role,shown", [("viewer", False), ("rep", True)])
def test_follow_up_buttons_follow_the_role(client, role, shown):
    logged_in(client, membership__role=role)
    FollowUpFactory(title="Call Zed", due_at=timezone.now() - timedelta(hours=1))
    page = client.get("/followups/").content.decode()
    assert "Call Zed" in page
    assert ("Done: Call Zed" in page) is shown


def test_a_user_without_a_workspace_is_told_so(client):
    logged_in(client, username="loner", membership=False)
    response = client.get("/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You are not a member of any workspace yet" in page
    assert 'action="/logout/"' in page and "Sign out" in page
    assert 'href="/outreaches/"' not in page  # no nav into pages that would refuse them
    assert client.get("/outreaches/").status_code == 403
    assert get_user_model().objects.filter(username="loner").exists()


def test_a_viewer_reads_the_list_without_the_batch_bar(client):
    logged_in(client, membership__role="viewer")
    outreach = OutreachFactory()
    page = client.get("/outreaches/").content.decode()
    assert outreach.public_id in page
    assert 'id="batch-form"' not in page


def test_the_audit_page_filters_by_actor_with_the_apis_filters(dash, user):
    bob = UserFactory(username="bob", membership__role="rep")
    company = CompanyFactory(owner=user)
    dash.post(
        f"/companies/{company.public_id}/edit/", {"name": "Renamed", "domain": "", "owner": ""}
    )
    page = dash.get("/audit/").content.decode()
    assert f'value="usr_{bob.pk}"' in page  # members to pick from
    assert company.public_id in dash.get("/audit/", {"actor": f"usr_{user.pk}"}).content.decode()
    mine = dash.get("/audit/", {"actor": f"usr_{bob.pk}"}).content.decode()
    assert company.public_id not in mine


def test_the_audit_page_reads_changes_in_words(dash, api, user):
    """Field names and choice values as people read them, not as the code names them."""
    outreach = OutreachFactory()
    path = f"/api/outreaches/{outreach.public_id}"
    assert api.patch(path, {"outcome": "no_response"}, format="json").status_code == 200
    page = dash.get("/audit/", {"object_id": outreach.public_id}).content.decode()
    assert "no_response" not in page and "<strong>outcome</strong>" not in page
    assert "<strong>Outcome</strong>: None → No response" in page
