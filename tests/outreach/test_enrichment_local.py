"""The local provider: normalisation tables, email inference from colleagues, reasons."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outreach.enrichment.local import LEARNT, LocalProvider, colleagues_at
from outreach.enrichment.providers import Contact, Found, Missing, get_provider
from tests.factories import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_worker():
    """Each test starts as a worker that has learnt no domain yet."""
    LEARNT.clear()


def findings(**known):
    contact = Contact(person_id=1, **known)
    return LocalProvider().enrich([contact])[1]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Jane.Doe@ACME.COM", Found("Jane.Doe@acme.com", "given")),
        ("  jane@acme.com ", Found("jane@acme.com", "given")),
        (
            "jane@@acme.com",
            Missing(
                "invalid",
                "The email address 'jane@@acme.com' is not valid: The part after the @-sign "
                "contains invalid characters: '@'.",
            ),
        ),
        (
            "jane@acme",
            Missing(
                "invalid",
                "The email address 'jane@acme' is not valid: The part after the @-sign is not "
                "valid. It should have a period.",
            ),
        ),
    ],
)
def test_email_is_checked_by_syntax_only(given, expected):
    assert findings(email=given).email == expected


def test_a_bounced_email_is_not_usable():
    assert findings(email="jane@acme.com", email_invalid=True).email == Missing(
        "bounced", "Mail to jane@acme.com bounced."
    )


@pytest.mark.parametrize(
    ("region", "given", "expected"),
    [
        ("US", "(650) 253-0000", Found("+16502530000", "given")),
        ("US", "+1 650 253 0000", Found("+16502530000", "given")),
        ("US", "+44 20 7031 3000", Found("+442070313000", "given")),
        ("DE", "030 12345678", Found("+493012345678", "given")),
        (
            "US",
            "030 12345678",
            Missing(
                "invalid",
                "The phone number '030 12345678' is not valid: Not a valid phone number for "
                "its country.",
            ),
        ),
        (
            "US",
            "12",
            Missing(
                "invalid",
                "The phone number '12' is not valid: Not a valid phone number for its country.",
            ),
        ),
        ("US", "", Missing("missing", "No phone number is known.")),
    ],
)
def test_phone_becomes_e164_in_the_default_region(settings, region, given, expected):
    settings.PHONE_DEFAULT_REGION = region
    assert findings(phone=given).phone == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("linkedin.com/in/Jane-Doe/", Found("https://www.linkedin.com/in/jane-doe", "given")),
        (
            "https://uk.linkedin.com/in/jdoe?trk=feed",
            Found("https://www.linkedin.com/in/jdoe", "given"),
        ),
        (
            "https://twitter.com/jdoe",
            Missing(
                "invalid",
                "The LinkedIn profile link 'https://twitter.com/jdoe' is not valid: Not a "
                "linkedin address: expected a linkedin.com link.",
            ),
        ),
        ("", Missing("missing", "No LinkedIn profile link is known.")),
    ],
)
def test_linkedin_links_get_one_canonical_form(given, expected):
    assert findings(linkedin_url=given).linkedin_url == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("fb.com/Jane.Doe", Found("https://www.facebook.com/jane.doe", "given")),
        (
            "https://www.facebook.com/profile.php?id=123&ref=bookmarks",
            Found("https://www.facebook.com/profile.php?id=123", "given"),
        ),
        (
            "https://facebook.com/",
            Missing(
                "invalid",
                "The Facebook profile link 'https://facebook.com/' is not valid: Expected a "
                "Facebook profile link like facebook.com/name.",
            ),
        ),
        ("", Missing("missing", "No Facebook profile link is known.")),
    ],
)
def test_facebook_links_get_one_canonical_form(given, expected):
    assert findings(facebook_url=given).facebook_url == expected


def test_missing_email_is_inferred_from_colleagues_at_the_company_domain():
    acme = CompanyFactory(name="Acme", domain="acme.com")
    PersonFactory(company=acme, first_name="Ann", last_name="Bell", email="ann.bell@acme.com")
    PersonFactory(company=acme, first_name="Carl", last_name="Dunn", email="carl.dunn@acme.com")
    PersonFactory(company=acme, first_name="Eve", last_name="Ford", email="eford@acme.com")
    # A bounced address is no evidence of the pattern.
    PersonFactory(
        company=acme, first_name="Gus", last_name="Hale", email="gh@acme.com", email_invalid=True
    )
    email = findings(
        first_name="Zoë", last_name="Núñez", company_name="Acme", company_domain="acme.com"
    ).email
    assert email == Found(
        "zoe.nunez@acme.com",
        "inferred",
        0.5,
        {"pattern": "first.last", "domain": "acme.com", "colleagues": 3, "following": 2},
    )


def test_colleagues_count_under_every_spelling_of_their_domain():
    first = CompanyFactory(name="Acme", domain="acme.com")
    second = CompanyFactory(name="Acme (EU)", domain="https://www.Acme.com/")
    PersonFactory(company=first, first_name="Ann", last_name="Bell", email="ann.bell@acme.com")
    PersonFactory(company=second, first_name="Carl", last_name="Dunn", email="carl.dunn@acme.com")
    contacts = [
        Contact(person_id=n, first_name="Ivy", last_name="Jones", company_domain=domain)
        for n, domain in enumerate(["acme.com", "https://www.Acme.com/"])
    ]
    found = LocalProvider().enrich(contacts)
    for n in range(2):
        assert found[n].email.value == "ivy.jones@acme.com"
        assert found[n].email.evidence["colleagues"] == 2


def test_inference_reads_colleagues_once_for_many_people_and_domains():
    for domain in ("a.com", "b.com", "c.com"):
        company = CompanyFactory(domain=domain)
        PersonFactory.create_batch(3, company=company, email=f"x@{domain}")
    contacts = [
        Contact(person_id=n, first_name="Ivy", last_name="Jones", company_domain=domain)
        for n, domain in enumerate(["a.com", "b.com", "c.com"] * 20)
    ]
    with CaptureQueriesContext(connection) as queries:
        LocalProvider().enrich(contacts)
    # The colleagues with a given address, for all the domains at once (PostgreSQL: their
    # digests first).
    remembers = connection.vendor == "postgresql"
    assert len(queries.captured_queries) == (2 if remembers else 1)


def test_a_worker_reads_again_only_the_domains_whose_colleagues_changed():
    """PostgreSQL: the patterns learnt are remembered with a digest of their colleagues, so a
    chunk meeting a domain again reads only the digests, until a colleague changes."""
    if connection.vendor != "postgresql":
        pytest.skip("digests are read with PostgreSQL's aggregates")
    acme = CompanyFactory(domain="acme.com")
    beta = CompanyFactory(domain="beta.com")
    PersonFactory(company=acme, first_name="Ann", last_name="Bell", email="ann.bell@acme.com")
    PersonFactory(company=beta, first_name="Bo", last_name="Kim", email="bkim@beta.com")
    contacts = [
        Contact(person_id=n, first_name="Ivy", last_name="Jones", company_domain=domain)
        for n, domain in enumerate(["acme.com", "beta.com"])
    ]

    def enrich():
        with CaptureQueriesContext(connection) as queries:
            found = LocalProvider().enrich(contacts)
        return [found[n].email.value for n in range(2)], queries.captured_queries

    first, read = enrich()
    assert first == ["ivy.jones@acme.com", "ijones@beta.com"]
    assert len(read) == 2
    again, read = enrich()
    assert again == first
    assert len(read) == 1  # the digests alone
    # New evidence at acme.com: only that domain is read again, and it learns from it.
    for first_name, last_name in [("Carl", "Dunn"), ("Eve", "Ford")]:
        PersonFactory(
            company=acme,
            first_name=first_name,
            last_name=last_name,
            email=f"{first_name[0]}{last_name}@acme.com".lower(),
        )
    changed, read = enrich()
    assert changed == ["ijones@acme.com", "ijones@beta.com"]
    assert len(read) == 2
    assert "beta.com" not in read[1]["sql"]


def test_the_colleague_read_is_answered_from_its_own_index():
    """Every chunk reads its domains' colleagues: PostgreSQL can answer from the partial
    index alone, which holds only usable addresses, so the read's conditions must stay its."""
    if connection.vendor != "postgresql":
        pytest.skip("index-only scans are PostgreSQL's")
    company = CompanyFactory(domain="a.com")
    PersonFactory(company=company, first_name="Ann", last_name="Lee", email="ann.lee@a.com")
    PersonFactory(company=company, email="", email_invalid=False)
    PersonFactory(company=company, email="gone@a.com", email_invalid=True)
    with connection.cursor() as cursor:
        # A tiny table is read whole otherwise: ask whether the index can answer at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        # Statistics of these rows, not of what earlier tests committed and took away.
        cursor.execute("ANALYZE contacts_person, contacts_company")
    read = colleagues_at({"a.com"})
    assert "Index Only Scan using person_colleague_idx" in read.explain()
    assert list(read) == [("Ann", "Lee", "ann.lee@a.com", "a.com")]


@pytest.mark.parametrize(
    ("known", "code", "reason"),
    [
        (
            {"first_name": "Ivy", "last_name": "Jones"},
            "no_domain",
            "No email address is known and the person has no company whose domain could give one.",
        ),
        (
            {"first_name": "Ivy", "last_name": "Jones", "company_name": "Acme"},
            "no_domain",
            "No email address is known and Acme has no domain to infer one from.",
        ),
        (
            {
                "first_name": "Ivy",
                "last_name": "Jones",
                "company_name": "Acme",
                "company_domain": "lonely.com",
            },
            "no_colleagues",
            "No email address is known. No colleague at lonely.com has a known address to "
            "learn the pattern from.",
        ),
    ],
)
def test_why_no_email_could_be_inferred(known, code, reason):
    assert findings(**known).email == Missing(code, reason)


def test_the_provider_is_chosen_by_a_dotted_path_setting(settings):
    settings.ENRICHMENT_PROVIDER = "tests.outreach.test_enrichment_local.StubProvider"
    assert isinstance(get_provider(), StubProvider)


class StubProvider(LocalProvider):
    name = "stub"
