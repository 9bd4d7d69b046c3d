"""CRUD of /api/tags; a tag is named by its name: `/api/tags/important_lead`."""

from unittest.mock import ANY
from urllib.parse import quote, urlencode

import pytest

from outreach.models import Tag
from tests.factories import OutreachFactory, TagFactory
from tests.support.api import CreateCases, DetailCases, ListCases

pytestmark = pytest.mark.django_db

URL = "/api/tags"


class TestTagsResource(CreateCases, DetailCases, ListCases):
    path = URL
    make = TagFactory
    item_key = "name"
    writes = ("patch", "delete")
    create_payload = {"name": "important_lead"}
    unknown_key = "nope"
    not_found = {"detail": "No Tag matches the given query."}

    def key_of(self, tag):
        return tag.name


def test_list_answers_the_envelope_ordered_by_name(api):
    for name in ("warm", "cold", "hot"):
        TagFactory(name=name)

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
    assert [t["name"] for t in body["items"]] == ["cold", "hot"]
    assert {"name", "created_at"} <= set(body["items"][0])


def test_create_answers_201_with_the_tag(api):
    response = api.post(URL, {"name": "important_lead"}, format="json")

    assert response.status_code == 201
    assert response.json()["name"] == "important_lead"
    assert Tag.objects.get().name == "important_lead"


def test_create_from_a_form_body(api):
    response = api.post(
        URL, urlencode({"name": "from_form"}), content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 201
    assert response.json()["name"] == "from_form"


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({}, {"name": ["This field is required."]}),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        ({"name": "x" * 101}, {"name": ["Ensure this field has no more than 100 characters."]}),
        ({"name": ["a", "b"]}, {"name": ["Not a valid string."]}),
    ],
)
def test_bad_values_are_400_naming_the_field(api, payload, error):
    response = api.post(URL, payload, format="json")

    assert response.status_code == 400
    assert response.json() == error
    assert not Tag.objects.exists()


def test_a_name_with_a_slash_is_400(api):
    response = api.post(URL, {"name": "a/b"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"name": ["A tag name cannot contain '/'."]}


def test_name_is_unique(api):
    TagFactory(name="vip")

    response = api.post(URL, {"name": "vip"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"name": ["tag with this name already exists."]}


@pytest.mark.parametrize("name", ["important_lead", "q1.2025", "with space", "Ünïcode"])
def test_retrieve_by_name(api, name):
    TagFactory(name=name)

    response = api.get(f"{URL}/{quote(name)}")

    assert response.status_code == 200
    assert response.json()["name"] == name


def test_a_name_with_a_nul_character_is_404(api):
    TagFactory(name="ab")

    response = api.get(f"{URL}/a%00b")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_patch_renames_and_the_new_name_addresses_it(api):
    TagFactory(name="old")

    response = api.patch(f"{URL}/old", {"name": "new"}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "new"
    assert api.get(f"{URL}/new").status_code == 200
    assert api.get(f"{URL}/old").status_code == 404


def test_patch_to_a_taken_name_is_400(api):
    TagFactory(name="taken")
    TagFactory(name="mine")

    response = api.patch(f"{URL}/mine", {"name": "taken"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"name": ["tag with this name already exists."]}


def test_delete_answers_204(api):
    TagFactory(name="gone")

    response = api.delete(f"{URL}/gone")

    assert response.status_code == 204
    assert not Tag.objects.exists()


def test_delete_a_tag_an_outreach_carries_is_409(api):
    tag = TagFactory(name="vip")
    OutreachFactory(tag=tag)

    response = api.delete(f"{URL}/vip")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Still referenced by 1 other record(s); remove those first."
    }
    assert Tag.objects.filter(name="vip").exists()
