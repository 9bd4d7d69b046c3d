"""seed_demo: the demo data set's size, shape and rules, its reproducibility, and the command."""

import datetime
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import demo.seed
from contacts.models import Company, Person
from demo.management.commands.bootstrap_demo import DEMO_OUTREACHES
from demo.seed import DEFAULT_SEED, plan_for, seed_demo
from demo.seed.builder import DemoDataBuilder
from followups.choices import LAST_ATTEMPT
from followups.models import FollowUp
from followups.services import follow_up_title, respond_title
from jobs.heat import heat_bucket
from jobs.models import Job
from jobs.services import job_explain_heat
from outreach.choices import UNRESOLVED_OUTCOMES
from outreach.models import Outreach, OutreachTransition, Sequence, SequenceStep, Tag
from outreach.services import sort_keys
from sending import templating
from tests.factories import OutreachFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 6, 2, tzinfo=datetime.UTC)
SEEDED = [get_user_model(), Company, Person, Tag, Sequence, SequenceStep, Job, Outreach,
          OutreachTransition, FollowUp]  # fmt: skip
postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="PostgreSQL bulk-load path"
)
# Job heat decays with the clock, which moves between two runs.
CLOCK_DEPENDENT = {"last_login", "heat_score", "heat"}


def snapshot() -> dict[str, list[tuple]]:
    """Every column of every seeded row, users included, in key order."""
    return {
        model.__name__: list(
            model.objects.order_by("pk").values_list(
                *[
                    f.attname
                    for f in model._meta.concrete_fields
                    if f.attname not in CLOCK_DEPENDENT
                ]
            )
        )
        for model in SEEDED
    }


def schema() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "UNION ALL SELECT conrelid::regclass::text, conname || pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
        )
        return cursor.fetchall()


# --- seed_demo: sizes and shape --------------------------------------------------------------


def test_plan_follows_its_ratios_and_caps():
    plan = plan_for(1_000_000)
    assert (plan.people, plan.companies, plan.owners, plan.sequences) == (
        200_000,
        20_000,
        500,
        1000,
    )
    small = plan_for(10)
    assert (small.people, small.companies, small.owners, small.sequences) == (2, 1, 1, 1)


def test_seed_writes_the_requested_size_and_ratios():
    result = seed_demo(outreaches=5_000, seed=3, now=NOW)
    plan = plan_for(5_000)
    assert Outreach.objects.count() == 5_000
    assert Person.objects.count() == plan.people == 1_000
    assert Company.objects.count() == plan.companies == 100
    assert Sequence.objects.count() == plan.sequences == 500
    assert get_user_model().objects.filter(username__startswith="owner_").count() == 250
    assert Job.objects.count() == plan.jobs == 50
    assert result.counts["outreaches"] == 5_000

    no_sequence = Outreach.objects.filter(sequence__isnull=True).count() / 5_000
    assert 0.28 < no_sequence < 0.39
    channels = Counter(Outreach.objects.values_list("channel", flat=True))
    assert channels.most_common(1)[0][0] == "email"
    assert set(channels) == {"email", "linkedin", "phone", "facebook", "other"}
    states = Counter(Outreach.objects.values_list("current_state", flat=True))
    assert set(states) == {"new", "enrichment", "ready", "not_available", "starting", "waiting"}
    assert states["new"] > states["enrichment"] * 5  # skewed, not uniform

    names = Counter(Company.objects.values_list("name", flat=True))
    assert any(count > 1 for count in names.values()), "duplicate company names expected"
    domains = Counter(d for d in Company.objects.values_list("domain", flat=True) if d)
    assert any(count > 1 for count in domains.values()), "duplicate domains expected"
    steps = Counter(SequenceStep.objects.values_list("sequence_id", flat=True))
    assert set(steps.values()) <= {1, 2, 3, 4} and len(steps) == 500
    assert Outreach.objects.exclude(tag=None).exists()
    assert Outreach.objects.exclude(job=None).exists()


@pytest.mark.django_db(transaction=True)
def test_a_seed_on_postgresql_leaves_its_tables_vacuumed():
    """Visibility maps set from the start: index-only scans need not visit the table."""
    if connection.vendor != "postgresql":
        pytest.skip("VACUUM and visibility maps are PostgreSQL's")
    seed_demo(outreaches=500, seed=1, now=NOW)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'outreach_outreach'"
        )
        pages, visible = cursor.fetchone()
    assert pages > 0
    assert visible == pages


def test_seeded_rows_obey_the_domain_rules():
    seed_demo(outreaches=2_000, seed=5, now=NOW)
    # Starting a sequence needs a sequence and approval.
    started = Outreach.objects.filter(current_state__in=["starting", "waiting"])
    assert started.exists()
    assert not started.filter(sequence=None).exists()
    assert not started.filter(approved=False).exists()
    # Delivered rows have sent_at; the others do not; outcomes only on delivered rows.
    assert not Outreach.objects.filter(delivery_status="performed", sent_at=None).exists()
    assert not Outreach.objects.exclude(delivery_status="performed").exclude(sent_at=None).exists()
    assert (
        not Outreach.objects.exclude(delivery_status="performed").exclude(outcome="none").exists()
    )
    assert not Outreach.objects.exclude(delivery_status="pending").filter(done_time=None).exists()
    assert not Outreach.objects.filter(created_at__gt=NOW).exists()
    # The company is the person's company.
    for person_company, company in Outreach.objects.exclude(person=None).values_list(
        "person__company_id", "company_id"
    ):
        assert person_company == company
    # Outreach types imply their channel; message ids only on mail types.
    assert (
        not Outreach.objects.filter(outreach_type__startswith="LinkedIn")
        .exclude(channel="linkedin")
        .exists()
    )
    assert (
        not Outreach.objects.exclude(message_id="")
        .exclude(outreach_type__in=["GMail_DirectMessage", "Postmark_DirectMessage"])
        .exists()
    )


def test_history_leads_to_the_current_states():
    seed_demo(outreaches=1_000, seed=9, now=NOW)
    last = {}
    for outreach_id, field, from_state, to_state in OutreachTransition.objects.order_by(
        "id"
    ).values_list("outreach_id", "field", "from_state", "to_state"):
        previous = last.get((outreach_id, field))
        if previous is not None:
            assert previous == from_state, "each move starts where the previous one ended"
        last[(outreach_id, field)] = to_state
    for pk, state, delivery in Outreach.objects.values_list(
        "pk", "current_state", "delivery_status"
    ):
        assert last.get((pk, "current_state"), "new") == state
        assert last.get((pk, "delivery_status"), "pending") == delivery


def test_stored_job_heat_is_what_the_jobs_service_computes():
    seed_demo(outreaches=3_000, seed=13, now=timezone.now())
    jobs = list(Job.objects.all())
    assert len(jobs) == 30
    assert any(job.heat_score > 0 for job in jobs)
    for job in jobs:
        expected = job_explain_heat(job)
        # Seconds pass between the seed and this check; decay may move the rounding by one.
        assert abs(job.heat_score - expected.heat_score) <= 1, job.pk
        assert job.heat in {expected.heat, heat_bucket(job.heat_score)}


def test_follow_ups_follow_the_automation_rules():
    seed_demo(outreaches=2_000, seed=11, now=NOW)
    pending = FollowUp.objects.filter(kind="follow_up", status="pending")
    assert pending.exists()
    assert not pending.exclude(outreach__outcome__in=UNRESOLVED_OUTCOMES).exists()
    assert not FollowUp.objects.exclude(outreach__delivery_status="performed").exists()
    assert FollowUp.objects.filter(kind="respond").exists()
    assert set(FollowUp.objects.values_list("attempt_no", flat=True)) == {1, 2}


def test_follow_up_titles_are_the_ones_the_followups_app_writes():
    seed_demo(outreaches=2_000, seed=14, now=NOW)
    followups = FollowUp.objects.select_related(
        "outreach__person", "outreach__company", "outreach__job__company"
    )
    assert followups.filter(outreach__person=None).exists()
    for followup in followups:
        outreach = followup.outreach
        if followup.kind == "respond":
            assert followup.title == respond_title(outreach.person)
        else:
            expected = follow_up_title(
                person=outreach.person, company=outreach.company, job=outreach.job
            )
            assert followup.title == expected, followup.pk


def test_follow_ups_fall_due_after_the_configured_delay(settings):
    settings.FOLLOW_UP_DELAY_DAYS = 5
    delay = datetime.timedelta(days=5)
    seed_demo(outreaches=2_000, seed=11, now=NOW)
    follow_ups = FollowUp.objects.filter(kind="follow_up").select_related("outreach")
    first = {f.outreach_id: f for f in follow_ups.filter(attempt_no=1)}
    assert first
    for followup in first.values():
        assert followup.due_at == followup.outreach.sent_at + delay
    last = follow_ups.filter(attempt_no=LAST_ATTEMPT)
    assert last.exists()
    for followup in last:
        assert followup.due_at == first[followup.outreach_id].completed_at + delay


def test_sort_keys_are_the_ones_their_writer_computes():
    seed_demo(outreaches=1_000, seed=2, now=NOW)
    columns = ("sort_company", "sort_owner", "sort_sequence")
    seeded = list(Outreach.objects.order_by("pk").values_list(*columns))
    assert any(all(row) for row in seeded)
    sort_keys.refresh(Outreach.objects.all())
    assert list(Outreach.objects.order_by("pk").values_list(*columns)) == seeded


def test_the_readme_examples_find_their_rows_in_the_demo_data():
    """README's curl examples name rows of the data set a fresh `make run` loads."""
    seed_demo(outreaches=DEMO_OUTREACHES, seed=DEFAULT_SEED)
    rows = Outreach.objects.filter(pk__in=[7, 13, 14, 19]).values_list("pk", "current_state")
    assert dict(rows) == {7: "waiting", 13: "new", 14: "new", 19: "new"}
    out_13 = Outreach.objects.get(pk=13)
    assert (out_13.person_id, out_13.company_id, out_13.job_id) == (6, 3, 3)
    assert Sequence.objects.get(pk=3).name == "Recruiters — cold intro"
    assert Outreach.objects.filter(current_state="ready").count() == 51
    assert not Outreach.objects.filter(pk=999_999).exists()
    assert FollowUp.objects.get(pk=32).status == "pending"


# --- seed_demo: reproducible, atomic ---------------------------------------------------------


def test_same_seed_same_data_and_another_seed_other_data():
    seed_demo(outreaches=600, seed=21, now=NOW)
    first = snapshot()
    seed_demo(outreaches=600, seed=21, now=NOW, reset=True)
    assert snapshot() == first
    seed_demo(outreaches=600, seed=22, now=NOW, reset=True)
    other = snapshot()
    assert other["Outreach"] != first["Outreach"]
    assert len(other["Outreach"]) == len(first["Outreach"])


def test_reset_keeps_real_users_and_removes_seeded_owners(user):
    seed_demo(outreaches=400, seed=1, now=NOW)
    seed_demo(outreaches=100, seed=1, now=NOW, reset=True)
    assert Outreach.objects.count() == 100
    assert get_user_model().objects.filter(username__startswith="owner_").count() == 5
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_seed_is_one_transaction(monkeypatch):
    def broken(self, *args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(DemoDataBuilder, "build_outreaches", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        seed_demo(outreaches=500, seed=1, now=NOW)
    for model in SEEDED:
        assert not model.objects.exists(), f"{model.__name__} rows survived a failed seed"


@postgres_only
def test_postgres_bulk_path_restores_indexes_and_analyzes(monkeypatch):
    before = schema()
    monkeypatch.setattr(demo.seed, "REBUILD_INDEXES_FROM", 1)
    with CaptureQueriesContext(connection) as queries:
        seed_demo(outreaches=500, seed=1, now=NOW)
    assert schema() == before
    executed = " ".join(q["sql"] for q in queries.captured_queries)
    assert "COPY " in executed
    assert 'ANALYZE "outreach_outreach"' in executed
    assert Outreach.objects.count() == 500
    # The id sequences moved past the explicit keys: a normal insert still works.
    assert OutreachFactory().pk > 500


@postgres_only
def test_postgres_failed_bulk_load_keeps_indexes(monkeypatch):
    before = schema()
    monkeypatch.setattr(demo.seed, "REBUILD_INDEXES_FROM", 1)
    monkeypatch.setattr(
        DemoDataBuilder,
        "build_jobs",
        lambda self, companies: (_ for _ in ()).throw(RuntimeError("boom")),
    )
    with pytest.raises(RuntimeError, match="boom"):
        seed_demo(outreaches=300, seed=1, now=NOW)
    assert schema() == before
    assert not Company.objects.exists()


# --- seed_demo: the command ------------------------------------------------------------------


def test_seed_command_shows_progress_and_a_summary(command):
    out, err = command("seed_demo", "--outreaches", "200", "--seed", "4")
    assert Outreach.objects.count() == 200
    assert "200 outreaches" in out and "Seeded in" in out
    assert "outreaches" in err and "100%" in err and "200/200" in err


def test_seed_command_refuses_to_mix_with_existing_outreaches_without_reset(command):
    OutreachFactory()  # in the test desk
    with pytest.raises(CommandError, match="'Test desk' already has outreaches; pass --reset"):
        command("seed_demo", "--outreaches", "50", "--workspace", "Test desk")
    command("seed_demo", "--outreaches", "50", "--workspace", "Test desk", "--reset")
    assert Outreach.objects.count() == 50


def test_seed_command_loads_into_its_own_workspace_and_resets_only_that_one(command):
    kept = OutreachFactory()  # in the test desk
    command("seed_demo", "--outreaches", "50")
    command("seed_demo", "--outreaches", "60", "--reset")
    assert Outreach.objects.filter(workspace__name="Demo").count() == 60
    assert list(Outreach.objects.filter(workspace__name="Test desk")) == [kept]
    owners = get_user_model().objects.filter(username__startswith="owner_")
    assert owners.exists()
    assert set(owners.values_list("membership__workspace__name", flat=True)) == {"Demo"}


def test_seed_command_rejects_a_size_below_one(command):
    with pytest.raises(CommandError, match="--outreaches: invalid positive_int value: '0'"):
        command("seed_demo", "--outreaches", "0")


def test_seed_command_accepts_readable_sizes(command):
    command("seed_demo", "--outreaches", "1_000", "--verbosity", "0")
    assert Outreach.objects.count() == 1_000


def test_the_demo_data_holds_no_combination_the_product_never_makes():
    """Only a waiting outreach has been sent (and has an outcome); an email outreach of a person
    with no address never got past enrichment."""
    seed_demo(outreaches=3_000, seed=5, now=NOW)
    sent = Outreach.objects.filter(delivery_status="performed")
    assert sent.exists() and not sent.exclude(current_state="waiting").exists()
    assert (
        not Outreach.objects.exclude(delivery_status="performed").exclude(outcome="none").exists()
    )
    stuck = Outreach.objects.filter(
        channel="email", person__email="", current_state__in=["ready", "starting", "waiting"]
    )
    assert Outreach.objects.filter(channel="email", person__email="").exists()
    assert not stuck.exists()


def test_seeded_step_templates_are_valid_and_render_for_a_person():
    seed_demo(outreaches=300, seed=3, now=NOW)
    steps = SequenceStep.objects.all()
    assert steps.exists()
    context = {"first_name": "Ada", "company": "Analytical"}
    for step in steps:
        for template in (step.subject_template, step.body_template):
            templating.validate(template)
            assert "{" not in templating.render(template, context)
