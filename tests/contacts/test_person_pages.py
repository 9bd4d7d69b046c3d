"""What the people pages show of a person beyond the stored fields: the phone number grouped for
reading (the API keeps E.164) and the person's heat (contacts.heat)."""

import datetime

import pytest
from django.utils import timezone

from contacts.templatetags.contacts import heat_label, phone_display
from tests.factories import FollowUpFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+19176389560", "+1 917-638-9560"),
        ("+442079460958", "+44 20 7946 0958"),
        ("", ""),
        ("not a number", "not a number"),  # shown as stored rather than hidden
    ],
)
def test_phone_numbers_are_grouped_for_reading(stored, shown):
    assert phone_display(stored) == shown


@pytest.mark.parametrize(("score", "label"), [(0, "cold"), (44, "cold"), (45, "warm"), (75, "hot")])
def test_heat_labels_follow_the_contact_heat_thresholds(score, label):
    assert heat_label(score) == label


def hot_person(**values):
    """Strong, touched today, replied today, with an open follow-up: 50 + 20 + 20 + 10 = 100."""
    now = timezone.now()
    person = PersonFactory(strength="strong", last_contacted_at=now, last_replied_at=now, **values)
    FollowUpFactory(person=person, due_at=now + datetime.timedelta(days=1))
    return person


def test_the_people_list_shows_each_persons_heat_and_readable_phone(dash, api):
    person = hot_person(first_name="Ada", last_name="Lovelace", phone="+19176389560")
    PersonFactory(first_name="Cold", last_name="Case", strength="weak")

    html = dash.get("/people/").content.decode()

    assert '<span class="heat__score">100</span><span class="badge badge--hot">hot</span>' in html
    assert '<span class="heat__score">5</span><span class="badge badge--cold">cold</span>' in html
    assert "+1 917-638-9560" in html
    assert "+19176389560" not in html
    # The API keeps the stored form.
    assert api.get(f"/api/people/{person.public_id}").json()["phone"] == "+19176389560"


def test_the_person_page_shows_heat_and_a_readable_phone_that_dials_the_stored_one(dash):
    person = hot_person(phone="+19176389560")

    html = dash.get(f"/people/{person.public_id}/").content.decode()

    assert "<dt>Heat</dt>" in html
    assert '<span class="heat__score">100</span>' in html
    assert 'aria-label="Heat score 100 of 100"' in html
    assert '<a href="tel:+19176389560">+1 917-638-9560</a>' in html
