"""The migration that brought workspaces puts existing data and users in "Default"."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("contacts", "0005_person_name_index"),
    ("outreach", "0007_outreach_autovacuum"),
    ("workspaces", "0001_initial"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_data_and_users_move_to_default():
    apps = _migrate(BEFORE)
    try:
        User = apps.get_model("auth", "User")
        staff = User.objects.create(username="boss", is_staff=True)
        User.objects.create(username="rep")
        Company = apps.get_model("contacts", "Company")
        Person = apps.get_model("contacts", "Person")
        Outreach = apps.get_model("outreach", "Outreach")
        Sequence = apps.get_model("outreach", "Sequence")
        company = Company.objects.create(name="Acme", owner=staff)
        person = Person.objects.create(first_name="Ada", company=company)
        Outreach.objects.create(person=person, company=company)
        Sequence.objects.create(name="Cadence")

        apps = _latest()
        Workspace = apps.get_model("workspaces", "Workspace")
        default = Workspace.objects.get(name="Default")
        Membership = apps.get_model("workspaces", "Membership")
        roles = dict(Membership.objects.values_list("user__username", "role"))
        assert roles == {"boss": "admin", "rep": "rep"}
        for label in (
            "contacts.Company",
            "contacts.Person",
            "outreach.Outreach",
            "outreach.Sequence",
        ):
            model = apps.get_model(label)
            assert set(model.objects.values_list("workspace_id", flat=True)) == {default.pk}
    finally:
        _latest()


@pytest.mark.django_db(transaction=True)
def test_an_empty_database_gets_no_default_workspace():
    apps = _migrate(BEFORE)
    try:
        apps = _latest()
        assert not apps.get_model("workspaces", "Workspace").objects.exists()
    finally:
        _latest()
