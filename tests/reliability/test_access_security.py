"""Access: tokens are created and revoked, login is rate-limited against guessing, the API
throttles each user with 429 and Retry-After, and every session-authenticated unsafe request
needs the CSRF token. (That no URL answers anonymously is tests/site/test_access.py.)"""

import re
import time
from unittest import mock

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import OutreachFactory, UserFactory
from tests.site.test_access import concrete_paths

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LOCKED = re.compile(r"Too many failed logins for this username\. Try again in \d+ minutes?\.")
WRONG = "Please enter a correct username and password"


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- tokens ----------------------------------------------------------------------------------


def test_a_token_works_until_it_is_regenerated(user):
    call_command("drf_create_token", "alice", verbosity=0)
    old = Token.objects.get(user=user).key
    assert token_client(old).get("/api/users/me").status_code == 200

    call_command("drf_create_token", "alice", reset_token=True, verbosity=0)
    new = Token.objects.get(user=user).key
    assert new != old
    response = token_client(old).get("/api/users/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert token_client(new).get("/api/users/me").json()["username"] == "alice"


def test_a_token_deleted_in_the_admin_is_refused(token):
    admin = Client()
    admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = admin.post(
        f"/admin/authtoken/tokenproxy/{token.user_id}/delete/", {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert not Token.objects.filter(key=token.key).exists()
    response = token_client(token.key).get("/api/outreaches")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert response["WWW-Authenticate"] == "Token"


# --- login guessing --------------------------------------------------------------------------


@pytest.fixture
def bob(clean_cache):
    return UserFactory(username="bob", password=PASSWORD)


def login(client, password, username="bob", ip="127.0.0.1", path="/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_failed_logins_lock_the_username_from_that_address(bob):
    client = Client()
    for _ in range(4):
        response = login(client, "guess")
        assert response.status_code == 200
        assert WRONG in response.content.decode()
    fifth = login(client, "guess")
    assert fifth.status_code == 429
    assert LOCKED.search(fifth.content.decode())
    # A rolling window (core/limits.py): the five count fully for the rest of this 15-minute
    # window, then fade through the next, so a sixth fits after 3 to 18 minutes.
    assert 180 <= int(fifth["Retry-After"]) <= 1080

    # Even the right password is not checked any more from here, for this username.
    response = login(client, PASSWORD)
    assert response.status_code == 429
    assert LOCKED.search(response.content.decode())
    assert not logged_in(client)

    # Another address, or another username from this address, is not affected.
    elsewhere = Client()
    assert login(elsewhere, PASSWORD, ip="127.0.0.2").status_code == 302
    assert logged_in(elsewhere)
    UserFactory(username="carol", password=PASSWORD)
    assert login(Client(), PASSWORD, username="carol").status_code == 302


def test_the_username_is_matched_case_insensitively_for_the_count(bob):
    client = Client()
    for name in ["bob", "BOB", "Bob", " bob", "bOb"]:
        login(client, "guess", username=name)
    assert login(client, PASSWORD).status_code == 429


def test_the_lock_ends_with_its_window(bob, settings):
    settings.LOGIN_FAILURE_WINDOW = 1
    client = Client()
    for _ in range(5):
        login(client, "guess")
    assert login(client, PASSWORD).status_code == 429
    time.sleep(1.3)  # the rest of this window and a fifth of the next (see above)
    assert login(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_successful_login_starts_the_count_again(bob):
    client = Client()
    for _ in range(4):
        login(client, "guess")
    assert login(client, PASSWORD).status_code == 302
    client = Client()
    for _ in range(4):
        assert login(client, "guess").status_code == 200
    assert login(client, PASSWORD).status_code == 302


def test_the_admin_login_is_locked_too(bob):
    bob.is_staff = True
    bob.save()
    client = Client()
    for _ in range(5):
        login(client, "guess", path="/admin/login/")
    response = login(client, PASSWORD, path="/admin/login/")
    assert response.status_code == 429
    assert 180 <= int(response["Retry-After"]) <= 1080
    assert LOCKED.search(response.content.decode())
    assert not logged_in(client)


def test_a_burst_of_guesses_checks_at_most_five_passwords(bob):
    """Attempts are counted before the password is checked, so parallel guesses cannot all
    slip in before the first failure is recorded."""
    client = Client()
    with mock.patch(
        "django.contrib.auth.base_user.check_password", side_effect=check_password
    ) as checked:
        for _ in range(20):
            login(client, "guess")
    assert checked.call_count == 5


# --- API throttling --------------------------------------------------------------------------


@pytest.fixture
def low_rate(settings, clean_cache):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        # Per hour, so that the few requests below never straddle two windows.
        "DEFAULT_THROTTLE_RATES": {"user": "3/hour"},
    }


def test_each_user_is_throttled_with_429_and_retry_after(low_rate, api, user):
    for _ in range(3):
        assert api.get("/api/outreaches").status_code == 200
    response = api.get("/api/outreaches")
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    # The rolling window: the 3 requests of this hour count for the share of the hour still to
    # come in the next one, so one more fits once that share is down to 2 of 3, a third of an
    # hour into the next hour (more than an hour away early in this one).
    into_hour = (time.time() % 3600) / 3600
    assert abs(wait - (1 - into_hour + 1 / 3) * 3600) <= 5
    assert response.json() == {
        "detail": f"Request was throttled. Expected available in {wait} second"
        + ("s." if wait != 1 else ".")
    }
    # The same user through a session is the same budget; another user has their own.
    session = APIClient()
    session.force_login(user)
    assert session.get("/api/outreaches").status_code == 429
    other = Token.objects.create(user=UserFactory(username="dave"))
    assert token_client(other.key).get("/api/outreaches").status_code == 200


def test_the_default_rate_leaves_room_for_the_dashboard(settings):
    from core.api.throttling import parse_rate

    count, seconds = parse_rate(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"])
    assert count / seconds >= 50  # requests per second, per user


# --- CSRF ------------------------------------------------------------------------------------

UNSAFE = ["post", "put", "patch", "delete"]
ADMIN_PATHS = [
    "/admin/login/",
    "/admin/logout/",
    "/admin/outreach/outreach/add/",
    "/admin/outreach/outreach/1/change/",
    "/admin/outreach/outreach/1/delete/",
    "/admin/auth/user/1/password/",
]


def resolvable_paths() -> list[str]:
    """Every URL of the URL conf, with sample ids that resolve (`1` for `<int:pk>`)."""
    paths = set(ADMIN_PATHS)
    for pattern in concrete_paths():
        for candidate in ("/" + pattern, "/" + pattern.replace("sample_1", "1")):
            if candidate.startswith(("/admin", "/static")):
                continue
            try:
                resolve(candidate)
            except Resolver404:
                continue
            paths.add(candidate)
            break
    return sorted(paths)


def test_every_session_authenticated_unsafe_request_needs_the_csrf_token():
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    OutreachFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    paths = resolvable_paths()
    assert len(paths) > 50
    assert "/api/outreaches/batch_assign/" in paths or "/api/outreaches/batch_assign" in paths
    assert "/ajax/outreach/insert.json" in paths
    for path in paths:
        if path.startswith("/u/"):
            # One-click unsubscribe (RFC 8058) takes no CSRF token by design: mail programs
            # POST to it, and its signed token names the only person it can change.
            continue
        for method in UNSAFE:
            # A form body: what a page on another site can make a browser send.
            response = client.generic(
                method.upper(), path, "name=x", content_type="application/x-www-form-urlencoded"
            )
            assert response.status_code == 403, (method, path, response.status_code)
            assert b"CSRF" in response.content, (method, path)
    # Still logged in: nothing above changed the session.
    assert client.get("/api/users/me").json()["username"] == "root"


def test_the_same_request_with_the_csrf_token_is_accepted(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/tags",
        {"name": "with-token"},
        HTTP_X_CSRFTOKEN=token,
        HTTP_REFERER="http://testserver/",
    )
    assert response.status_code == 201


def test_token_authenticated_requests_need_no_csrf_token(api):
    # A token is not sent by a browser on its own, so it is no CSRF risk.
    assert api.post("/api/tags", {"name": "scripted"}, format="json").status_code == 201
