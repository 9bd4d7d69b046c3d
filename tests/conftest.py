import contextlib

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory
from workspaces.selectors import membership_of


@pytest.fixture
def user(db):
    """Alice, an admin of the test desk (her membership read, as a request would have it)."""
    alice = UserFactory(username="alice", first_name="Alice", last_name="Adams")
    membership_of(alice)
    return alice


@pytest.fixture
def admin_user(db, django_user_model):
    """pytest-django's superuser, an admin of the test desk (the admin's add forms preselect it)."""
    return UserFactory(
        username="admin",
        email="admin@example.com",
        is_staff=True,
        is_superuser=True,
        password="password",
    )


@pytest.fixture
def token(user):
    return Token.objects.create(user=user)


@pytest.fixture
def api(token):
    """An API client authenticated with a token, as scripts use the API."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def client_for():
    """`client_for(user)`: an API client with a token for that user."""

    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return client

    return make


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def dash(client, user):
    """A browser session logged in, as a person uses the dashboard."""
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
    # Factories hash a password per user; the real hasher would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Background tasks run in the test's own thread, when the on-commit callbacks run.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Login lock-outs and API throttle counters live in the cache: no test inherits another's.
    # Served by the database (or Redis) in production, here from memory: no queries to count in
    # every test (the shared caches are tested in tests/reliability/test_limits.py).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """`with run_tasks():` commits the test's work as far as on_commit goes, so the tasks it
    queued run (immediate backend), and fails the test if any task raised."""
    from django_tasks import TaskResultStatus
    from django_tasks.signals import task_finished

    failures = []

    def record(sender, task_result, **kwargs):
        if task_result.status == TaskResultStatus.FAILED:
            failures.append(task_result)

    @contextlib.contextmanager
    def running():
        task_finished.connect(record)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                yield
        finally:
            task_finished.disconnect(record)
        assert not failures, [f.errors[0].traceback for f in failures]

    return running
