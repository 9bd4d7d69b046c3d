"""Nothing answers anonymous callers except the login page: every URL of the URL conf is tried,
so a new URL cannot be forgotten. Logging in and out, and the CSRF token session posts need."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import OutreachFactory, UserFactory

pytestmark = pytest.mark.django_db

# Pages that must answer anonymously: the login page itself, the health check (which says
# nothing but ok or unavailable; tests/reliability/test_faults.py), and an invite link (an unknown
# one is a 404; tests/workspaces/test_views.py), and one-click unsubscribe (a forged token is a
# 400; tests/replies/test_unsubscribe.py).
PUBLIC = {"/login/", "/healthz", "/invite/sample_1/", "/u/sample_1"}


def concrete_paths(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = str(entry.pattern)
        # Turn a regex or path() pattern into a sample path.
        sample = re.sub(r"\(\?P<(\w+)>[^)]*\)", "sample_1", pattern)
        sample = re.sub(r"<int:\w+>", "1", sample)  # a bare number (an import's own id)
        sample = re.sub(r"<(?:\w+:)?(\w+)>", "sample_1", sample)
        sample = sample.replace("^", "").replace("$", "").replace("/?", "/").replace("\\", "")
        sample = re.sub(r"\(\?:[^)]*\)\??", "", sample).replace("?", "")
        if isinstance(entry, URLResolver):
            if "admin" in pattern:
                yield prefix + sample  # the admin has its own login; checked below
                continue
            yield from concrete_paths(entry, prefix + sample)
        elif isinstance(entry, URLPattern):
            yield prefix + sample


def test_url_conf_is_enumerated():
    paths = set(concrete_paths())
    assert "/api/outreaches/" in {"/" + p for p in paths}
    assert len(paths) > 20


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_no_url_answers_anonymously(client, method):
    for path in sorted({"/" + p for p in concrete_paths()}):
        if path in PUBLIC or path.startswith("/static/"):
            continue
        response = getattr(client, method)(path)
        if path.startswith(("/api/", "/ajax/", "/api1.0/")) and not path.startswith("/api/docs"):
            assert response.status_code in (401, 403, 404, 405), (method, path)
            assert response.status_code != 200
            if response.status_code == 404:
                # A 404 must come from the URL conf, never from a view that ran anonymously.
                assert method != "get" or path.count("sample_1") > 0, path
        else:
            assert response.status_code in (302, 403, 405), (method, path, response.status_code)
            if response.status_code == 302:
                assert "login" in response["Location"], (method, path)


def test_login_page_answers_anonymously(client):
    assert client.get("/login/").status_code == 200


def test_token_and_session_both_authenticate(api, client, user):
    assert api.get("/api/users/me").json()["username"] == "alice"
    client.force_login(user)
    assert client.get("/api/users/me").json()["username"] == "alice"


def test_session_requests_need_csrf(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/tags", {"name": "x"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_drf_create_token_command(user):
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("drf_create_token", "alice")
    assert Token.objects.filter(user=user).exists()


# --- login, logout, CSRF ---------------------------------------------------------------------


def test_login_page_is_styled_and_logs_in(client):
    UserFactory(username="bob", password="pass-word-123")
    page = client.get("/login/")
    assert page.status_code == 200
    assert b"css/app.css" in page.content
    assert b'<label for="id_username">' in page.content

    wrong = client.post("/login/", {"username": "bob", "password": "nope"})
    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in wrong.content.decode()

    response = client.post("/login/", {"username": "bob", "password": "pass-word-123"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_logout_is_a_post_form_with_csrf(dash):
    html = dash.get("/").content.decode()
    form = re.search(r'<form method="post" action="/logout/">(.*?)</form>', html, re.S)
    assert form and "csrfmiddlewaretoken" in form.group(1)
    assert dash.post("/logout/").status_code == 302
    assert dash.get("/").status_code == 302  # logged out


def test_dashboard_posts_need_the_csrf_token(user):
    outreach = OutreachFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = f"/outreaches/{outreach.public_id}/transition/"

    refused = client.post(url, {"transition": "start_enrichment"})
    assert refused.status_code == 403

    page = client.get(f"/outreaches/{outreach.public_id}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    accepted = client.post(url, {"transition": "start_enrichment", "csrfmiddlewaretoken": token[1]})
    assert accepted.status_code == 302
    outreach.refresh_from_db()
    assert outreach.current_state == "enrichment"
