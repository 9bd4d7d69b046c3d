"""`manage.py workspace create|add`."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import UserFactory
from workspaces.models import AuditEntry, Membership, Workspace

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("workspace", *args, stdout=out)
    return out.getvalue()


def test_create_makes_the_workspace_with_its_admin():
    UserFactory(username="ana", membership=False)
    out = run("create", "Acme agency", "--admin", "ana")
    workspace = Workspace.objects.get(name="Acme agency")
    assert out == f"Created workspace Acme agency ({workspace.public_id}).\n"
    assert Membership.objects.get(user__username="ana").role == "admin"
    assert AuditEntry.objects.filter(workspace=workspace, action="member_add").count() == 1


def test_add_puts_a_user_in_with_a_role_and_moves_them_if_needed():
    UserFactory(username="ana", membership=False)
    UserFactory(username="bo", membership=False)
    run("create", "One", "--admin", "ana")
    run("create", "Two", "--admin", "bo")
    UserFactory(username="cy", membership=False)
    assert run("add", "cy", "--to", "One", "--role", "viewer") == "cy is now viewer of One.\n"
    run("add", "cy", "--to", "Two", "--role", "manager")
    membership = Membership.objects.get(user__username="cy")
    assert (membership.workspace.name, membership.role) == ("Two", "manager")


@pytest.mark.parametrize(
    "args,message",
    [
        (("create", "X", "--admin", "nobody"), "No user named 'nobody'."),
        (("add", "ana", "--to", "Nowhere"), "No workspace named 'Nowhere'."),
        (("create", "Taken", "--admin", "ana"), "A workspace named 'Taken' already exists."),
    ],
)
def test_mistakes_are_named(args, message):
    UserFactory(username="ana", membership=False)
    Workspace.objects.create(name="Taken")
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_the_last_admin_cannot_be_moved_away():
    UserFactory(username="ana", membership=False)
    run("create", "One", "--admin", "ana")
    Workspace.objects.create(name="Two")
    with pytest.raises(CommandError, match="at least one admin"):
        run("add", "ana", "--to", "Two", "--role", "rep")
