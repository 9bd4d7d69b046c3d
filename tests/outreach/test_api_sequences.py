"""CRUD of /api/sequences, with their ordered steps."""

from unittest.mock import ANY
from urllib.parse import urlencode

import pytest

from outreach.models import Outreach, Sequence, SequenceStep
from tests.factories import OutreachFactory, SequenceFactory, SequenceStepFactory
from tests.support.api import ResourceCases

pytestmark = pytest.mark.django_db

URL = "/api/sequences"
FIELDS = {"id", "name", "description", "active", "steps", "created_at", "updated_at"}
STEP_FIELDS = {"position", "channel", "delay_days", "subject_template", "body_template"}


def detail(sequence) -> str:
    return f"{URL}/{sequence.public_id}"


class TestSequencesResource(ResourceCases):
    path = URL
    prefix = "seq"
    create_payload = {"name": "Welcome", "steps": [{"channel": "email", "delay_days": 0}]}

    @staticmethod
    def make():
        return SequenceStepFactory().sequence


def test_list_answers_the_envelope_ordered_by_name_with_steps(api):
    beta = SequenceFactory(name="Beta")
    SequenceStepFactory(sequence=beta, position=1, channel="email", delay_days=0)
    SequenceStepFactory(sequence=beta, position=2, channel="linkedin", delay_days=3)
    SequenceFactory(name="Alpha")
    SequenceFactory(name="Gamma")

    response = api.get(URL, {"per": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {
        "next_cursor": ANY,
        "current_page": 1,
        "per_page": 2,
        "total_pages": 2,
        "total_count": 3,
    }
    assert [s["name"] for s in body["items"]] == ["Alpha", "Beta"]
    item = body["items"][1]
    assert set(item) >= FIELDS
    assert item["id"] == beta.public_id
    assert [(s["position"], s["channel"], s["delay_days"]) for s in item["steps"]] == [
        (1, "email", 0),
        (2, "linkedin", 3),
    ]
    assert set(item["steps"][0]) >= STEP_FIELDS


def test_list_loads_steps_in_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    for i in range(5):
        SequenceStepFactory(sequence=SequenceFactory(name=f"S{i}"), position=1)

    # token, count, page, steps
    with django_assert_max_num_queries(4):
        response = api.get(URL)

    assert len(response.json()["items"]) == 5


@pytest.mark.parametrize(("value", "names"), [("true", ["On"]), ("false", ["Off"])])
def test_filter_by_active(api, value, names):
    SequenceFactory(name="On", active=True)
    SequenceFactory(name="Off", active=False)

    items = api.get(URL, {"active": value}).json()["items"]

    assert [s["name"] for s in items] == names


def test_a_bad_active_value_is_400_naming_the_parameter(api):
    SequenceFactory()

    response = api.get(URL, {"active": "maybe"})

    assert response.status_code == 400
    assert response.json() == {"active": ["Use true or false."]}


def test_create_with_steps_answers_201_and_numbers_the_steps(api):
    response = api.post(
        URL,
        {
            "name": "Welcome Sequence",
            "description": "Three touches",
            "steps": [
                {"channel": "EMAIL", "delay_days": 0, "subject_template": "Hi {first_name}"},
                {"channel": "linkedin", "delay_days": 3, "body_template": "Following up"},
            ],
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    sequence = Sequence.objects.get()
    assert body["id"] == sequence.public_id
    assert body["name"] == "Welcome Sequence"
    assert body["active"] is True
    assert body["steps"] == [
        {
            "position": 1,
            "channel": "email",
            "delay_days": 0,
            "subject_template": "Hi {first_name}",
            "body_template": "",
        },
        {
            "position": 2,
            "channel": "linkedin",
            "delay_days": 3,
            "subject_template": "",
            "body_template": "Following up",
        },
    ]
    assert list(sequence.steps.values_list("position", flat=True)) == [1, 2]


def test_create_without_steps(api):
    response = api.post(URL, {"name": "Empty"}, format="json")

    assert response.status_code == 201
    assert response.json()["steps"] == []


def test_create_from_a_form_body(api):
    body = urlencode({"name": "Form made", "description": "from a form", "active": "false"})

    response = api.post(URL, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 201
    assert response.json()["name"] == "Form made"
    assert response.json()["active"] is False
    assert response.json()["steps"] == []


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        ({"name": "x" * 201}, {"name": ["Ensure this field has no more than 200 characters."]}),
        ({"active": "maybe"}, {"active": ["Must be a valid boolean."]}),
        (
            {"steps": [{"channel": "pigeon"}]},
            {
                "steps": {
                    "0": {
                        "channel": [
                            '"pigeon" is not a valid choice. Use one of: email, phone, '
                            "linkedin, facebook, other."
                        ]
                    }
                }
            },
        ),
        (
            {"steps": [{"delay_days": 2}, {"delay_days": -1}]},
            {"steps": {"1": {"delay_days": ["Ensure this value is greater than or equal to 0."]}}},
        ),
        (
            {"steps": "first email"},
            {"steps": {"non_field_errors": ['Expected a list of items but got type "str".']}},
        ),
    ],
)
def test_bad_values_are_400_naming_the_field_and_nothing_is_written(api, payload, error):
    response = api.post(URL, {"name": "Welcome", **payload}, format="json")

    assert response.status_code == 400
    assert response.json() == error
    assert not Sequence.objects.exists()
    assert not SequenceStep.objects.exists()


def test_name_is_unique(api):
    SequenceFactory(name="Welcome")

    response = api.post(URL, {"name": "Welcome"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"name": ["sequence with this name already exists."]}


def test_retrieve(api):
    sequence = SequenceFactory(name="Welcome")
    SequenceStepFactory(sequence=sequence, position=1)

    response = api.get(detail(sequence))

    assert response.status_code == 200
    assert response.json()["id"] == sequence.public_id
    assert len(response.json()["steps"]) == 1


def test_patch_with_steps_replaces_them_all(api):
    sequence = SequenceFactory(name="Welcome")
    SequenceStepFactory(sequence=sequence, position=1, channel="email")
    SequenceStepFactory(sequence=sequence, position=2, channel="email")

    response = api.patch(
        detail(sequence), {"steps": [{"channel": "phone", "delay_days": 5}]}, format="json"
    )

    assert response.status_code == 200
    assert [(s["position"], s["channel"], s["delay_days"]) for s in response.json()["steps"]] == [
        (1, "phone", 5)
    ]
    assert sequence.steps.count() == 1


def test_patch_without_steps_keeps_them(api):
    sequence = SequenceFactory(name="Welcome")
    SequenceStepFactory(sequence=sequence, position=1)

    response = api.patch(detail(sequence), {"name": "Hello", "active": False}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "Hello"
    assert response.json()["active"] is False
    assert len(response.json()["steps"]) == 1


def test_patch_from_a_form_body(api):
    sequence = SequenceFactory(description="")

    response = api.patch(
        detail(sequence),
        urlencode({"description": "Updated by form"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert response.json()["description"] == "Updated by form"


def test_patch_to_a_taken_name_is_400(api):
    SequenceFactory(name="Taken")
    sequence = SequenceFactory(name="Mine")

    response = api.patch(detail(sequence), {"name": "Taken"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"name": ["sequence with this name already exists."]}


def test_delete_answers_204_and_its_outreaches_keep_going_without_it(api):
    sequence = SequenceFactory()
    SequenceStepFactory(sequence=sequence, position=1)
    outreach = OutreachFactory(sequence=sequence)

    response = api.delete(detail(sequence))

    assert response.status_code == 204
    assert not Sequence.objects.exists()
    assert not SequenceStep.objects.exists()
    assert Outreach.objects.get(pk=outreach.pk).sequence_id is None
