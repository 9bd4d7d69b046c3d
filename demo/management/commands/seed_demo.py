"""`manage.py seed_demo --outreaches N --seed S`: a realistic, reproducible data set of any size.

The shape follows BENCHMARKS.md "Data": people ≈ N/5, companies ≈ N/50 (with duplicate names and
domains), up to 500 owners, up to 1,000 sequences of 1–4 steps, a third of the outreaches without
a sequence, skewed states, channels and outcomes, plus the history rows and follow-ups the services
would have written on the way there.

Rows are generated with `random.Random(seed)` only and written with explicit primary keys, so the
same seed on an empty database gives the same rows. Everything is written in one transaction: on
PostgreSQL with COPY (indexes and foreign keys built after the rows for large loads), then VACUUM
ANALYZE; elsewhere with executemany in batches. Writes bypass the services on purpose: this is a
bulk load of already-consistent rows (states, history and follow-ups generated together), not a
sequence of user actions. Job heat, which is stored, is computed by the jobs app's own rule
(jobs.heat).
"""

import datetime
import enum
import json
import random
import time
from bisect import bisect
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Sequence as Seq
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, TextIO

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from contacts.choices import PersonStatus, Strength
from contacts.models import Company, Person
from followups.choices import FollowUpKind, FollowUpStatus
from followups.models import FollowUp
from jobs.choices import JobStage
from jobs.heat import LatestTouch, explain_heat
from jobs.models import Job
from outreach.choices import (
    MESSAGE_ID_OUTREACH_TYPES,
    OUTREACH_TYPE_CHANNEL,
    UNRESOLVED_OUTCOMES,
    Channel,
    Context,
    DeliveryStatus,
    PipelineState,
    SkipRepliers,
)
from outreach.models import Outreach, OutreachTransition, Sequence, SequenceStep, Tag
from outreach.state_machine import transition_spec

DEFAULT_SEED = 42
BATCH_SIZE = 5_000
# Owners made by the seed have this username prefix and no usable password; --reset removes them.
OWNER_USERNAME_PREFIX = "owner_"
# The apps whose tables hold demo data; --reset empties all of them.
DATA_APPS = ("contacts", "jobs", "outreach", "followups")
DAY = datetime.timedelta(days=1)
# From this size on, PostgreSQL loads build their indexes after the rows (see indexes_built_after).
REBUILD_INDEXES_FROM = 50_000
SEEDED_MODELS = (
    get_user_model(),
    Company,
    Person,
    Tag,
    Sequence,
    SequenceStep,
    Job,
    Outreach,
    OutreachTransition,
    FollowUp,
)
BIG_MODELS = (Person, Outreach, OutreachTransition, FollowUp)


# --- sizes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedPlan:
    """How many rows of each kind a data set of `outreaches` outreaches gets."""

    outreaches: int
    people: int
    companies: int
    owners: int
    sequences: int
    jobs: int
    tags: int


def plan_for(outreaches: int) -> SeedPlan:
    return SeedPlan(
        outreaches=outreaches,
        people=max(1, round(outreaches / 5)),
        companies=max(1, round(outreaches / 50)),
        owners=min(500, max(1, outreaches // 20)),
        sequences=min(1_000, max(1, outreaches // 10)),
        jobs=max(1, outreaches // 100),
        tags=min(len(TAG_NAMES), max(1, outreaches // 10)),
    )


@dataclass
class SeedResult:
    plan: SeedPlan
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# --- vocabulary ------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Olivia Liam Emma Noah Ava Elijah Sophia James Isabella William Mia Benjamin Charlotte Lucas "
    "Amelia Henry Harper Theodore Evelyn Jack Abigail Levi Emily Alexander Ella Jackson Elizabeth "
    "Mateo Camila Daniel Luna Michael Sofia Mason Avery Sebastian Mila Ethan Aria Logan Scarlett "
    "Owen Penelope Samuel Layla Jacob Chloe Asher Victoria Aiden Madison John Eleanor Joseph Grace "
    "Wyatt Nora David Riley Leo Zoey Luke Hannah Julian Hazel Hudson Lily Grayson Ellie Matthew "
    "Violet Ezra Lillian Gabriel Zoe Carter Stella Isaac Aurora Jayden Natalie Luca Emilia Anthony "
    "Everly Dylan Leah Lincoln Aubrey Thomas Willow Maverick Addison Elias Lucy Josiah Audrey "
    "Priya Arjun Wei Mei Hiroshi Yuki Fatima Omar Aisha Mohammed Sven Ingrid Pierre Amelie Jorge "
    "Lucia Tomasz Agnieszka Kwame Ama Dmitri Anastasia"
)
LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jimenez Schmidt Muller Rossi Dubois Kowalski Nakamura "
    "Tanaka Chen Wang Singh Sharma Okafor Mensah Ivanov Larsen Novak"
)
COMPANY_WORDS = _words(
    "Acme Globex Initech Umbrella Stark Wayne Hooli Vandelay Soylent Cyberdyne Tyrell Wonka "
    "Aperture Massive Dynamic Oscorp Pied Piper Gringotts Monarch Blue Sun Nakatomi Virtucon "
    "Northwind Contoso Fabrikam Tailspin Litware Adatum Proseware Lucerne Wingtip Woodgrove "
    "Alpine Coho Fourth Coffee Humongous Margie Trey Bluefin Redwood Cobalt Quantum Vertex "
    "Summit Harbor Beacon Cascade Meridian Nimbus Pioneer Polaris Sterling Tidal Zenith Orbit "
    "Granite Horizon Keystone Lumen Nova Pinnacle Atlas Aurora Sable Cedar Falcon Ember Juniper"
)
COMPANY_KINDS = _words(
    "Labs Systems Analytics Software Robotics Health Logistics Capital Media Energy Cloud Data "
    "Security Networks Bio Works Studio Partners"
)
COMPANY_SUFFIXES = ("", "", "", " Inc", " LLC", " Ltd", " GmbH", " Group")
TLDS = (".com", ".com", ".com", ".io", ".co", ".net", ".ai", ".dev")
TITLES = (
    "CEO",
    "CTO",
    "VP Engineering",
    "Head of Sales",
    "Engineering Manager",
    "Recruiter",
    "Talent Acquisition Lead",
    "Product Manager",
    "Staff Engineer",
    "Founder",
    "Head of Marketing",
    "Director of Operations",
    "Account Executive",
    "HR Business Partner",
    "Software Engineer",
)
JOB_TITLES = (
    "Backend Engineer",
    "Senior Python Developer",
    "Staff Software Engineer",
    "Data Engineer",
    "Engineering Manager",
    "Site Reliability Engineer",
    "Full-Stack Developer",
    "Platform Engineer",
    "Machine Learning Engineer",
    "Developer Advocate",
)
TAG_NAMES = (
    "priority",
    "warm-intro",
    "conference",
    "webinar",
    "inbound",
    "cold",
    "newsletter",
    "partner",
    "referral",
    "enterprise",
    "smb",
    "hiring",
)
SEQUENCE_AUDIENCES = (
    "SaaS founders",
    "Engineering leaders",
    "Recruiters",
    "Fintech CTOs",
    "Healthcare ops",
    "Agency owners",
    "E-commerce heads",
    "Hiring managers",
    "Startup CEOs",
    "Data teams",
    "Security leads",
    "Product managers",
    "Sales VPs",
    "Marketing directors",
    "Logistics buyers",
    "DevOps teams",
    "Open-source maintainers",
    "Conference speakers",
    "Alumni",
    "Past customers",
)
SEQUENCE_STYLES = (
    "cold intro",
    "warm intro",
    "event follow-up",
    "re-engagement",
    "referral ask",
    "job application",
    "product demo",
    "case study",
    "check-in",
    "break-up",
)
STEP_SUBJECTS = (
    "Quick question, {first_name}",
    "Idea for {company}",
    "{company} + us?",
    "Following up",
    "Worth a chat?",
    "Closing the loop",
)
STEP_BODIES = (
    "Hi {first_name},\n\nI noticed {company} is growing its team. Open to a short call?",
    "Hi {first_name},\n\nFloating this back up in case it got buried.",
    "Hi {first_name},\n\nOne last note from me; happy to reconnect whenever suits.",
    "Hi {first_name},\n\nWould a 15-minute call next week work?",
)
SUBJECTS = (
    "Quick question about {company}",
    "Intro: {first} <> {company}",
    "Re: the {title} role",
    "Coffee next week?",
    "Following up on my note",
    "Ideas for {company}'s team",
)
BODY_LINES = (
    "I saw your post about scaling the team and thought of a few ideas.",
    "A mutual friend suggested I reach out.",
    "We helped a similar team cut onboarding time in half.",
    "I'd love to hear how you approach hiring for this role.",
    "Would you be open to a short call this week?",
)
MESSAGE_TYPES = (("intro", 50), ("follow_up", 30), ("referral", 10), ("check_in", 10))
FAILURE_REASONS = (
    "SMTP 550: mailbox unavailable",
    "Rate limited by the provider",
    "Profile no longer exists",
    "Message rejected as spam",
)
ENRICHMENT_FAILURES = (
    "no email address found for the person",
    "the company has no domain to infer an address from",
    "phone number is not valid for its region",
    "no LinkedIn profile found",
)
PHONE_AREAS = ("212", "305", "312", "415", "512", "617", "646", "702", "718", "917", "206", "303")
EMAIL_PATTERNS = ("{f}.{l}", "{f}{l}", "{i}{l}", "{f}", "{f}_{l}")

# Weighted choices: (value, weight). Skewed the way a real desk is.
CHANNELS = (
    (Channel.EMAIL.value, 60),
    (Channel.LINKEDIN.value, 25),
    (Channel.PHONE.value, 8),
    (Channel.FACEBOOK.value, 4),
    (Channel.OTHER.value, 3),
)
TYPES_BY_CHANNEL = {
    channel.value: tuple((t.value, 1) for t, c in OUTREACH_TYPE_CHANNEL.items() if c == channel)
    for channel in Channel
}
PIPELINE_STATES = (
    (PipelineState.NEW.value, 35),
    (PipelineState.ENRICHMENT.value, 3),
    (PipelineState.READY.value, 25),
    (PipelineState.NOT_AVAILABLE.value, 10),
    (PipelineState.STARTING.value, 7),
    (PipelineState.WAITING.value, 20),
)
# The transitions that lead from `new` to each state, in order (named, so the history rows
# take their source and target from the model's transition table).
PIPELINE_PATHS = {
    PipelineState.NEW.value: (),
    PipelineState.ENRICHMENT.value: ("start_enrichment",),
    PipelineState.READY.value: ("start_enrichment", "complete_enrichment"),
    PipelineState.NOT_AVAILABLE.value: ("start_enrichment", "fail_enrichment"),
    PipelineState.STARTING.value: ("start_enrichment", "complete_enrichment", "start"),
    PipelineState.WAITING.value: ("start_enrichment", "complete_enrichment", "start", "wait"),
}
# Moves the system makes (the enrichment worker, the sender); the others carry the user.
SYSTEM_TRANSITIONS = {"complete_enrichment", "fail_enrichment", "wait", "perform", "fail"}
DELIVERY_BY_STATE = {
    PipelineState.NEW.value: (("pending", 80), ("performed", 15), ("canceled", 5)),
    PipelineState.ENRICHMENT.value: (("pending", 1),),
    PipelineState.READY.value: (("pending", 85), ("canceled", 5), ("aborted", 5), ("performed", 5)),
    PipelineState.NOT_AVAILABLE.value: (("pending", 70), ("canceled", 30)),
    PipelineState.STARTING.value: (("pending", 30), ("running", 60), ("failed", 10)),
    PipelineState.WAITING.value: (("performed", 85), ("failed", 5), ("aborted", 10)),
}
DELIVERY_PATHS = {
    DeliveryStatus.PENDING.value: (),
    DeliveryStatus.RUNNING.value: ("run",),
    DeliveryStatus.PERFORMED.value: ("run", "perform"),
    DeliveryStatus.FAILED.value: ("run", "fail"),
    DeliveryStatus.ABORTED.value: ("abort",),
    DeliveryStatus.CANCELED.value: ("cancel",),
}
OUTCOMES = (
    ("none", 35),
    ("no_response", 30),
    ("replied", 14),
    ("positive", 7),
    ("negative", 7),
    ("bounced", 5),
    ("unsubscribed", 2),
)
CONTEXTS = tuple((c.value, 1) for c in Context if c != Context.JOB_OPPORTUNITY)
SKIP_REPLIERS = (
    (SkipRepliers.NONE.value, 70),
    (SkipRepliers.GLOBAL.value, 20),
    (SkipRepliers.TAG_ONLY.value, 10),
)
DIRECTIONS = (("outgoing", 90), ("incoming", 7), ("accepted", 3))
PERSON_STATUSES = (
    (PersonStatus.NEW.value, 45),
    (PersonStatus.CONTACTED.value, 35),
    (PersonStatus.REPLIED.value, 8),
    (PersonStatus.INTERESTED.value, 5),
    (PersonStatus.NOT_INTERESTED.value, 5),
    (PersonStatus.DO_NOT_CONTACT.value, 2),
)
STRENGTHS = ((Strength.WEAK.value, 60), (Strength.MEDIUM.value, 30), (Strength.STRONG.value, 10))
JOB_STAGES = (
    (JobStage.APPLIED.value, 35),
    (JobStage.HR.value, 20),
    (JobStage.TECH.value, 15),
    (JobStage.OFFER.value, 5),
    (JobStage.REJECTED.value, 15),
    (JobStage.DORMANT.value, 10),
)


class Picker:
    """Draws from weighted values with one random() and a bisect (fast in the hot loop)."""

    def __init__(self, rng: random.Random, weighted: Seq[tuple[Any, float]]):
        self.rng = rng
        self.values = [value for value, _ in weighted]
        self.cumulative = list(accumulate(weight for _, weight in weighted))
        self.total = self.cumulative[-1]

    def __call__(self) -> Any:
        return self.values[bisect(self.cumulative, self.rng.random() * self.total)]


def skewed_index(rng: random.Random, size: int, power: float = 1.6) -> int:
    """An index in [0, size) where low indices are drawn more often (a few big accounts)."""
    return min(size - 1, int(size * rng.random() ** power))


# --- progress --------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on a terminal; a line per 10% when the output is a file."""

    WIDTH = 30

    def __init__(self, stream: TextIO | None, label: str, total: int):
        self.stream = stream
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.started = time.monotonic()
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.last_draw = 0.0
        self.last_decile = -1

    def advance(self, count: int) -> None:
        self.done += count
        if self.stream is None:
            return
        if self.tty:
            now = time.monotonic()
            if now - self.last_draw >= 0.1 or self.done >= self.total:
                self.last_draw = now
                self.stream.write("\r" + self._line())
                self.stream.flush()
        else:
            decile = min(10, self.done * 10 // self.total)
            if decile != self.last_decile and decile < 10:
                self.last_decile = decile
                self.stream.write(self._line() + "\n")

    def finish(self) -> None:
        if self.stream is None:
            return
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0
        line = f"{self._line()} in {elapsed:.1f}s ({rate:,.0f}/s)"
        self.stream.write(("\r" + line if self.tty else line) + "\n")
        self.stream.flush()

    def _line(self) -> str:
        share = min(1.0, self.done / self.total)
        filled = int(self.WIDTH * share)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        return f"{self.label:<12} [{bar}] {share:4.0%} {self.done:>11,}/{self.total:,}"


# --- writing rows ----------------------------------------------------------------------------


class TableWriter:
    """Buffers rows of one model (dicts keyed by attname) and writes them in batches.

    Rows carry explicit primary keys so that other rows can point at them before they are
    written; foreign keys are checked at commit. Fields a row leaves out take the field's default
    (timestamps take `now`), so columns added to a model later still load.
    """

    def __init__(self, model: type[models.Model], now: datetime.datetime, progress=None):
        self.model = model
        self.progress = progress
        self.postgres = connection.vendor == "postgresql"
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.buffer: list[tuple] = []
        self.written = 0
        self.next_id = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        self.defaults: dict[str, Any] = {}
        self.callable_defaults: dict[str, Callable[[], Any]] = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            elif f.has_default() and callable(f.default):
                self.callable_defaults[f.attname] = f.get_default
            else:
                default = f.get_default()
                self.defaults[f.attname] = (
                    default.value if isinstance(default, enum.Enum) else default
                )
        # Values psycopg's COPY or sqlite3 cannot take as they are, converted per column.
        self.converters = [self._converter(f) for f in self.fields]
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in self.fields)
        if self.postgres:
            self.sql = f"COPY {table} ({columns}) FROM STDIN"
        else:
            marks = ", ".join(["%s"] * len(self.fields))
            self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"

    def _converter(self, f: models.Field) -> Callable[[Any], Any] | None:
        kind = f.get_internal_type()
        if kind == "JSONField":
            return lambda value: None if value is None else json.dumps(value)
        if not self.postgres and kind in ("DateTimeField", "DateField", "DecimalField"):
            return lambda value, f=f: f.get_db_prep_save(value, connection)
        return None

    def take_id(self) -> int:
        pk = self.next_id
        self.next_id += 1
        return pk

    def add(self, row: dict[str, Any]) -> int:
        """Queue one row; returns its primary key."""
        if "id" not in row:
            row["id"] = self.take_id()
        for name, make in self.callable_defaults.items():
            if name not in row:
                row[name] = make()
        defaults = self.defaults
        values = [row[a] if a in row else defaults[a] for a in self.attnames]
        for index, convert in enumerate(self.converters):
            if convert is not None and values[index] is not None:
                values[index] = convert(values[index])
        self.buffer.append(tuple(values))
        if len(self.buffer) >= BATCH_SIZE:
            self.flush()
        return row["id"]

    def flush(self) -> None:
        if not self.buffer:
            return
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(self.sql) as copy:
                    for values in self.buffer:
                        copy.write_row(values)
            else:
                cursor.executemany(self.sql, self.buffer)
        self.written += len(self.buffer)
        if self.progress is not None:
            self.progress.advance(len(self.buffer))
        self.buffer = []


@contextmanager
def indexes_built_after(big_models: Iterable[type[models.Model]]) -> Iterator[None]:
    """PostgreSQL: drop the secondary indexes and foreign keys of the tables about to be filled,
    and create them again (from their own definitions) once the rows are in.

    Building an index once is several times faster than updating a dozen indexes row by row,
    and re-adding a foreign key checks all rows in one join instead of one trigger per row.
    It all happens inside the caller's transaction, so a failure restores everything.
    """
    tables = [model._meta.db_table for model in big_models]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT con.conrelid::regclass::text, quote_ident(con.conname),
                   pg_get_constraintdef(con.oid)
            FROM pg_constraint con
            WHERE con.contype = 'f' AND con.conrelid = ANY(%s::regclass[])
            ORDER BY 1, 2
            """,
            [tables],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            """
            SELECT ind.indexrelid::regclass::text, pg_get_indexdef(ind.indexrelid)
            FROM pg_index ind
            WHERE ind.indrelid = ANY(%s::regclass[])
              AND NOT EXISTS (
                  SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = ind.indexrelid AND con.conrelid = ind.indrelid
              )
            ORDER BY 1
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        # A table with deferred checks still pending cannot be altered: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def reset_demo_data() -> None:
    """Empty every table of the data apps (and tables pointing at them) and remove the owners
    the seed made. On PostgreSQL this is one TRUNCATE, fast at any size."""
    tables = [
        model._meta.db_table
        for label in DATA_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    statements = connection.ops.sql_flush(
        no_style(), tables, reset_sequences=True, allow_cascade=True
    )
    if connection.vendor == "postgresql":
        # TRUNCATE refuses tables with deferred checks still pending in this transaction.
        statements = ["SET CONSTRAINTS ALL IMMEDIATE", *statements, "SET CONSTRAINTS ALL DEFERRED"]
    connection.ops.execute_sql_flush(statements)
    get_user_model().objects.filter(
        username__startswith=OWNER_USERNAME_PREFIX, password="!"
    ).delete()


# --- the generator ---------------------------------------------------------------------------


@dataclass
class _Company:
    pk: int
    name: str
    domain: str
    owner_id: int | None
    pattern: str
    job_ids: list[int] = field(default_factory=list)


@dataclass
class _Person:
    pk: int
    first: str
    last: str
    company: _Company | None
    email: str
    title: str
    strength: str


class DemoDataBuilder:
    """Generates and writes one data set; every random draw comes from one seeded Random."""

    def __init__(self, plan: SeedPlan, seed: int, now: datetime.datetime, stream: TextIO | None):
        self.plan = plan
        self.rng = random.Random(seed)
        self.now = now
        self.stream = stream
        self.counts: dict[str, int] = {}
        # Jobs are written after the outreaches, with the heat of their latest outreach.
        self.jobs: dict[int, dict[str, Any]] = {}
        self.latest_touch: dict[int, tuple[datetime.datetime, int, LatestTouch]] = {}

    def pick(self, weighted) -> Picker:
        return Picker(self.rng, weighted)

    def writer(self, model, label: str | None = None, total: int = 0) -> TableWriter:
        progress = Progress(self.stream, label, total) if label else None
        return TableWriter(model, self.now, progress)

    def close(self, writer: TableWriter, key: str) -> None:
        writer.flush()
        if writer.progress is not None:
            writer.progress.finish()
        self.counts[key] = self.counts.get(key, 0) + writer.written

    def ago(self, max_days: float, power: float = 2.0) -> datetime.datetime:
        """A moment in the past, recent moments more likely."""
        return self.now - datetime.timedelta(days=max_days * self.rng.random() ** power)

    def build(self) -> dict[str, int]:
        owners = self.build_owners()
        companies = self.build_companies(owners)
        people = self.build_people(companies)
        tags = self.build_tags()
        sequences = self.build_sequences()
        self.build_jobs(companies)
        self.build_outreaches(people, companies, sequences, tags)
        self.write_jobs()
        return self.counts

    def build_owners(self) -> list[int]:
        """Owners are users with no usable password: names on companies, not logins. Owners of
        an earlier seed are reused by username."""
        User = get_user_model()
        rng = self.rng
        usernames = [f"{OWNER_USERNAME_PREFIX}{i:03d}" for i in range(1, self.plan.owners + 1)]
        ids = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
        writer = self.writer(User)
        for username in usernames:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if username in ids:
                continue
            ids[username] = writer.add(
                {
                    "username": username,
                    "first_name": first,
                    "last_name": last,
                    "email": f"{first}.{last}@outreach-demo.example.com".lower(),
                    "password": "!",
                    "date_joined": self.now - 400 * DAY,
                }
            )
        self.close(writer, "owners")
        # Outreaches carry their owner's username as a sort key.
        self.usernames = {pk: name for name, pk in ids.items()}
        return [ids[name] for name in usernames]

    def build_companies(self, owners: list[int]) -> list[_Company]:
        rng = self.rng
        writer = self.writer(Company)
        companies: list[_Company] = []
        for _ in range(self.plan.companies):
            if companies and rng.random() < 0.08:
                # Same company entered twice, or two companies sharing a name.
                twin = rng.choice(companies)
                name = twin.name
                domain = twin.domain if rng.random() < 0.6 else ""
            else:
                words = rng.choice(COMPANY_WORDS)
                if rng.random() < 0.6:
                    words += " " + rng.choice(COMPANY_KINDS)
                name = words + rng.choice(COMPANY_SUFFIXES)
                domain = (
                    words.lower().replace(" ", "") + rng.choice(TLDS) if rng.random() < 0.93 else ""
                )
            owner_id = owners[skewed_index(rng, len(owners))] if rng.random() < 0.9 else None
            created = self.ago(420)
            pk = writer.add(
                {
                    "name": name,
                    "domain": domain,
                    "owner_id": owner_id,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            companies.append(
                _Company(pk, name, domain, owner_id, pattern=rng.choice(EMAIL_PATTERNS))
            )
        self.close(writer, "companies")
        return companies

    def build_people(self, companies: list[_Company]) -> list[_Person]:
        rng = self.rng
        writer = self.writer(Person, "people", self.plan.people)
        status = self.pick(PERSON_STATUSES)
        strength = self.pick(STRENGTHS)
        seen_emails: set[str] = set()
        people: list[_Person] = []
        for index in range(self.plan.people):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            company = companies[skewed_index(rng, len(companies))] if rng.random() < 0.95 else None
            email = ""
            if company and company.domain and rng.random() < 0.7:
                local = company.pattern.format(f=first, l=last, i=first[0]).lower()
                email = f"{local}@{company.domain}"
            elif rng.random() < 0.15:
                email = f"{first}.{last}{rng.randint(1, 99)}@mail.example.com".lower()
            if email in seen_emails:
                local, _, domain = email.partition("@")
                email = f"{local}{index}@{domain}"
            if email:
                seen_emails.add(email)
            person_status = status()
            person_strength = strength()
            created = self.ago(400)
            contacted = None
            if person_status != PersonStatus.NEW.value:
                contacted = created + (self.now - created) * rng.random()
            replied = None
            if person_status in ("replied", "interested", "not_interested"):
                replied = contacted + (self.now - contacted) * rng.random()
            phone = ""
            if rng.random() < 0.5:
                phone = (
                    f"+1{rng.choice(PHONE_AREAS)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
                )
            slug = f"{first}-{last}-{rng.randint(1000, 99999)}".lower()
            title = rng.choice(TITLES)
            pk = writer.add(
                {
                    "first_name": first,
                    "last_name": last,
                    "title": title,
                    "company_id": company.pk if company else None,
                    "email": email,
                    "phone": phone,
                    "linkedin_url": (
                        f"https://www.linkedin.com/in/{slug}" if rng.random() < 0.6 else ""
                    ),
                    "facebook_url": (
                        f"https://www.facebook.com/{slug}" if rng.random() < 0.1 else ""
                    ),
                    "status": person_status,
                    "strength": person_strength,
                    "last_contacted_at": contacted,
                    "last_replied_at": replied,
                    "created_at": created,
                    "updated_at": replied or contacted or created,
                }
            )
            people.append(_Person(pk, first, last, company, email, title, person_strength))
        self.close(writer, "people")
        return people

    def build_tags(self) -> list[int]:
        names = TAG_NAMES[: self.plan.tags]
        existing = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        writer = self.writer(Tag)
        for name in names:
            if name not in existing:
                existing[name] = writer.add({"name": name, "created_at": self.now - 400 * DAY})
        self.close(writer, "tags")
        return [existing[name] for name in names]

    def build_sequences(self) -> list[int]:
        rng = self.rng
        names = []
        for index in range(self.plan.sequences):
            audience = SEQUENCE_AUDIENCES[index % len(SEQUENCE_AUDIENCES)]
            style = SEQUENCE_STYLES[(index // len(SEQUENCE_AUDIENCES)) % len(SEQUENCE_STYLES)]
            version = index // (len(SEQUENCE_AUDIENCES) * len(SEQUENCE_STYLES))
            names.append(f"{audience} — {style}" + (f" v{version + 1}" if version else ""))
        existing = dict(Sequence.objects.filter(name__in=names).values_list("name", "pk"))
        sequences = self.writer(Sequence)
        steps = self.writer(SequenceStep)
        channel = self.pick(CHANNELS)
        ids = []
        for name in names:
            if name in existing:
                ids.append(existing[name])
                continue
            created = self.ago(400, power=1)
            pk = sequences.add(
                {
                    "name": name,
                    "description": f"Outreach to {name.split(' — ')[0].lower()}.",
                    "active": rng.random() < 0.9,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            for position in range(1, rng.randint(1, 4) + 1):
                steps.add(
                    {
                        "sequence_id": pk,
                        "position": position,
                        "channel": channel(),
                        "delay_days": 0 if position == 1 else rng.choice((2, 3, 5, 7)),
                        "subject_template": rng.choice(STEP_SUBJECTS),
                        "body_template": rng.choice(STEP_BODIES),
                    }
                )
            ids.append(pk)
        self.close(sequences, "sequences")
        self.close(steps, "sequence_steps")
        # Outreaches carry their sequence's name as a sort key.
        self.sequence_names = dict(zip(ids, names, strict=True))
        return ids

    def build_jobs(self, companies: list[_Company]) -> None:
        """Draw the jobs; they are written by write_jobs once their outreaches exist."""
        rng = self.rng
        self.job_writer = self.writer(Job)
        stage = self.pick(JOB_STAGES)
        for _ in range(self.plan.jobs):
            company = companies[skewed_index(rng, len(companies))]
            title = rng.choice(JOB_TITLES)
            created = self.ago(200)
            slug = title.lower().replace(" ", "-")
            pk = self.job_writer.take_id()
            self.jobs[pk] = {
                "id": pk,
                "title": title,
                "company_id": company.pk,
                "url": (f"https://{company.domain}/careers/{slug}" if company.domain else ""),
                "stage": stage(),
                "archived": rng.random() < 0.05,
                "created_at": created,
                "updated_at": created,
            }
            company.job_ids.append(pk)

    def write_jobs(self) -> None:
        """Write the jobs with their stored heat, computed by the jobs app's own rule from the
        latest outreach of each (tracked while generating, instead of one query per job)."""
        now = timezone.now()
        for pk, row in self.jobs.items():
            latest = self.latest_touch.get(pk)
            heat = explain_heat(
                stage=row["stage"],
                archived=row["archived"],
                latest=latest[2] if latest else None,
                now=now,
            )
            self.job_writer.add({**row, "heat_score": heat.heat_score, "heat": heat.heat})
        self.close(self.job_writer, "jobs")

    def build_outreaches(self, people, companies, sequences, tags) -> None:
        rng = self.rng
        plan = self.plan
        outreaches = self.writer(Outreach, "outreaches", plan.outreaches)
        history = self.writer(OutreachTransition)
        followups = self.writer(FollowUp)
        state_of = self.pick(PIPELINE_STATES)
        channel_of = self.pick(CHANNELS)
        type_of = {c: self.pick(w) if w else None for c, w in TYPES_BY_CHANNEL.items()}
        delivery_of = {s: self.pick(w) for s, w in DELIVERY_BY_STATE.items()}
        outcome_of = self.pick(OUTCOMES)
        context_of = self.pick(CONTEXTS)
        skip_of = self.pick(SKIP_REPLIERS)
        direction_of = self.pick(DIRECTIONS)
        message_type_of = self.pick(MESSAGE_TYPES)
        # Sequences are used unevenly: a few popular cadences, a long tail.
        sequence_of = self.pick([(pk, 1 / (rank + 1)) for rank, pk in enumerate(sequences)])
        needs_sequence = {PipelineState.STARTING.value, PipelineState.WAITING.value}
        share_needing = sum(w for s, w in PIPELINE_STATES if s in needs_sequence) / sum(
            w for _, w in PIPELINE_STATES
        )
        # A third of all outreaches have no sequence; those in starting/waiting must have one.
        p_no_sequence = (1 / 3) / (1 - share_needing)
        specs = {
            name: transition_spec(name)
            for path in (*PIPELINE_PATHS.values(), *DELIVERY_PATHS.values())
            for name in path
        }
        initial = {
            name: str(Outreach._meta.get_field(name).default)
            for name in ("current_state", "delivery_status")
        }
        for _ in range(plan.outreaches):
            person = people[rng.randrange(len(people))] if rng.random() < 0.97 else None
            company = person.company if person else companies[rng.randrange(len(companies))]
            state = state_of()
            if state in needs_sequence:
                sequence_id = sequence_of()
            else:
                sequence_id = None if rng.random() < p_no_sequence else sequence_of()
            channel = channel_of()
            outreach_type = None
            if type_of[channel] is not None and rng.random() < 0.8:
                outreach_type = type_of[channel]()
            delivery = delivery_of[state]()
            outcome = outcome_of() if delivery == DeliveryStatus.PERFORMED.value else "none"
            job_id = None
            if company and company.job_ids and rng.random() < 0.5:
                job_id = rng.choice(company.job_ids)
            created = self.ago(365)
            span = (self.now - created).total_seconds()
            approved = state in needs_sequence or rng.random() < 0.4
            pk = outreaches.take_id()
            done_time = sent_at = None

            # Walk the pipeline, then the delivery, writing the history as the services would.
            at = created
            actor = company.owner_id if company and rng.random() < 0.7 else None
            for field_name, path in (
                ("current_state", PIPELINE_PATHS[state]),
                ("delivery_status", DELIVERY_PATHS[delivery]),
            ):
                current = initial[field_name]
                for name in path:
                    at += datetime.timedelta(seconds=span * 0.1 * rng.random())
                    spec = specs[name]
                    metadata = {}
                    if name == "fail_enrichment":
                        metadata = {"reason": rng.choice(ENRICHMENT_FAILURES)}
                    history.add(
                        {
                            "outreach_id": pk,
                            "field": spec.field,
                            "transition": name,
                            "from_state": current,
                            "to_state": spec.target,
                            "actor_id": None if name in SYSTEM_TRANSITIONS else actor,
                            "metadata": metadata,
                            "created_at": at,
                        }
                    )
                    current = spec.target
                    if field_name == "delivery_status":
                        done_time = done_time or at
                        if name == "perform":
                            sent_at = at

            first = person.first if person else "there"
            company_name = company.name if company else "your team"
            body_line = rng.choice(BODY_LINES)
            html = rng.random() < 0.1
            body = (
                f"<p>Hi {first},</p><p>{body_line}</p>"
                if html
                else f"Hi {first},\n\n{body_line}\n\nBest regards"
            )
            error = ""
            if delivery == DeliveryStatus.FAILED.value:
                error = rng.choice(FAILURE_REASONS)
            elif delivery == DeliveryStatus.ABORTED.value:
                error = "Skipped: the person already replied (skip_repliers)."
            mail = outreach_type in MESSAGE_ID_OUTREACH_TYPES and sent_at is not None
            row = {
                "id": pk,
                "person_id": person.pk if person else None,
                "company_id": company.pk if company else None,
                "job_id": job_id,
                "sequence_id": sequence_id,
                "tag_id": tags[rng.randrange(len(tags))] if rng.random() < 0.4 else None,
                "channel": OUTREACH_TYPE_CHANNEL[outreach_type].value if outreach_type else channel,
                "outreach_type": outreach_type,
                "current_state": state,
                "delivery_status": delivery,
                "outcome": outcome,
                "context": Context.JOB_OPPORTUNITY.value if job_id else context_of(),
                "message_type": message_type_of(),
                "personalization_score": max(0, min(100, round(rng.gauss(70, 12)))),
                "approved": approved,
                "skip_repliers": skip_of(),
                "direction": direction_of(),
                "subject": rng.choice(SUBJECTS).format(
                    company=company_name,
                    first=first,
                    title=person.title if person else "open",
                ),
                "body": body,
                "body_type": "html" if html else "plain",
                "error_description": error,
                "screenshot_url": (
                    f"https://screenshots.outreach-demo.test/{pk}.png"
                    if rng.random() < 0.02
                    else ""
                ),
                "message_id": f"<{rng.getrandbits(64):016x}@mail.outreach-demo.test>"
                if mail
                else "",
                "sent_at": sent_at,
                "done_time": done_time,
                "created_by_id": actor,
                "created_at": created,
                "updated_at": at,
                # The copies the list sorts by (Outreach.copy_sort_keys).
                "sort_company": company.name if company else None,
                "sort_owner": self.usernames.get(company.owner_id) if company else None,
                "sort_sequence": self.sequence_names.get(sequence_id),
            }
            outreaches.add(row)
            if job_id is not None:
                # What jobs.selectors.latest_touch would pick: latest sent (else created), then id.
                touched = sent_at or created
                known = self.latest_touch.get(job_id)
                if known is None or (touched, pk) > known[:2]:
                    self.latest_touch[job_id] = (
                        touched,
                        pk,
                        LatestTouch(
                            outcome=outcome,
                            strength=person.strength if person else None,
                            channel=row["channel"],
                            personalization_score=row["personalization_score"],
                            touched_at=touched,
                        ),
                    )
            if sent_at is not None and (person or job_id):
                self._followups(followups, pk, person, company, job_id, sent_at, outcome)
        # Children before parents would also do (keys are checked at commit); this reads better.
        for writer, key in (
            (outreaches, "outreaches"),
            (history, "transitions"),
            (followups, "followups"),
        ):
            self.close(writer, key)

    def _followups(self, writer, outreach_id, person, company, job_id, sent_at, outcome) -> None:
        """The follow-ups the automation would have created for a delivered outreach."""
        rng = self.rng
        who = " @ ".join(
            part
            for part in (
                f"{person.first} {person.last}" if person else "",
                company.name if company else "",
            )
            if part
        )
        base = {
            "outreach_id": outreach_id,
            "person_id": person.pk if person else None,
            "job_id": job_id,
            "kind": FollowUpKind.FOLLOW_UP.value,
            "title": f"Follow up with {who}" if who else "Follow up",
            "created_at": sent_at,
        }
        due = sent_at + 3 * DAY
        if outcome in UNRESOLVED_OUTCOMES:
            if due < self.now - 2 * DAY and rng.random() < 0.5:
                completed = due + datetime.timedelta(hours=rng.uniform(1, 40))
                writer.add(
                    {
                        **base,
                        "attempt_no": 1,
                        "due_at": due,
                        "status": "done",
                        "completed_at": completed,
                        "updated_at": completed,
                    }
                )
                second_due = completed + 3 * DAY
                done = second_due < self.now and rng.random() < 0.3
                writer.add(
                    {
                        **base,
                        "attempt_no": 2,
                        "due_at": second_due,
                        "status": FollowUpStatus.DONE.value if done else "pending",
                        "completed_at": second_due if done else None,
                        "created_at": completed,
                        "updated_at": second_due if done else completed,
                    }
                )
            else:
                writer.add(
                    {
                        **base,
                        "attempt_no": 1,
                        "due_at": due,
                        "status": FollowUpStatus.PENDING.value,
                        "updated_at": sent_at,
                    }
                )
            return
        # A resolved outcome canceled the follow-up; a reply asks for an answer.
        writer.add(
            {
                **base,
                "attempt_no": 1,
                "due_at": due,
                "status": FollowUpStatus.CANCELED.value,
                "updated_at": sent_at,
            }
        )
        if outcome in ("replied", "positive") and person:
            replied = sent_at + datetime.timedelta(hours=rng.uniform(2, 72))
            done = rng.random() < 0.6 and replied < self.now
            writer.add(
                {
                    **base,
                    "kind": FollowUpKind.RESPOND.value,
                    "title": f"Respond to {person.first} {person.last}",
                    "attempt_no": 1,
                    "due_at": replied,
                    "created_at": replied,
                    "status": FollowUpStatus.DONE.value if done else "pending",
                    "completed_at": replied + DAY if done else None,
                    "updated_at": replied + DAY if done else replied,
                }
            )


def seed_demo(
    *,
    outreaches: int,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    stream: TextIO | None = None,
    now: datetime.datetime | None = None,
) -> SeedResult:
    """Build a demo data set of `outreaches` outreaches in one transaction.

    Timestamps are relative to `now` (default: the start of today, UTC), so two runs with the
    same seed on the same day, each on an empty database (or with reset=True), write the same
    rows. Progress goes to `stream` when given.
    """
    if outreaches < 1:
        raise ValueError("outreaches must be at least 1")
    if now is None:
        now = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    plan = plan_for(outreaches)
    started = time.monotonic()
    postgres = connection.vendor == "postgresql"
    rebuild = postgres and outreaches >= REBUILD_INDEXES_FROM
    # VACUUM cannot run inside a transaction: a caller's transaction gets ANALYZE alone.
    vacuum = postgres and not connection.in_atomic_block
    tables = [connection.ops.quote_name(model._meta.db_table) for model in SEEDED_MODELS]
    with transaction.atomic():
        with indexes_built_after(BIG_MODELS) if rebuild else nullcontext():
            if reset:
                reset_demo_data()
            counts = DemoDataBuilder(plan, seed, now, stream).build()
        if postgres:
            # Rows came with explicit keys: move the id sequences past them. Then fresh
            # statistics, so the planner sees the new sizes.
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), SEEDED_MODELS):
                    cursor.execute(sql)
                if not vacuum:
                    for table in tables:
                        cursor.execute(f"ANALYZE {table}")
    if vacuum:
        # Statistics and, once committed, the visibility map: index-only scans (deep pages,
        # counts) skip the table from the first request, not once autovacuum has been by.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
    return SeedResult(plan=plan, counts=counts, seconds=time.monotonic() - started)


def positive_int(text: str) -> int:
    value = int(text.replace("_", "").replace(",", ""))
    if value < 1:
        raise ValueError
    return value


class Command(BaseCommand):
    help = "Build a realistic, reproducible demo data set (one transaction, progress on stderr)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--outreaches",
            type=positive_int,
            default=10_000,
            help="How many outreaches to create (people ≈ N/5, companies ≈ N/50). Default 10000.",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Random seed (same seed, same data)."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete all companies, people, jobs, outreaches, sequences, tags and follow-ups "
            "(and the owners a previous seed made) first.",
        )

    def handle(self, *args, outreaches: int, seed: int, reset: bool, **options) -> None:
        if not reset and Outreach.objects.exists():
            raise CommandError(
                "The database already has outreaches; pass --reset to replace them with the "
                "demo data set."
            )
        # The raw stream: the progress bar redraws its line with \r, without newlines.
        stream = self.stderr._out if options["verbosity"] > 0 else None
        result = seed_demo(outreaches=outreaches, seed=seed, reset=reset, stream=stream)
        summary = ", ".join(f"{count:,} {name}" for name, count in result.counts.items())
        self.stdout.write(f"Seeded in {result.seconds:.1f}s: {summary}.")
