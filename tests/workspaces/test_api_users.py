"""/api/users: the active members of one's workspace, read-only, and /api/users/me."""

from unittest.mock import ANY

import pytest
from django.contrib.auth import get_user_model

from tests.factories import UserFactory, WorkspaceFactory
from tests.support.api import ReadOnlyResourceCases

pytestmark = pytest.mark.django_db

URL = "/api/users"


class TestUsersResource(ReadOnlyResourceCases):
    path = URL
    prefix = "usr"
    make = UserFactory
    existing = 1  # the API's own user


def test_list_answers_the_envelope_of_active_users_by_username(api, user):
    carol = UserFactory(username="carol", first_name="", last_name="")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Brown")
    UserFactory(username="zed", is_active=False)
    UserFactory(username="xavier", membership__workspace=WorkspaceFactory(name="Elsewhere"))
    UserFactory(username="yves", membership=False)

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
    assert body["items"] == [
        {"id": f"usr_{user.pk}", "username": "alice", "name": "Alice Adams", "role": "admin"},
        {"id": f"usr_{bob.pk}", "username": "bob", "name": "Bob Brown", "role": "admin"},
    ]
    last = api.get(URL, {"per": 2, "page": 2}).json()["items"]
    # Without a full name, the username stands in.
    assert last == [
        {"id": f"usr_{carol.pk}", "username": "carol", "name": "carol", "role": "admin"}
    ]


def test_me_is_the_authenticated_user(api, user):
    response = api.get(f"{URL}/me")

    assert response.status_code == 200
    assert response.json() == {
        "id": f"usr_{user.pk}",
        "username": "alice",
        "name": "Alice Adams",
        "role": "admin",
        "workspace_id": f"wsp_{user.membership.workspace_id}",
    }


def test_me_works_for_a_session_login_too(client, user):
    client.force_login(user)

    response = client.get(f"{URL}/me")

    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_retrieve_by_prefixed_id(api):
    bob = UserFactory(username="bob", first_name="Bob", last_name="Brown", membership__role="rep")

    response = api.get(f"{URL}/usr_{bob.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": f"usr_{bob.pk}",
        "username": "bob",
        "name": "Bob Brown",
        "role": "rep",
    }


def test_a_user_of_another_workspace_is_404(api):
    other = UserFactory(membership__workspace=WorkspaceFactory(name="Elsewhere"))

    assert api.get(f"{URL}/usr_{other.pk}").status_code == 404


def test_an_inactive_user_is_404(api):
    gone = UserFactory(is_active=False)

    assert api.get(f"{URL}/usr_{gone.pk}").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", URL), ("patch", f"{URL}/me"), ("put", f"{URL}/me"), ("delete", f"{URL}/me")],
)
def test_the_api_is_read_only(api, method, path):
    users_before = get_user_model().objects.count()

    response = getattr(api, method)(path, {"username": "mallory"}, format="json")

    assert response.status_code == 405
    assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}
    assert get_user_model().objects.count() == users_before


def test_changing_a_user_by_id_is_not_allowed(api, user):
    response = api.patch(f"{URL}/usr_{user.pk}", {"username": "mallory"}, format="json")

    assert response.status_code == 405
    user.refresh_from_db()
    assert user.username == "alice"


def test_anonymous_me_is_401(anon):
    response = anon.get(f"{URL}/me")

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
