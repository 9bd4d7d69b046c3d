"""The outreach admin: state changed only by the transition actions, edits through the
services, the history read-only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outreach import admin as outreach_admin
from outreach.models import Outreach, OutreachTransition, Sequence, SequenceStep
from outreach.services.outreaches import outreach_delete, outreach_transition
from outreach.state_machine import DELIVERY_TRANSITIONS, PIPELINE_TRANSITIONS
from tests.factories import MailboxFactory, OutreachFactory, SequenceFactory
from tests.support.admin import (
    change_form_data,
    make_outreach,
    make_person,
    make_transition,
    messages_of,
    url,
)

pytestmark = pytest.mark.django_db


# --- transition actions ----------------------------------------------------------------------


def test_transition_search_by_outreach_id(admin_client):
    wanted = make_outreach()
    make_outreach()

    response = admin_client.get(url(OutreachTransition, "changelist"), {"q": wanted.public_id})

    assert list(response.context["cl"].result_list) == list(wanted.transitions.all())


def run_action(admin_client, action: str, outreaches, **extra):
    return admin_client.post(
        url(Outreach, "changelist"),
        {"action": action, "_selected_action": [o.pk for o in outreaches], **extra},
        follow=True,
    )


def test_the_actions_are_the_pipeline_transitions(admin_client):
    OutreachFactory()

    response = admin_client.get(url(Outreach, "changelist"))

    choices = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert [c for c in choices if c not in ("", "delete_selected")] == list(PIPELINE_TRANSITIONS)


def test_start_enrichment_moves_the_eligible_writes_history_and_reports_the_rest(
    admin_client, admin_user
):
    fresh = [OutreachFactory(state="new") for _ in range(2)]
    retry = OutreachFactory(state="not_available")
    ready = OutreachFactory(state="ready")

    response = run_action(admin_client, "start_enrichment", [*fresh, retry, ready])

    assert response.status_code == 200
    for outreach in [*fresh, retry]:
        outreach.refresh_from_db()
        assert outreach.current_state == "enrichment"
        row = outreach.transitions.get()
        assert (row.transition, row.to_state, row.actor) == (
            "start_enrichment",
            "enrichment",
            admin_user,
        )
        assert row.metadata == {"source": "admin"}
    assert OutreachTransition.objects.get(outreach=retry).from_state == "not_available"
    ready.refresh_from_db()
    assert ready.current_state == "ready"
    assert not ready.transitions.exists()
    assert messages_of(response) == [
        "Start enrichment: 3 outreaches moved to Enrichment.",
        "Start enrichment: 1 skipped: 1 because state is 'ready'; start_enrichment needs "
        f"'new' or 'not_available' ({ready.public_id}).",
    ]


def test_select_all_runs_the_action_on_every_matching_outreach(admin_client):
    matching = [OutreachFactory(state="enrichment") for _ in range(3)]
    OutreachFactory(state="new")

    response = admin_client.post(
        url(Outreach, "changelist") + "?current_state__exact=enrichment",
        {"action": "complete_enrichment", "select_across": "1", "_selected_action": [1]},
        follow=True,
    )

    assert messages_of(response) == ["Complete enrichment: 3 outreaches moved to Ready."]
    assert Outreach.objects.filter(current_state="ready").count() == 3
    assert OutreachTransition.objects.filter(outreach__in=matching).count() == 3


def test_skipped_reasons_are_grouped_with_a_few_example_ids(admin_client):
    waiting = [OutreachFactory(state="waiting") for _ in range(5)]

    response = run_action(admin_client, "wait", waiting)

    ids = [o.public_id for o in waiting]
    assert messages_of(response) == [
        "Wait for reply: 0 outreaches moved to Waiting.",
        "Wait for reply: 5 skipped: 5 because state is 'waiting'; wait needs 'starting' "
        f"({', '.join(ids[:3])} and 2 more).",
    ]


def test_a_selection_over_the_batch_cap_is_refused_as_everywhere(admin_client, settings):
    settings.MAX_BATCH_IDS = 2
    outreaches = [OutreachFactory(state="new") for _ in range(3)]

    response = run_action(admin_client, "start_enrichment", outreaches)

    assert messages_of(response) == [
        "Start enrichment: At most 2 ids per request; 3 given.",
    ]
    assert not OutreachTransition.objects.exists()


def test_a_selection_at_the_batch_cap_runs(admin_client, settings):
    settings.MAX_BATCH_IDS = 2
    outreaches = [OutreachFactory(state="new") for _ in range(2)]

    response = run_action(admin_client, "start_enrichment", outreaches)

    assert messages_of(response) == ["Start enrichment: 2 outreaches moved to Enrichment."]
    assert OutreachTransition.objects.count() == 2


def test_start_checks_its_conditions_per_outreach_and_says_why(admin_client, admin_user):
    sequence = SequenceFactory(steps=1)
    good = OutreachFactory(
        state="ready", sequence=sequence, approved=True, mailbox=MailboxFactory()
    )
    unapproved = OutreachFactory(state="ready", sequence=sequence, approved=False)
    fresh = OutreachFactory(state="new", sequence=sequence, approved=True)

    response = run_action(admin_client, "start", [good, unapproved, fresh])

    good.refresh_from_db()
    assert good.current_state == "starting"
    assert good.transitions.get().actor == admin_user
    assert Outreach.objects.get(pk=unapproved.pk).current_state == "ready"
    assert Outreach.objects.get(pk=fresh.pk).current_state == "new"
    assert OutreachTransition.objects.count() == 1
    assert messages_of(response) == [
        "Start: 1 outreach moved to Starting.",
        "Start: 2 skipped: "
        "1 because Cannot start from 'ready' to 'starting': it must be approved (approved: true) "
        f"({unapproved.public_id}); "
        "1 because Cannot start from 'new' to 'starting': start only moves 'ready' to "
        f"'starting' ({fresh.public_id}).",
    ]


def test_actions_need_the_change_permission(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(*_permissions("view_outreach"))
    client.force_login(viewer)
    outreach = OutreachFactory(state="new")

    response = client.get(url(Outreach, "changelist"))

    assert response.status_code == 200
    assert response.context["action_form"] is None or "start_enrichment" not in [
        name for name, _ in response.context["action_form"].fields["action"].choices
    ]
    run_action(client, "start_enrichment", [outreach])
    outreach.refresh_from_db()
    assert outreach.current_state == "new"


def _permissions(*codenames):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename__in=codenames)


# --- the outreach page -----------------------------------------------------------------------


def test_state_fields_are_read_only_on_the_outreach_page(admin_client):
    outreach = OutreachFactory(state="ready")

    response = admin_client.get(url(Outreach, "change", outreach.pk))

    form = response.context["adminform"].form
    assert "current_state" not in form.fields
    assert "delivery_status" not in form.fields
    assert "current_state" in response.context["adminform"].readonly_fields


def test_posting_state_fields_changes_nothing_but_the_editable_fields(admin_client):
    outreach = OutreachFactory(state="ready", subject="Hello")
    page = admin_client.get(url(Outreach, "change", outreach.pk))
    data = change_form_data(page)

    response = admin_client.post(
        url(Outreach, "change", outreach.pk),
        {**data, "subject": "Hi again", "current_state": "waiting", "delivery_status": "performed"},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    outreach.refresh_from_db()
    assert outreach.subject == "Hi again"
    assert outreach.current_state == "ready"
    assert outreach.delivery_status == "pending"
    assert not outreach.transitions.exists()


def test_the_history_is_shown_read_only_oldest_first(admin_client):
    outreach = OutreachFactory(state="new")
    outreach_transition(outreach=outreach, name="start_enrichment", actor=None)
    outreach_transition(
        outreach=outreach, name="fail_enrichment", actor=None, metadata={"reason": "no email"}
    )

    response = admin_client.get(url(Outreach, "change", outreach.pk))

    inline = next(
        i for i in response.context["inline_admin_formsets"] if i.opts.model is OutreachTransition
    )
    assert [f.instance.transition for f in inline.formset.forms] == [
        "start_enrichment",
        "fail_enrichment",
    ]
    assert inline.has_add_permission is False
    assert inline.has_change_permission is False
    assert inline.has_delete_permission is False
    assert "no email" in response.content.decode()


def test_an_outreach_edit_goes_through_the_service_rules(admin_client):
    outreach = OutreachFactory(channel="email")
    data = change_form_data(admin_client.get(url(Outreach, "change", outreach.pk)))

    response = admin_client.post(
        url(Outreach, "change", outreach.pk),
        {**data, "outreach_type": "LinkedIn_DirectMessage", "channel": "phone"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "channel": ["LinkedIn_DirectMessage is sent over linkedin, not phone."]
    }
    outreach.refresh_from_db()
    assert outreach.outreach_type is None


def test_adding_an_outreach_defaults_the_company_to_the_persons(admin_client, admin_user):
    person = make_person()
    data = change_form_data(admin_client.get(url(Outreach, "add")))

    response = admin_client.post(url(Outreach, "add"), {**data, "person": person.pk})

    assert response.status_code == 302, response.context["adminform"].form.errors
    outreach = Outreach.objects.get()
    assert outreach.company == person.company
    assert outreach.created_by == admin_user
    assert outreach.current_state == "new"


def test_choosing_an_outreach_type_sets_its_channel(admin_client):
    outreach = OutreachFactory(channel="email")
    data = change_form_data(admin_client.get(url(Outreach, "change", outreach.pk)))

    response = admin_client.post(
        url(Outreach, "change", outreach.pk), {**data, "outreach_type": "LinkedIn_DirectMessage"}
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    outreach.refresh_from_db()
    assert (outreach.outreach_type, outreach.channel) == ("LinkedIn_DirectMessage", "linkedin")


def test_deleting_an_outreach_takes_its_history_with_it(admin_client):
    outreach = make_outreach()

    response = admin_client.post(url(Outreach, "delete", outreach.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Outreach.objects.exists()
    assert not OutreachTransition.objects.exists()


def test_delete_selected_outreaches_goes_through_the_service(admin_client, monkeypatch):
    outreaches = [make_outreach() for _ in range(2)]
    kept = OutreachFactory()
    deleted = []
    real_delete = outreach_delete

    def spy(*, outreach, actor):
        deleted.append(outreach.pk)
        return real_delete(outreach=outreach, actor=actor)

    monkeypatch.setattr(outreach_admin, "outreach_delete", spy)

    response = run_action(admin_client, "delete_selected", outreaches, post="yes")

    assert response.status_code == 200
    assert sorted(deleted) == sorted(o.pk for o in outreaches)
    assert list(Outreach.objects.all()) == [kept]
    assert not OutreachTransition.objects.exists()


# --- the history list ------------------------------------------------------------------------


def test_history_rows_cannot_be_added_changed_or_deleted(admin_client):
    row = make_transition()

    assert admin_client.get(url(OutreachTransition, "add")).status_code == 403
    response = admin_client.post(url(OutreachTransition, "change", row.pk), {"to_state": "ready"})
    assert response.status_code == 403
    assert (
        admin_client.post(url(OutreachTransition, "delete", row.pk), {"post": "yes"}).status_code
        == 403
    )
    row.refresh_from_db()
    assert row.to_state == "enrichment"


def test_history_list_is_newest_first_and_filters_by_transition_and_state(admin_client):
    outreach = OutreachFactory(state="new")
    outreach_transition(outreach=outreach, name="start_enrichment", actor=None)
    outreach_transition(outreach=outreach, name="complete_enrichment", actor=None)

    listing = admin_client.get(url(OutreachTransition, "changelist"))
    by_name = admin_client.get(
        url(OutreachTransition, "changelist"), {"transition": "start_enrichment"}
    )
    by_state = admin_client.get(url(OutreachTransition, "changelist"), {"to_state": "ready"})

    assert [r.transition for r in listing.context["cl"].result_list] == [
        "complete_enrichment",
        "start_enrichment",
    ]
    assert [r.transition for r in by_name.context["cl"].result_list] == ["start_enrichment"]
    assert [r.transition for r in by_state.context["cl"].result_list] == ["complete_enrichment"]


def test_history_filters_offer_the_table_without_scanning_the_rows(admin_client):
    make_transition()

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url(OutreachTransition, "changelist"))

    assert not [q for q in queries if "DISTINCT" in q["sql"]]
    filters = {f.title: f for f in response.context["cl"].filter_specs}
    assert [value for value, _label in filters["transition"].lookup_choices] == [
        *PIPELINE_TRANSITIONS,
        *DELIVERY_TRANSITIONS,
    ]


# --- sequences -------------------------------------------------------------------------------


def test_adding_a_sequence_with_steps(admin_client):
    data = change_form_data(admin_client.get(url(Sequence, "add")))
    data.update(
        {
            "name": "Welcome",
            "steps-TOTAL_FORMS": "2",
            "steps-0-position": "1",
            "steps-0-channel": "email",
            "steps-0-delay_days": "0",
            "steps-1-position": "2",
            "steps-1-channel": "linkedin",
            "steps-1-delay_days": "3",
        }
    )

    response = admin_client.post(url(Sequence, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    sequence = Sequence.objects.get()
    assert list(sequence.steps.values_list("position", "channel", "delay_days")) == [
        (1, "email", 0),
        (2, "linkedin", 3),
    ]
    assert SequenceStep.objects.count() == 2
