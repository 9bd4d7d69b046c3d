"""What the admin tests share: a row of each model, an admin URL, the form a change page posts."""

from django.contrib.messages import get_messages
from django.urls import reverse

from outreach.services.outreaches import outreach_transition
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
