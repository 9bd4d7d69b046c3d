"""Input and output safety: a strict Content-Security-Policy (no inline script anywhere on the
dashboard), security headers on every answer, request body limits (413, never a 500), no
server-side fetch of any user-supplied URL, CSV export inert in spreadsheets."""

import csv
import io
import socket
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from outreach.csv_export import FORMULA_PREFIXES, defuse
from tests.factories import (
    CompanyFactory,
    JobFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
    SequenceStepFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.fixture
def pages(db):
    outreach = OutreachFactory(body="<p>Hello <script>alert(1)</script></p>", body_type="html")
    sequence = SequenceFactory()
    SequenceStepFactory(sequence=sequence)
    job = JobFactory(company=outreach.company)
    return [
        "/",
        "/outreaches/",
        f"/outreaches/{outreach.public_id}/",
        "/followups/",
        "/jobs/",
        f"/jobs/{job.public_id}/",
        "/jobs/new/",
        "/people/",
        f"/people/{outreach.person.public_id}/",
        "/people/import/",
        "/companies/",
        f"/companies/{outreach.company.public_id}/",
        "/sequences/",
        f"/sequences/{sequence.public_id}/",
        f"/sequences/{sequence.public_id}/edit/",
    ]


class InlineCode(HTMLParser):
    """Collects what a strict policy would block: inline scripts, event handler attributes,
    javascript: URLs, inline styles."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            kind = (attributes.get("type") or "text/javascript").lower()
            if "src" not in attributes and "json" not in kind:
                self._in_script = True
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name == "style":
                self.found.append(f"{tag} style=")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"{tag} {name}=javascript:")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline script: {data.strip()[:60]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


# --- Content-Security-Policy -----------------------------------------------------------------


def test_every_dashboard_page_has_the_strict_policy_and_no_inline_code(dash, pages):
    for url in [*pages, "/login/"]:
        client = dash if url != "/login/" else Client()
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == DASHBOARD_CSP, url
        assert inline_code(response.content.decode()) == [], url


def test_the_policy_allows_no_inline_script_or_eval():
    directives = dict(part.strip().split(" ", 1) for part in settings.CSP_HTML.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in settings.CSP_HTML


def test_the_checker_finds_inline_code():
    assert inline_code('<script>alert(1)</script><a onclick="x()">') == [
        "inline script: alert(1)",
        "a onclick=",
    ]
    assert inline_code('<script src="/static/a.js"></script><p style="color:red">') == ["p style="]
    assert inline_code('<script type="application/json">{"a": 1}</script>') == []


def test_the_api_docs_page_loads_swagger_ui_from_static_files(dash):
    response = dash.get("/api/docs")
    assert response["Content-Security-Policy"] == DASHBOARD_CSP
    html = response.content.decode()
    assert inline_code(html) == []
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html


def test_the_admin_has_no_inline_script(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    outreach = OutreachFactory()
    for url in [
        "/admin/",
        "/admin/outreach/outreach/",
        f"/admin/outreach/outreach/{outreach.pk}/change/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == DASHBOARD_CSP
        scripts = [f for f in inline_code(response.content.decode()) if "script" in f]
        assert scripts == [], url


def test_json_answers_get_a_policy_that_allows_nothing(api):
    response = api.get("/api/outreaches")
    assert (
        response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'; sandbox"
    )


# --- security headers ------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/login/", "/healthz", "/api/outreaches", "/outreaches/"])
def test_security_headers_on_every_answer(client, url):
    response = client.get(url)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Permissions-Policy"].startswith("camera=()")
    assert "Content-Security-Policy" in response


# --- request body limits ---------------------------------------------------------------------

LIMIT = 5 * 1024 * 1024


def test_a_json_body_over_5_mb_is_413(api):
    body = b'{"name": "' + b"x" * LIMIT + b'"}'
    response = api.generic("POST", "/api/tags", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"The request body is {len(body):,} bytes; at most {LIMIT:,} bytes are accepted."
    }


def test_a_json_body_just_under_the_limit_is_read_and_validated(api):
    body = b'{"name": "' + b"x" * (LIMIT - 100) + b'"}'
    response = api.generic("POST", "/api/tags", body, content_type="application/json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_a_form_body_over_5_mb_is_413_on_the_dashboard_too(dash):
    body = "q=" + "x" * LIMIT
    response = dash.generic(
        "POST", "/outreaches/batch/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")


def test_a_compat_endpoint_refuses_a_huge_body_before_reading_it(api):
    body = b'{"desc": {"subject": "' + b"x" * LIMIT + b'"}}'
    response = api.generic(
        "POST", "/ajax/outreach/insert.json", body, content_type="application/json"
    )
    assert response.status_code == 413


def test_a_csv_upload_may_be_up_to_its_own_limit(dash):
    """Multipart uploads have their own, larger limit; the import form then judges the file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "people.csv", b"first_name,last_name\n" + b"a,b\n" * (LIMIT // 4 + 10), "text/csv"
    )
    response = dash.post("/people/import/", {"file": upload})
    assert response.status_code != 413
    assert response.status_code < 500


# --- no server-side fetch of user-supplied URLs ----------------------------------------------


@pytest.fixture
def no_network():
    """Fails the test if anything opens a socket or resolves a name (database drivers talk to
    their server from C, below these)."""
    attempts = []

    def refuse(name):
        def call(*args, **kwargs):
            attempts.append((name, args[1:2] if name == "connect" else args[:1]))
            raise AssertionError(f"network access: {name}{args}")

        return call

    with (
        mock.patch.object(socket.socket, "connect", refuse("connect")),
        mock.patch.object(socket.socket, "connect_ex", refuse("connect_ex")),
        mock.patch.object(socket, "getaddrinfo", refuse("getaddrinfo")),
        mock.patch.object(socket, "gethostbyname", refuse("gethostbyname")),
        mock.patch.object(socket, "create_connection", refuse("create_connection")),
    ):
        yield attempts
    assert attempts == []


def test_user_supplied_urls_are_never_fetched(api, dash, run_tasks, no_network):
    company = api.post(
        "/api/companies", {"name": "Acme", "domain": "acme-unresolvable.example"}, format="json"
    ).json()
    person = api.post(
        "/api/people",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "company_id": company["id"],
            "email": "ada@acme-unresolvable.example",
            "linkedin_url": "https://www.linkedin.com/in/ada-lovelace",
            "facebook_url": "https://www.facebook.com/ada.lovelace",
        },
        format="json",
    ).json()
    with run_tasks():
        response = api.post(
            "/api/outreaches",
            {
                "person_id": person["id"],
                "channel": "email",
                "screenshot_url": "http://169.254.169.254/latest/meta-data/",
                "body": '<img src="http://internal.example/pixel.png">',
                "body_type": "html",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        outreach = response.json()
        assert outreach["screenshot_url"] == "http://169.254.169.254/latest/meta-data/"
        patched = api.patch(
            f"/api/outreaches/{outreach['id']}",
            {"screenshot_url": "https://attacker.example/x.png"},
            format="json",
        )
        assert patched.status_code == 200
        enriched = api.patch(f"/api/outreaches/{outreach['id']}/start_enrichment")
        assert enriched.status_code == 200
    assert api.get(f"/api/outreaches/{outreach['id']}").json()["current_state"] == "ready"
    assert dash.get(f"/outreaches/{outreach['id']}/").status_code == 200


def test_the_network_guard_catches_a_fetch(no_network):
    import urllib.request

    with pytest.raises(AssertionError, match="network access"):
        urllib.request.urlopen("http://127.0.0.1:9/")
    no_network.clear()  # the guard saw it; nothing left to report


# --- CSV export ------------------------------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_csv_export_defuses_formulas_in_every_text_column(dash, user):
    for text in DANGEROUS:
        company = CompanyFactory(name=text)
        person = PersonFactory(first_name=text, last_name="", company=company)
        OutreachFactory(person=person, subject=text, job=JobFactory(title=text, company=company))
    response = dash.get("/outreaches/export.csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == len(DANGEROUS)
    for row in rows:
        for column in ("person", "company", "job", "subject"):
            assert row[column].startswith("'"), (column, row[column])
            # (Names may have been trimmed when stored: "\t=1" is kept as "=1".)
            assert row[column][1:].strip() in {d.strip() for d in DANGEROUS}
        for value in row.values():
            assert not value.startswith(FORMULA_PREFIXES), row


@given(st.text(max_size=30))
def test_no_defused_cell_starts_a_formula(text):
    cell = defuse(text)
    assert not cell.startswith(FORMULA_PREFIXES)
    assert cell in (text, "'" + text)
