import pytest
from django.core.cache import cache
from django.db import connection


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")


@pytest.fixture
def clean_cache():
    """Login failures and throttling counters live in the cache: start and end empty."""
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def queued_tasks_only(settings):
    """Tasks are recorded, not run: enrichment queued on commit stays queued, so a state that
    was entered stays put while the test inspects it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
