"""Data migrations carry what the history already knows onto the new columns."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("contacts", "0001_initial"), ("outreach", "0005_outreach_fewer_indexes")]
AFTER = [("contacts", "0002_person_email_inferred")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_people_with_an_address_enrichment_inferred_are_marked():
    apps = _migrate(BEFORE)
    try:
        Person = apps.get_model("contacts", "Person")
        Outreach = apps.get_model("outreach", "Outreach")
        Transition = apps.get_model("outreach", "OutreachTransition")
        kept = Person.objects.create(first_name="Cy", email="cy.roe@solo.com")
        changed = Person.objects.create(first_name="Di", email="di@elsewhere.com")
        given = Person.objects.create(first_name="Ann", email="ann.bell@solo.com")
        for person, source, value in (
            (kept, "inferred", "cy.roe@solo.com"),
            (changed, "inferred", "di.lee@solo.com"),  # edited by hand since
            (given, "given", "ann.bell@solo.com"),
        ):
            outreach = Outreach.objects.create(person=person)
            Transition.objects.create(
                outreach=outreach,
                field="current_state",
                transition="complete_enrichment",
                from_state="enrichment",
                to_state="ready",
                metadata={"found": {"field": "email", "value": value, "source": source}},
                created_at=timezone.now(),
            )

        apps = _migrate(AFTER)
        Person = apps.get_model("contacts", "Person")
        marked = dict(Person.objects.values_list("first_name", "email_inferred"))
        assert marked == {"Cy": True, "Di": False, "Ann": False}
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
