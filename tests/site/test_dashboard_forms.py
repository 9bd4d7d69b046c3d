"""Create and edit forms: writes go through the services, domain errors land on the fields."""

import pytest

from contacts.models import Company, Person
from jobs.models import Job
from outreach.models import Sequence
from tests.factories import (
    CompanyFactory,
    JobFactory,
    PersonFactory,
    SequenceFactory,
    SequenceStepFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def dash(client, user):
    client.force_login(user)
    return client


PERSON = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "title": "CTO",
    "company": "",
    "email": "ada@Example.COM",
    "phone": "(415) 555-2671",
    "linkedin_url": "linkedin.com/in/AdaL/?trk=x",
    "facebook_url": "",
    "status": "new",
    "strength": "weak",
}


def test_create_a_person_in_canonical_form(dash):
    response = dash.post("/people/new/", PERSON, follow=True)
    person = Person.objects.get()
    assert response.redirect_chain[-1][0] == f"/people/{person.public_id}/"
    assert "Person “Ada Lovelace” created." in response.content.decode()
    assert (person.email, person.phone, person.linkedin_url) == (
        "ada@example.com",
        "+14155552671",
        "https://www.linkedin.com/in/adal",
    )


def test_bad_contact_details_are_field_errors(dash):
    response = dash.post("/people/new/", {**PERSON, "phone": "12"})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["phone"]
    assert form.errors["phone"] == ["Not a valid phone number for its country."]
    html = response.content.decode()
    assert "field--invalid" in html and 'id="id_phone_errors"' in html
    assert not Person.objects.exists()

    both = dash.post(
        "/people/new/", {**PERSON, "phone": "12", "linkedin_url": "https://example.com/ada"}
    )
    # Every bad contact detail is reported in one round.
    assert both.context["form"].errors == {
        "phone": ["Not a valid phone number for its country."],
        "linkedin_url": ["Not a linkedin address: expected a linkedin.com link."],
    }


def test_a_person_needs_a_name_email_or_linkedin(dash):
    empty = dict.fromkeys(PERSON, "") | {"status": "new", "strength": "weak"}
    response = dash.post("/people/new/", empty)
    assert response.context["form"].non_field_errors() == [
        "Give at least a name, an email or a LinkedIn URL."
    ]


def test_edit_a_person_writes_only_what_changed(dash):
    person = PersonFactory(first_name="Old", email="old@example.com", email_invalid=True)
    data = {
        "first_name": "New",
        "last_name": person.last_name,
        "title": "",
        "company": person.company_id,
        "email": "new@example.com",
        "phone": "",
        "linkedin_url": "",
        "facebook_url": "",
        "status": "replied",
        "strength": "medium",
    }
    response = dash.post(f"/people/{person.public_id}/edit/", data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.first_name, person.email, person.status, person.strength) == (
        "New",
        "new@example.com",
        "replied",
        "medium",
    )
    # A new address is not known to bounce: the service reset the flag.
    assert person.email_invalid is False


def test_create_and_edit_a_company_service_errors_land_on_fields(dash):
    owner = UserFactory(username="owner1")
    response = dash.post(
        "/companies/new/", {"name": "Acme", "domain": "https://WWW.Acme.com/", "owner": owner.pk}
    )
    company = Company.objects.get()
    assert response["Location"] == f"/companies/{company.public_id}/"
    assert (company.domain, company.owner) == ("acme.com", owner)

    bad = dash.post(f"/companies/{company.public_id}/edit/", {"name": "Acme", "domain": "a b"})
    assert bad.context["form"].errors["domain"] == ["Enter a domain like acme.com."]


def test_create_and_edit_a_job(dash):
    company = CompanyFactory()
    response = dash.post(
        "/jobs/new/",
        {"title": "Staff engineer", "company": company.pk, "url": "", "stage": "hr"},
    )
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.public_id}/"
    assert (job.title, job.stage, job.archived) == ("Staff engineer", "hr", False)

    edit = dash.post(
        f"/jobs/{job.public_id}/edit/",
        {"title": "Staff engineer", "company": company.pk, "stage": "bogus"},
    )
    assert edit.context["form"].errors["stage"] == [
        "Select a valid choice. bogus is not one of the available choices."
    ]


def test_job_form_field_errors_are_shown(dash):
    job = JobFactory()
    response = dash.post(f"/jobs/{job.public_id}/edit/", {"title": "", "stage": "applied"})
    assert response.context["form"].errors["title"] == ["This field is required."]
    assert "This field is required." in response.content.decode()


def steps_data(steps, initial=0):
    data = {
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": str(initial),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "50",
    }
    for i, step in enumerate(steps):
        for key, value in step.items():
            data[f"steps-{i}-{key}"] = value
    return data


def test_create_a_sequence_with_steps(dash):
    data = {"name": "Cold intro", "description": "Three touches", "active": "on"}
    data |= steps_data(
        [
            {"channel": "email", "delay_days": "0", "subject_template": "Hi"},
            {"channel": "linkedin", "delay_days": "3", "body_template": "Following up"},
            {"channel": "email", "delay_days": "0"},  # the blank extra row: ignored
        ]
    )
    # The third row only repeats the initial values, so it counts as unchanged.
    response = dash.post("/sequences/new/", data)
    sequence = Sequence.objects.get()
    assert response["Location"] == f"/sequences/{sequence.public_id}/"
    steps = list(sequence.steps.values_list("position", "channel", "delay_days"))
    assert steps == [(1, "email", 0), (2, "linkedin", 3)]


def test_edit_a_sequence_replaces_its_steps_and_checks_the_name(dash):
    SequenceFactory(name="Taken")
    sequence = SequenceFactory(name="Mine")
    SequenceStepFactory(sequence=sequence, position=1, channel="email")
    SequenceStepFactory(sequence=sequence, position=2, channel="phone")

    data = {"name": "Mine", "active": "on"} | steps_data(
        [
            {"channel": "email", "delay_days": "0", "DELETE": "on"},
            {"channel": "phone", "delay_days": "2"},
        ],
        initial=2,
    )
    assert dash.post(f"/sequences/{sequence.public_id}/edit/", data).status_code == 302
    assert list(sequence.steps.values_list("position", "channel", "delay_days")) == [
        (1, "phone", 2)
    ]

    taken = dash.post(f"/sequences/{sequence.public_id}/edit/", {"name": "Taken"} | steps_data([]))
    assert taken.context["form"].errors["name"] == ["Sequence with this Name already exists."]


def outreach_data(**changes):
    data = {
        "channel": "email",
        "context": "other",
        "direction": "outgoing",
        "personalization_score": "70",
        "skip_repliers": "none",
        "body_type": "plain",
        "outcome": "none",
    }
    return data | changes


def test_record_an_outreach_by_hand(dash):
    from outreach.models import Outreach

    person = PersonFactory()
    page = dash.get(f"/outreaches/new/?person_id={person.public_id}").content.decode()
    assert f'<option value="{person.pk}" selected>' in page

    response = dash.post(
        "/outreaches/new/",
        outreach_data(
            person=person.pk, outreach_type="LinkedIn_DirectMessage", subject="Hi", body="Hello"
        ),
    )
    outreach = Outreach.objects.get()
    assert response["Location"] == f"/outreaches/{outreach.public_id}/"
    # The type implied the channel, and the company defaulted to the person's.
    assert (outreach.channel, outreach.company_id) == ("linkedin", person.company_id)
    assert outreach.current_state == "new"


def test_outreach_form_maps_service_errors_to_fields(dash):
    contradicting = dash.post(
        "/outreaches/new/",
        outreach_data(channel="phone", outreach_type="GMail_DirectMessage"),
    )
    # The channel was touched (phone), so it is checked against the type.
    assert contradicting.context["form"].errors["channel"] == [
        "GMail_DirectMessage is sent over email, not phone."
    ]

    message_id = dash.post("/outreaches/new/", outreach_data(message_id="<a@b>"))
    assert message_id.context["form"].errors["message_id"] == [
        "Only GMail_DirectMessage and Postmark_DirectMessage outreaches have a message_id."
    ]

    score = dash.post("/outreaches/new/", outreach_data(personalization_score="101"))
    assert score.context["form"].errors["personalization_score"] == [
        "Ensure this value is less than or equal to 100."
    ]

    url = dash.post("/outreaches/new/", outreach_data(screenshot_url="ftp://x.io/a.png"))
    assert url.context["form"].errors["screenshot_url"] == [
        "Enter an absolute http:// or https:// URL."
    ]


def test_edit_and_delete_an_outreach(dash):
    from outreach.models import Outreach
    from tests.factories import OutreachFactory

    outreach = OutreachFactory(subject="Old", state="ready")
    data = outreach_data(
        person=outreach.person_id, company=outreach.company_id, subject="New", approved="on"
    )
    assert dash.post(f"/outreaches/{outreach.public_id}/edit/", data).status_code == 302
    outreach.refresh_from_db()
    assert (outreach.subject, outreach.approved, outreach.current_state) == ("New", True, "ready")

    response = dash.post(f"/outreaches/{outreach.public_id}/delete/", follow=True)
    assert f"Outreach {outreach.public_id} deleted." in response.content.decode()
    assert not Outreach.objects.exists()
    assert dash.get(f"/outreaches/{outreach.public_id}/delete/").status_code == 405
