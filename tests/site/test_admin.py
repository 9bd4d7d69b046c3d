"""The Django admin: every model browsable and searchable, writes through the services, state
changed only by the transition actions."""

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Company, Person
from followups.models import FollowUp
from jobs.models import Job
from outreach import admin as outreach_admin
from outreach.models import Outreach, OutreachTransition, Sequence, SequenceStep, Tag
from outreach.services.outreaches import outreach_delete, outreach_transition
from outreach.state_machine import DELIVERY_TRANSITIONS, PIPELINE_TRANSITIONS
from tests.factories import (
    CompanyFactory,
    FollowUpFactory,
    JobFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    SequenceStepFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def make_company():
    return CompanyFactory(name="Acme Corp", domain="acme.com")


def make_person():
    return PersonFactory(first_name="Ada", last_name="Lovelace", email="ada@acme.com")


def make_job():
    return JobFactory(title="Backend engineer")


def make_sequence():
    sequence = SequenceFactory(name="Welcome")
    SequenceStepFactory(sequence=sequence, position=1)
    return sequence


def make_tag():
    return TagFactory(name="vip")


def make_outreach():
    outreach = OutreachFactory(person=make_person(), sequence=SequenceFactory(), tag=TagFactory())
    outreach_transition(outreach=outreach, name="start_enrichment", actor=None)
    return outreach


def make_transition():
    return make_outreach().transitions.get()


def make_followup():
    return FollowUpFactory(title="Call Ada back", person=make_person(), job=make_job())


MODELS = {
    Company: make_company,
    Person: make_person,
    Job: make_job,
    Sequence: make_sequence,
    Tag: make_tag,
    Outreach: make_outreach,
    OutreachTransition: make_transition,
    FollowUp: make_followup,
}
# Lists that may hold millions of rows must not count them all on every page.
BIG_LISTS = [Company, Person, Job, Outreach, OutreachTransition, FollowUp]


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def change_form_data(response) -> dict:
    """What the browser would post back from a change page, unchanged, inlines included."""
    data = {}
    form = response.context["adminform"].form
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if hasattr(widget, "widgets"):  # split date and time
            parts = widget.decompress(value)
            for index, part in enumerate(parts):
                data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        else:
            data[bound.html_name] = "" if value is None else str(value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, field in formset.management_form.fields.items():
            data[f"{formset.prefix}-{name}"] = formset.management_form.initial.get(
                name, field.initial
            )
        for index, inline_form in enumerate(formset.initial_forms):
            data[f"{formset.prefix}-{index}-id"] = inline_form.instance.pk
    return data


# --- every model -----------------------------------------------------------------------------


def test_every_model_is_registered():
    for model in MODELS:
        assert admin.site.is_registered(model), model


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_change_page_load(admin_client, model):
    obj = MODELS[model]()

    listing = admin_client.get(url(model, "changelist"))
    page = admin_client.get(url(model, "change", obj.pk))

    assert listing.status_code == 200
    assert page.status_code == 200
    if hasattr(obj, "public_id"):
        assert obj.public_id in listing.content.decode()


@pytest.mark.parametrize(
    "model", [m for m in MODELS if m is not OutreachTransition], ids=lambda m: m.__name__
)
def test_add_page_loads(admin_client, model):
    assert admin_client.get(url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", BIG_LISTS, ids=lambda m: m.__name__)
def test_big_lists_do_not_count_every_row(model):
    assert admin.site._registry[model].show_full_result_count is False


def make_rows(model, start: int, count: int) -> None:
    for index in range(start, start + count):
        obj = MODELS[model]()
        if model in (Sequence, Tag):  # their names are unique
            model.objects.filter(pk=obj.pk).update(name=f"{obj.name}-{index}")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_queries_do_not_grow_with_rows(admin_client, model):
    make_rows(model, 0, 1)
    with CaptureQueriesContext(connection) as one_row:
        admin_client.get(url(model, "changelist"))
    make_rows(model, 1, 5)

    with CaptureQueriesContext(connection) as six_rows:
        response = admin_client.get(url(model, "changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 6
    assert len(six_rows) == len(one_row), [q["sql"] for q in six_rows]


# --- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "make", "term"),
    [
        (Company, make_company, "acme"),
        (Person, make_person, "lovelace"),
        (Person, make_person, "ada@acme"),
        (Job, make_job, "backend"),
        (Sequence, make_sequence, "welc"),
        (Tag, make_tag, "vip"),
        (Outreach, make_outreach, "Lovelace"),
        (FollowUp, make_followup, "call ada"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_search_finds_the_match_and_not_the_rest(admin_client, model, make, term):
    match = make()
    # Another row of the same model that the term does not match.
    other = {
        Company: lambda: CompanyFactory(name="Globex", domain="globex.com"),
        Person: lambda: PersonFactory(first_name="Bob", last_name="Smith", email="bob@x.com"),
        Job: lambda: JobFactory(title="Designer"),
        Sequence: lambda: SequenceFactory(name="Nurture"),
        Tag: lambda: TagFactory(name="cold"),
        Outreach: lambda: OutreachFactory(
            person=PersonFactory(first_name="Bob", last_name="Smith", email="bob@x.com"),
            company=CompanyFactory(name="Globex"),
        ),
        FollowUp: lambda: FollowUpFactory(
            title="Send deck", person=PersonFactory(first_name="Bob")
        ),
    }[model]()

    response = admin_client.get(url(model, "changelist"), {"q": term})

    results = list(response.context["cl"].result_list)
    assert match in results
    assert other not in results


@pytest.mark.parametrize(
    "model", [Company, Person, Job, Sequence, Outreach, FollowUp], ids=lambda m: m.__name__
)
def test_search_by_public_id_finds_exactly_that_row(admin_client, model):
    wanted = MODELS[model]()
    MODELS[model]() if model is not Sequence else SequenceFactory(name="Other")

    response = admin_client.get(url(model, "changelist"), {"q": f" {wanted.public_id} "})

    assert list(response.context["cl"].result_list) == [wanted]


def test_transition_search_by_outreach_id(admin_client):
    wanted = make_outreach()
    make_outreach()

    response = admin_client.get(url(OutreachTransition, "changelist"), {"q": wanted.public_id})

    assert list(response.context["cl"].result_list) == list(wanted.transitions.all())


# --- transition actions ----------------------------------------------------------------------


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
        "start_enrichment: 3 outreach(es) moved to 'enrichment'.",
        "start_enrichment: 1 skipped: 1 because state is 'ready'; start_enrichment needs "
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

    assert messages_of(response) == ["complete_enrichment: 3 outreach(es) moved to 'ready'."]
    assert Outreach.objects.filter(current_state="ready").count() == 3
    assert OutreachTransition.objects.filter(outreach__in=matching).count() == 3


def test_skipped_reasons_are_grouped_with_a_few_example_ids(admin_client):
    waiting = [OutreachFactory(state="waiting") for _ in range(5)]

    response = run_action(admin_client, "wait", waiting)

    ids = [o.public_id for o in waiting]
    assert messages_of(response) == [
        "wait: 0 outreach(es) moved to 'waiting'.",
        "wait: 5 skipped: 5 because state is 'waiting'; wait needs 'starting' "
        f"({', '.join(ids[:3])} and 2 more).",
    ]


def test_a_selection_over_the_batch_cap_is_refused_as_everywhere(admin_client, settings):
    settings.MAX_BATCH_IDS = 2
    outreaches = [OutreachFactory(state="new") for _ in range(3)]

    response = run_action(admin_client, "start_enrichment", outreaches)

    assert messages_of(response) == [
        "start_enrichment: At most 2 ids per request; 3 given.",
    ]
    assert not OutreachTransition.objects.exists()


def test_a_selection_at_the_batch_cap_runs(admin_client, settings):
    settings.MAX_BATCH_IDS = 2
    outreaches = [OutreachFactory(state="new") for _ in range(2)]

    response = run_action(admin_client, "start_enrichment", outreaches)

    assert messages_of(response) == ["start_enrichment: 2 outreach(es) moved to 'enrichment'."]
    assert OutreachTransition.objects.count() == 2


def test_start_checks_its_conditions_per_outreach_and_says_why(admin_client, admin_user):
    sequence = SequenceFactory()
    good = OutreachFactory(state="ready", sequence=sequence, approved=True)
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
        "start: 1 outreach(es) moved to 'starting'.",
        "start: 2 skipped: "
        "1 because Cannot start from 'ready' to 'starting': it needs approved=true "
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


def test_deleting_an_outreach_takes_its_history_with_it(admin_client):
    outreach = make_outreach()

    response = admin_client.post(url(Outreach, "delete", outreach.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Outreach.objects.exists()
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


# --- other models write through their services ----------------------------------------------


def test_adding_a_person_stores_contact_details_in_canonical_form(admin_client):
    data = change_form_data(admin_client.get(url(Person, "add")))

    response = admin_client.post(
        url(Person, "add"),
        {
            **data,
            "first_name": "Ada",
            "email": "Ada@Example.COM",
            "phone": "(650) 253-0000",
            "linkedin_url": "linkedin.com/in/Ada-L/",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    person = Person.objects.get()
    assert (person.email, person.phone, person.linkedin_url) == (
        "Ada@example.com",
        "+16502530000",
        "https://www.linkedin.com/in/ada-l",
    )


def test_a_refused_person_edit_shows_the_reason_on_the_field(admin_client):
    person = make_person()
    data = change_form_data(admin_client.get(url(Person, "change", person.pk)))

    response = admin_client.post(url(Person, "change", person.pk), {**data, "phone": "12"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "phone": ["Not a valid phone number for its country."]
    }
    person.refresh_from_db()
    assert person.phone == ""


def test_editing_the_email_clears_the_bounce_mark(admin_client):
    person = PersonFactory(email="old@example.com", email_invalid=True)
    data = change_form_data(admin_client.get(url(Person, "change", person.pk)))
    data.pop("email_invalid")  # the checkbox as shown: ticked
    data["email_invalid"] = "on"

    admin_client.post(url(Person, "change", person.pk), {**data, "email": "new@example.com"})

    person.refresh_from_db()
    assert person.email == "new@example.com"
    assert person.email_invalid is False


def test_company_domain_is_normalised(admin_client):
    company = make_company()
    data = change_form_data(admin_client.get(url(Company, "change", company.pk)))

    response = admin_client.post(
        url(Company, "change", company.pk), {**data, "domain": "https://WWW.Acme.IO/"}
    )

    assert response.status_code == 302
    company.refresh_from_db()
    assert company.domain == "acme.io"


def test_a_person_an_outreach_names_cannot_be_deleted(admin_client):
    outreach = OutreachFactory()

    response = admin_client.post(url(Person, "delete", outreach.person_id), {"post": "yes"})

    assert response.status_code == 200
    assert "Cannot delete person" in response.content.decode()
    assert Person.objects.filter(pk=outreach.person_id).exists()


def test_follow_up_needs_a_subject(admin_client):
    data = change_form_data(admin_client.get(url(FollowUp, "add")))

    response = admin_client.post(
        url(FollowUp, "add"),
        {**data, "title": "About nothing", "due_at_0": "2025-03-01", "due_at_1": "12:00:00"},
    )

    assert response.status_code == 200
    assert not FollowUp.objects.exists()
    assert response.context["adminform"].form.errors


def test_marking_a_follow_up_done_stamps_completed_at(admin_client):
    followup = make_followup()
    data = change_form_data(admin_client.get(url(FollowUp, "change", followup.pk)))

    response = admin_client.post(url(FollowUp, "change", followup.pk), {**data, "status": "done"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    followup.refresh_from_db()
    assert followup.status == "done"
    assert followup.completed_at is not None
    assert followup.completed_at <= timezone.now()


def test_job_heat_is_read_only(admin_client):
    job = JobFactory(heat_score=40, heat=1)

    response = admin_client.get(url(Job, "change", job.pk))

    form = response.context["adminform"].form
    assert "heat_score" not in form.fields
    assert "heat" not in form.fields


def test_a_job_saved_in_the_admin_gets_its_heat_from_the_service(admin_client):
    job = JobFactory(stage="applied", heat_score=0, heat=0)
    data = change_form_data(admin_client.get(url(Job, "change", job.pk)))

    response = admin_client.post(url(Job, "change", job.pk), {**data, "stage": "offer"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    job.refresh_from_db()
    # An offer without outreaches scores its stage base.
    assert (job.stage, job.heat_score, job.heat) == ("offer", 80, 3)


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


def test_choosing_an_outreach_type_sets_its_channel(admin_client):
    outreach = OutreachFactory(channel="email")
    data = change_form_data(admin_client.get(url(Outreach, "change", outreach.pk)))

    response = admin_client.post(
        url(Outreach, "change", outreach.pk), {**data, "outreach_type": "LinkedIn_DirectMessage"}
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    outreach.refresh_from_db()
    assert (outreach.outreach_type, outreach.channel) == ("LinkedIn_DirectMessage", "linkedin")


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


@pytest.mark.parametrize(
    ("app_label", "model_name", "field_name", "make", "term"),
    [
        ("contacts", "company", "owner", None, "admin"),
        ("outreach", "outreach", "person", make_person, "lovel"),
        ("followups", "followup", "outreach", make_outreach, None),
        ("jobs", "job", "company", make_company, "acme"),
    ],
)
def test_autocomplete_lookups_answer(admin_client, app_label, model_name, field_name, make, term):
    target = make() if make else None
    if term is None:
        term = target.public_id

    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 1
    if target is not None:
        assert results[0]["id"] == str(target.pk)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_search_with_a_nul_character_does_not_fail(admin_client, model):
    MODELS[model]()

    response = admin_client.get(url(model, "changelist"), {"q": "a\x00b"})

    assert response.status_code == 200


def test_autocomplete_with_a_nul_character_searches_without_it(admin_client):
    person = make_person()

    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "outreach",
            "model_name": "outreach",
            "field_name": "person",
            "term": "Love\x00lace",
        },
    )

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(person.pk)]
