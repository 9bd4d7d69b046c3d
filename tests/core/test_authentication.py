"""API tokens are checked in one raw statement, with DRF's answers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import authentication as drf
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from tests.factories import UserFactory
from workspaces.authentication import TokenAuthentication
from workspaces.selectors import membership_of

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_api_uses_it():
    assert api_settings.DEFAULT_AUTHENTICATION_CLASSES[0] is TokenAuthentication


def test_a_token_gives_its_user_and_itself_as_drf_does(token):
    UserFactory(username="someone-else")
    with CaptureQueriesContext(connection) as queries:
        user, found = TokenAuthentication().authenticate_credentials(token.key)
        assert found.user is user  # attached: no query to reach it
        assert membership_of(user).workspace_id == token.user.membership.workspace_id
    assert len(queries) == 1  # the membership came with the user
    drf_user, drf_token = drf.TokenAuthentication().authenticate_credentials(token.key)
    # Every field as the ORM reads it (booleans and dates converted on SQLite too).
    assert _fields(user) == _fields(drf_user)
    assert (found.pk, found.user_id) == (drf_token.pk, drf_token.user_id)
    assert found.created == drf_token.created  # loaded when asked for


@pytest.mark.parametrize("key", ["", "nope", "' OR '1'='1", "%s", "a" * 400, "ab\x00cd"])
def test_an_unknown_key_is_an_invalid_token(token, key):
    with pytest.raises(AuthenticationFailed, match=r"Invalid token\."):
        TokenAuthentication().authenticate_credentials(key)


def test_an_inactive_users_token_is_refused(token, user):
    user.is_active = False
    user.save()
    with pytest.raises(AuthenticationFailed, match=r"User inactive or deleted\."):
        TokenAuthentication().authenticate_credentials(token.key)


def test_the_request_user_is_the_tokens(api, user):
    response = api.get("/api/users/me")
    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_a_key_with_a_nul_byte_is_refused_not_an_error(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}\x00")
    response = client.get("/api/outreaches")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    # A body no field can hold is refused before any key in it is read, as broken JSON is.
    response = APIClient().post(
        "/ajax/outreach/page.json", {"page": 1, "api_key": "\x00"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"status": "api_key: Null characters are not allowed."}
