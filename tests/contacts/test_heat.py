"""Contact heat, computed in SQL with the rows (contacts.heat, followups.selectors)."""

import datetime

import pytest
from django.utils import timezone

from contacts.heat import contact_heat_label
from contacts.models import Person
from followups.selectors import people_with_heat
from tests.factories import FollowUpFactory, PersonFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def score(person: Person) -> int:
    return people_with_heat(Person.objects.filter(pk=person.pk), now=NOW).get().heat_score


@pytest.mark.parametrize(
    ("contacted", "expected"),
    [(None, 5), (1, 55), (3, 55), (5, 45), (10, 30), (20, 15), (40, 5), (-1, 55)],
)
def test_recency_of_the_last_contact(contacted, expected):
    person = PersonFactory(
        strength="weak", last_contacted_at=None if contacted is None else days_ago(contacted)
    )
    assert score(person) == expected  # weak is 5


def test_the_later_of_contact_and_reply_counts_and_a_recent_reply_adds():
    person = PersonFactory(
        strength="medium", last_contacted_at=days_ago(20), last_replied_at=days_ago(2)
    )
    assert score(person) == 50 + 20 + 12
    older_reply = PersonFactory(
        strength="strong", last_contacted_at=days_ago(2), last_replied_at=days_ago(40)
    )
    assert score(older_reply) == 50 + 0 + 20


def test_an_open_follow_up_adds_and_a_closed_one_does_not():
    person = PersonFactory(strength="strong", last_contacted_at=days_ago(1), last_replied_at=NOW)
    assert score(person) == 50 + 20 + 20
    FollowUpFactory(person=person, status="done")
    assert score(person) == 90
    FollowUpFactory(person=person, status="pending")
    assert score(person) == 100
    assert contact_heat_label(score(person)) == "hot"


@pytest.mark.parametrize("status", ["do_not_contact", "not_interested"])
def test_people_who_said_no_are_cold(status):
    person = PersonFactory(status=status, strength="strong", last_contacted_at=NOW)
    assert score(person) == 0


@pytest.mark.parametrize(("value", "label"), [(0, "cold"), (44, "cold"), (45, "warm"), (75, "hot")])
def test_labels(value, label):
    assert contact_heat_label(value) == label


def test_the_api_answers_score_and_label_from_one_query(api, django_assert_num_queries):
    hot = PersonFactory(strength="strong", last_contacted_at=timezone.now())
    FollowUpFactory(person=hot, status="pending")
    PersonFactory.create_batch(3)
    with django_assert_num_queries(3):  # token, count, page with heat
        body = api.get("/api/people").json()
    row = next(item for item in body["items"] if item["id"] == hot.public_id)
    assert (row["heat_score"], row["heat"]) == (80, "hot")
