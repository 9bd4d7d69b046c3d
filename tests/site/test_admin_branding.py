"""The admin names the product and shows its icon, on its login page and inside."""

import pytest

pytestmark = pytest.mark.django_db

ICON = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'


def test_the_admin_login_page_names_outreach(client):
    html = client.get("/admin/login/").content.decode()
    assert "Outreach administration" in html
    assert "Django" not in html
    assert ICON in html


def test_admin_pages_name_outreach_with_its_icon(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/admin/").content.decode()
    assert "<title>Records | Outreach admin</title>" in html
    assert '<a href="/admin/">Outreach administration</a>' in html
    assert "Django administration" not in html
    assert ICON in html
