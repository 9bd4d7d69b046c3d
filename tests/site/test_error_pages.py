"""With DEBUG off (as under `make run` and in production) errors are the product's own pages, in
the layout, with a way back: never Django's debug page listing every URL."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

INTERNAL = ("Traceback", "URLconf", "Django", "DEBUG", "technical", "sample_1", "api/schema")


def assert_product_page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert '<a class="button button--primary" href="/">Go to the home page</a>' in page
    assert 'href="/static/css/app.css"' in page  # the product's layout
    for word in INTERNAL:
        assert word not in page, word
    return page


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "tests.site.error_urls"
    settings.DEBUG = False


def test_a_missing_page_is_the_products_404_for_a_member(dash, settings):
    settings.DEBUG = False
    page = assert_product_page(dash.get("/no/such/page/"), 404, "Page not found")
    assert 'aria-label="Main"' in page  # the navigation, to go elsewhere


def test_a_missing_record_is_the_products_404(dash):
    assert_product_page(dash.get("/companies/com_999999/"), 404, "Page not found")


def test_a_missing_page_is_a_404_page_for_anyone(client):
    page = assert_product_page(client.get("/no/such/page/"), 404, "Page not found")
    assert 'aria-label="Main"' not in page


def test_a_missing_api_path_answers_json(api):
    response = api.get("/api/no-such-list")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_forbidden_is_the_products_403(dash, failing_urls):
    assert_product_page(dash.get("/test-forbidden/"), 403, "You may not open this page")


def test_a_form_without_its_csrf_token_is_the_products_403(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert_product_page(client.post("/logout/"), 403, "This form has expired")


def test_a_server_error_is_the_products_500(user, failing_urls):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    assert_product_page(client.get("/test-broken/"), 500, "Something went wrong on our side")
