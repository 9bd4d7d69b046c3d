"""The admin bases every model's admin stands on: every model browsable, searchable (by its
public id too) and autocompleted, with lists that neither count every row nor grow in queries."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Company, Person
from followups.models import FollowUp
from jobs.models import Job
from outreach.models import Outreach, OutreachTransition, Sequence, Tag
from tests.factories import (
    CompanyFactory,
    FollowUpFactory,
    JobFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    TagFactory,
)
from tests.support.admin import (
    make_company,
    make_followup,
    make_job,
    make_outreach,
    make_person,
    make_sequence,
    make_tag,
    make_transition,
    url,
)

pytestmark = pytest.mark.django_db


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
