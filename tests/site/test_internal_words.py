"""No dashboard page shows the words of the code to the people using it: every page reachable by
following links from the home page (with the demo data and an outreach without a person) is read
as a person sees it, and fails on an internal term or on a bare public id used as a title."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from contacts.models import Company
from tests.factories import OutreachFactory

pytestmark = pytest.mark.django_db

# Matched case-sensitively in the text a person reads (and in titles, labels and placeholders).
INTERNAL_TERMS = (
    "seed 0",
    "Seed 00",
    "GET /api/",
    "PATCH /api/",
    "Traceback",
    "Start_enrichment",
    "start_enrichment",
    "{'",
    "· None:",
)
# Usernames (the demo's are owner_001…) belong on the members page only; elsewhere people are
# named by their names.
USERNAME = "owner_0"
USERNAMES_SHOWN = ("/members/",)
PUBLIC_ID = re.compile(r"^(usr|com|per|seq|out|job|fup|enb)_\d+$")
SKIP = ("/admin/", "/logout/", "/api/", "/static/", "/pick/")
PAGES = 250
VARIANTS_PER_PATH = 2


class Reader(HTMLParser):
    """The text of a page as read, and the text of its titles (links, headings, <title>)."""

    TITLES = {"a", "h1", "h2", "h3", "title", "th", "button", "summary", "label"}
    HIDDEN = {"script", "style"}

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.titles: list[str] = []
        self.links: list[str] = []
        self._open: list[tuple[str, list[str]]] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("title", "aria-label", "placeholder", "alt", "data-confirm"):
            if attrs.get(name):
                self.text.append(attrs[name])
        if tag in self.TITLES:
            self._open.append((tag, []))

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self._hidden -= 1
        if self._open and self._open[-1][0] == tag:
            _, parts = self._open.pop()
            self.titles.append(" ".join("".join(parts).split()))

    def handle_data(self, data):
        if self._hidden:
            return
        self.text.append(data)
        for _, parts in self._open:
            parts.append(data)


@pytest.fixture
def demo_desk(client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "a-test-password-1")
    call_command("bootstrap_demo", "--outreaches", "40", verbosity=0, stdout=None)
    demo = get_user_model().objects.get(username="demo")
    company = Company.objects.filter(workspace__name="Demo").first()
    OutreachFactory(person=None, company=company, channel="linkedin", subject="")
    client.force_login(demo)
    return client


def crawl(client):
    seen: set[str] = set()
    per_path: dict[str, int] = {}
    queue = ["/", "/no/such/page/"]
    problems = []
    while queue and len(seen) < PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if not response["Content-Type"].startswith("text/html"):
            continue
        reader = Reader()
        reader.feed(response.content.decode())
        text = " ".join(" ".join(reader.text).split())
        for term in INTERNAL_TERMS:
            if term in text:
                at = text.index(term)
                problems.append(f"{url}: {term!r} in …{text[max(0, at - 60) : at + 60]}…")
        if USERNAME in text and not url.startswith(USERNAMES_SHOWN):
            at = text.index(USERNAME)
            problems.append(f"{url}: a username in …{text[max(0, at - 60) : at + 60]}…")
        for title in reader.titles:
            if PUBLIC_ID.match(title):
                problems.append(f"{url}: a bare id as a title: {title!r}")
        for href in reader.links:
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP):
                continue
            if "export" in parts.path:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.query:
                if per_path.get(parts.path, 0) >= VARIANTS_PER_PATH:
                    continue
                per_path[parts.path] = per_path.get(parts.path, 0) + 1
            queue.append(target)
    return seen, problems


def test_no_dashboard_page_shows_an_internal_word(demo_desk):
    seen, problems = crawl(demo_desk)
    assert len(seen) > 60, sorted(seen)  # the crawl did reach the pages
    for prefix in (
        "/outreaches/out_",
        "/people/per_",
        "/companies/com_",
        "/jobs/job_",
        "/sequences/",
    ):
        assert any(url.startswith(prefix) for url in seen), prefix
    assert not problems, "\n".join(problems)


def test_the_check_catches_what_it_looks_for():
    reader = Reader()
    reader.feed(
        '<table><tr><td><a href="/outreaches/1/">out_130</a></td></tr></table><p>GET /api/</p>'
    )
    assert reader.titles == ["out_130"] and PUBLIC_ID.match(reader.titles[0])
    assert "GET /api/" in " ".join(reader.text)
