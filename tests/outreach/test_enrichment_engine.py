"""The enrichment engine: outcomes and history, people updates, batches, idempotency, recovery."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Company, Person
from contacts.services import person_update
from outreach.enrichment import engine
from outreach.enrichment.local import LEARNT
from outreach.enrichment.providers import EnrichmentProvider
from outreach.models import (
    EnrichmentBatch,
    EnrichmentBatchItem,
    Outreach,
    OutreachTransition,
)
from outreach.services.enrichment import outreaches_batch_start_enrichment
from outreach.services.outreaches import outreach_delete, outreach_transition
from outreach.tasks import enrichment_requeue_lost, watch_enrichment_batch
from tests.factories import CompanyFactory, OutreachFactory, PersonFactory, default_workspace

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_worker():
    """Each test starts as a worker that has learnt no domain yet."""
    LEARNT.clear()


def state(outreach):
    return Outreach.objects.values_list("current_state", flat=True).get(pk=outreach.pk)


def last_row(outreach):
    return OutreachTransition.objects.filter(outreach=outreach).latest("id")


def start(outreaches, user, run_tasks):
    with run_tasks():
        result = outreaches_batch_start_enrichment(ids=[o.pk for o in outreaches], actor=user)
    return EnrichmentBatch.objects.get(pk=result.batch_id)


def make_stale(batch=None, minutes=None):
    """Pretend the stale limit has passed since the batch (or every batch) last moved."""
    past = timezone.now() - datetime.timedelta(minutes=(minutes or 15) + 1)
    batches = EnrichmentBatch.objects.all() if batch is None else [batch]
    EnrichmentBatch.objects.filter(pk__in=[b.pk for b in batches]).update(updated_at=past)
    Outreach.objects.filter(current_state="enrichment").update(updated_at=past)


@pytest.fixture
def acme():
    """A company whose addresses follow first.last (three of four colleagues)."""
    company = CompanyFactory(name="Acme", domain="acme.com")
    for first, last, email in [
        ("Ann", "Bell", "ann.bell@acme.com"),
        ("Carl", "Dunn", "carl.dunn@acme.com"),
        ("Eve", "Ford", "eve.ford@acme.com"),
        ("Gus", "Hale", "ghale@acme.com"),
    ]:
        PersonFactory(company=company, first_name=first, last_name=last, email=email)
    return company


# --- outcomes ----------------------------------------------------------------------------------


def test_email_found_on_the_person_makes_the_outreach_ready(user, run_tasks):
    person = PersonFactory(email="Jane.Doe@ACME.COM")
    outreach = OutreachFactory(person=person, channel="email")
    batch = start([outreach], user, run_tasks)

    assert state(outreach) == "ready"
    row = last_row(outreach)
    assert (row.transition, row.from_state, row.to_state, row.actor) == (
        "complete_enrichment",
        "enrichment",
        "ready",
        None,
    )
    assert row.metadata == {
        "batch_id": batch.public_id,
        "provider": "local",
        "channel": "email",
        "found": {
            "field": "email",
            "value": "Jane.Doe@acme.com",
            "source": "given",
            "confidence": 1.0,
        },
    }
    person.refresh_from_db()
    assert person.email == "Jane.Doe@acme.com"


def test_missing_email_is_inferred_and_stored_on_the_person(user, run_tasks, acme):
    person = PersonFactory(company=acme, first_name="José", last_name="Núñez-Ríos", email="")
    outreach = OutreachFactory(person=person, channel="email")
    start([outreach], user, run_tasks)

    assert state(outreach) == "ready"
    assert last_row(outreach).metadata["found"] == {
        "field": "email",
        "value": "jose.nunezrios@acme.com",
        "source": "inferred",
        "confidence": 0.48,  # 3 of 4 colleagues → 0.6, × 0.8: no colleague shows hyphens
        "pattern": "first.last",
        "domain": "acme.com",
        "colleagues": 4,
        "following": 3,
        "assumed": ["hyphens"],
    }
    person.refresh_from_db()
    assert (person.email, person.email_inferred) == ("jose.nunezrios@acme.com", True)


@pytest.mark.parametrize(
    ("channel", "known", "field", "code", "reason"),
    [
        (
            "email",
            {"email": "", "company": None},
            "email",
            "no_domain",
            "No email address is known and the person has no company whose domain could give one.",
        ),
        (
            "email",
            {"email": "not-an-address"},
            "email",
            "invalid",
            "The email address 'not-an-address' is not valid: An email address must have an "
            "@-sign.",
        ),
        (
            "email",
            {"email": "gone@acme.com", "email_invalid": True},
            "email",
            "bounced",
            "Mail to gone@acme.com bounced.",
        ),
        ("phone", {"phone": ""}, "phone", "missing", "No phone number is known."),
        (
            "phone",
            {"phone": "12"},
            "phone",
            "invalid",
            "The phone number '12' is not valid: Not a valid phone number for its country.",
        ),
        (
            "linkedin",
            {"linkedin_url": ""},
            "linkedin_url",
            "missing",
            "No LinkedIn profile link is known.",
        ),
        (
            "facebook",
            {"facebook_url": "https://example.com/jane"},
            "facebook_url",
            "invalid",
            "The Facebook profile link 'https://example.com/jane' is not valid: Not a facebook "
            "address: expected a facebook.com link.",
        ),
    ],
)
def test_missing_or_invalid_address_for_the_channel_is_not_available_with_the_reason(
    user, run_tasks, channel, known, field, code, reason
):
    outreach = OutreachFactory(person=PersonFactory(**known), channel=channel)
    batch = start([outreach], user, run_tasks)

    assert state(outreach) == "not_available"
    row = last_row(outreach)
    assert row.transition == "fail_enrichment"
    assert row.metadata == {
        "batch_id": batch.public_id,
        "provider": "local",
        "channel": channel,
        "field": field,
        "code": code,
        "reason": reason,
    }


@pytest.mark.parametrize(
    ("channel", "known", "found"),
    [
        ("phone", {"phone": "(650) 253-0000"}, ("phone", "+16502530000")),
        (
            "linkedin",
            {"linkedin_url": "linkedin.com/in/Jane-Doe/"},
            ("linkedin_url", "https://www.linkedin.com/in/jane-doe"),
        ),
        (
            "facebook",
            {"facebook_url": "fb.com/Jane.Doe"},
            ("facebook_url", "https://www.facebook.com/jane.doe"),
        ),
        # `other` takes whatever is known, email first.
        (
            "other",
            {"email": "", "company": None, "phone": "+16502530000"},
            ("phone", "+16502530000"),
        ),
        ("other", {"email": "jd@acme.com", "phone": "+16502530000"}, ("email", "jd@acme.com")),
    ],
)
def test_each_channel_is_ready_with_its_normalised_address(user, run_tasks, channel, known, found):
    person = PersonFactory(**known)
    outreach = OutreachFactory(person=person, channel=channel)
    start([outreach], user, run_tasks)

    assert state(outreach) == "ready"
    name, value = found
    assert last_row(outreach).metadata["found"]["field"] == name
    assert last_row(outreach).metadata["found"]["value"] == value
    person.refresh_from_db()
    assert getattr(person, name) == value


def test_other_channel_with_nothing_known_is_not_available():
    outreach = OutreachFactory(person=PersonFactory(email="", company=None), channel="other")
    outreaches_batch_start_enrichment(ids=[outreach.pk], actor=None)
    batch = EnrichmentBatch.objects.get()
    engine.enrich_chunk(batch_id=batch.pk, outreach_ids=[outreach.pk])

    metadata = last_row(outreach).metadata
    assert state(outreach) == "not_available"
    assert metadata["code"] == "nothing_known"
    assert metadata["reason"] == "No valid email, phone or profile link is known for this person."
    assert metadata["details"]["phone"] == "No phone number is known."


def test_outreach_without_a_person_is_not_available(user, run_tasks):
    outreach = OutreachFactory(person=None, company=CompanyFactory())
    start([outreach], user, run_tasks)
    assert state(outreach) == "not_available"
    assert last_row(outreach).metadata["reason"] == "The outreach has no person to reach."


def test_earlier_guesses_are_no_evidence_for_the_next_guess(user, run_tasks):
    company = CompanyFactory(domain="solo.com")
    PersonFactory(company=company, first_name="Ann", last_name="Bell", email="ann.bell@solo.com")
    first, second = (
        OutreachFactory(
            person=PersonFactory(company=company, first_name=f, last_name="Roe", email="")
        )
        for f in ("Cy", "Di")
    )
    start([first], user, run_tasks)
    start([second], user, run_tasks)
    # Cy's inferred address does not count as a second colleague following first.last.
    assert last_row(second).metadata["found"]["value"] == "di.roe@solo.com"
    assert last_row(second).metadata["found"]["colleagues"] == 1
    assert last_row(second).metadata["found"]["confidence"] == 0.5


def test_a_guess_corrected_by_hand_is_evidence_again(user, run_tasks):
    company = CompanyFactory(domain="solo.com")
    PersonFactory(company=company, first_name="Ann", last_name="Bell", email="ann.bell@solo.com")
    guessed = PersonFactory(company=company, first_name="Cy", last_name="Roe", email="")
    start([OutreachFactory(person=guessed)], user, run_tasks)
    guessed.refresh_from_db()
    assert guessed.email_inferred

    person_update(person=guessed, actor=user, email="c.roe@solo.com")
    guessed.refresh_from_db()
    assert (guessed.email, guessed.email_inferred) == ("c.roe@solo.com", False)
    third = OutreachFactory(
        person=PersonFactory(company=company, first_name="Di", last_name="Lee", email="")
    )
    start([third], user, run_tasks)
    # Ann's first.last and Cy's f.last both count now: a split too even to guess from.
    assert last_row(third).metadata["code"] == "uncertain_pattern"
    assert "first.last 1, f.last 1 of 2 colleague(s)" in last_row(third).metadata["reason"]


def test_an_inferred_email_is_stored_only_when_an_outreach_used_it(user, run_tasks, acme):
    person = PersonFactory(company=acme, first_name="Ivy", last_name="Jones", email="")
    person.phone = "(650) 253-0000"
    person.save()
    start([OutreachFactory(person=person, channel="phone")], user, run_tasks)
    person.refresh_from_db()
    assert (person.phone, person.email) == ("+16502530000", "")


def test_the_person_gets_every_normalised_detail_whatever_the_channel(user, run_tasks):
    person = PersonFactory(
        email="Jane@ACME.com",
        phone="650.253.0000",
        linkedin_url="https://linkedin.com/in/JaneD?trk=x",
        facebook_url="not a link",
    )
    start([OutreachFactory(person=person, channel="linkedin")], user, run_tasks)
    person.refresh_from_db()
    assert (person.email, person.phone, person.linkedin_url) == (
        "Jane@acme.com",
        "+16502530000",
        "https://www.linkedin.com/in/janed",
    )
    assert person.facebook_url == "not a link"  # invalid values are left for a person to fix


def test_a_failing_provider_fails_the_outreaches_instead_of_leaving_them_stuck(
    user, run_tasks, settings
):
    settings.ENRICHMENT_PROVIDER = "tests.outreach.test_enrichment_engine.BrokenProvider"
    outreaches = OutreachFactory.create_batch(2)
    batch = start(outreaches, user, run_tasks)

    assert {state(o) for o in outreaches} == {"not_available"}
    assert last_row(outreaches[0]).metadata["reason"] == (
        "The broken provider failed: ConnectionError: lookup service unreachable"
    )
    batch.refresh_from_db()
    assert (batch.failed, batch.done, batch.status) == (2, 2, "finished")


class BrokenProvider(EnrichmentProvider):
    name = "broken"

    def enrich(self, contacts):
        raise ConnectionError("lookup service unreachable")


# --- queueing and progress ---------------------------------------------------------------------


def test_work_is_queued_only_when_the_transaction_commits(user, django_capture_on_commit_callbacks):
    outreach = OutreachFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outreaches_batch_start_enrichment(ids=[outreach.pk], actor=user)
    assert len(callbacks) == 1
    assert state(outreach) == "enrichment"  # nothing ran before the commit
    callbacks[0]()
    assert state(outreach) == "ready"


def test_single_start_enrichment_queues_its_own_batch(user, run_tasks):
    outreach = OutreachFactory(person=PersonFactory(email="a@b.co"))
    with run_tasks():
        outreach_transition(outreach=outreach, name="start_enrichment", actor=user)
    assert state(outreach) == "ready"
    batch = EnrichmentBatch.objects.get()
    assert (batch.total, batch.ready, batch.actor, batch.status) == (1, 1, user, "finished")
    assert last_row(outreach).metadata["batch_id"] == batch.public_id


def test_a_batch_records_counts_and_timestamps(user, run_tasks):
    ready = OutreachFactory.create_batch(3)
    unavailable = OutreachFactory.create_batch(2, channel="phone")
    batch = start(ready + unavailable, user, run_tasks)

    assert (batch.total, batch.ready, batch.not_available, batch.failed, batch.skipped) == (
        5,
        3,
        2,
        0,
        0,
    )
    assert batch.done == 5
    assert batch.actor == user
    assert batch.created_at <= batch.started_at <= batch.finished_at
    assert batch.status == "finished"


def test_chunks_of_a_batch_are_separate_tasks(user, run_tasks, settings):
    settings.ENRICHMENT_CHUNK_SIZE = 2
    outreaches = OutreachFactory.create_batch(5)
    with run_tasks():
        result = outreaches_batch_start_enrichment(ids=[o.pk for o in outreaches], actor=user)
        batch = EnrichmentBatch.objects.get(pk=result.batch_id)
        assert batch.status == "queued"  # the batch exists before any chunk ran
    batch.refresh_from_db()
    assert (batch.ready, batch.status) == (5, "finished")


def test_a_batch_queues_its_chunks_and_watchdog_in_one_insert(
    user, settings, django_capture_on_commit_callbacks
):
    """With the task table's backend, every task row of a batch goes in one INSERT, written as
    the backend's own enqueue writes it (a worker claims and runs them: see the crash test)."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.ENRICHMENT_CHUNK_SIZE = 2
    ids = [o.pk for o in OutreachFactory.create_batch(5)]
    with django_capture_on_commit_callbacks() as queued:
        result = outreaches_batch_start_enrichment(ids=ids, actor=user)
    with CaptureQueriesContext(connection) as queries:
        for send in queued:
            send()
    assert [q["sql"].split(" (")[0] for q in queries.captured_queries] == [
        f"INSERT INTO {connection.ops.quote_name(DBTaskResult._meta.db_table)}"
    ]
    chunks = DBTaskResult.objects.filter(task_path="outreach.tasks.enrich_outreaches")
    assert sorted(r.args_kwargs["args"] for r in chunks) == [
        [result.batch_id, ids[0:2]],
        [result.batch_id, ids[2:4]],
        [result.batch_id, ids[4:5]],
    ]
    assert {(r.status, r.run_after, r.queue_name, r.backend_name) for r in chunks} == {
        ("READY", get_date_max(), "default", "default")
    }
    watchdog = DBTaskResult.objects.get(task_path="outreach.tasks.watch_enrichment_batch")
    assert watchdog.args_kwargs == {"args": [result.batch_id], "kwargs": {}}
    assert watchdog.run_after > timezone.now() + datetime.timedelta(minutes=15)
    assert watchdog.task_result.task.run_after == watchdog.run_after


def test_nothing_eligible_opens_no_batch(user):
    outreach = OutreachFactory(state="ready")
    result = outreaches_batch_start_enrichment(ids=[outreach.pk], actor=user)
    assert result.batch_id is None
    assert not EnrichmentBatch.objects.exists()


# --- idempotency -------------------------------------------------------------------------------


def test_running_a_chunk_twice_records_each_transition_once(user):
    outreaches = [*OutreachFactory.create_batch(3), OutreachFactory(channel="phone")]
    ids = [o.pk for o in outreaches]
    result = outreaches_batch_start_enrichment(ids=ids, actor=user)

    first = engine.enrich_chunk(batch_id=result.batch_id, outreach_ids=ids)
    second = engine.enrich_chunk(batch_id=result.batch_id, outreach_ids=ids)

    assert (first.ready, first.not_available) == (3, 1)
    assert second.done == 0
    for outreach in outreaches:
        transitions = list(
            OutreachTransition.objects.filter(outreach=outreach).values_list(
                "transition", flat=True
            )
        )
        assert transitions in (
            ["start_enrichment", "complete_enrichment"],
            ["start_enrichment", "fail_enrichment"],
        )
    batch = EnrichmentBatch.objects.get()
    assert (batch.ready, batch.not_available, batch.done, batch.total) == (3, 1, 4, 4)


def test_an_outreach_moved_by_hand_meanwhile_is_skipped_not_moved_again(user):
    kept, handled = OutreachFactory.create_batch(2)
    result = outreaches_batch_start_enrichment(ids=[kept.pk, handled.pk], actor=user)
    outreach_transition(
        outreach=handled, name="fail_enrichment", actor=user, metadata={"reason": "by hand"}
    )
    chunk = engine.enrich_chunk(batch_id=result.batch_id, outreach_ids=[kept.pk, handled.pk])

    assert (chunk.ready, chunk.skipped) == (1, 1)
    assert OutreachTransition.objects.filter(outreach=handled).count() == 2
    assert last_row(handled).metadata == {"reason": "by hand"}
    batch = EnrichmentBatch.objects.get()
    assert (batch.skipped, batch.status) == (1, "finished")


def test_a_deleted_outreach_counts_as_skipped_so_the_batch_still_finishes(user):
    kept, deleted = OutreachFactory.create_batch(2)
    ids = [kept.pk, deleted.pk]
    result = outreaches_batch_start_enrichment(ids=ids, actor=user)
    outreach_delete(outreach=deleted, actor=user)
    engine.enrich_chunk(batch_id=result.batch_id, outreach_ids=ids)
    batch = EnrichmentBatch.objects.get()
    assert (batch.ready, batch.skipped, batch.status) == (1, 1, "finished")


# --- crash recovery ----------------------------------------------------------------------------


class WorkerKilled(BaseException):
    """Stands for the process dying mid-chunk (not an Exception: nothing catches it)."""


def test_a_crash_mid_chunk_leaves_nothing_half_written_and_recovery_finishes_it(
    user, run_tasks, monkeypatch
):
    outreaches = OutreachFactory.create_batch(3)
    ids = [o.pk for o in outreaches]
    result = outreaches_batch_start_enrichment(ids=ids, actor=user)

    def die(*args, **kwargs):
        raise WorkerKilled

    # The outreaches are moved and their history written, then the worker dies.
    monkeypatch.setattr(engine, "_update_people", die)
    with pytest.raises(WorkerKilled):
        engine.enrich_chunk(batch_id=result.batch_id, outreach_ids=ids)
    monkeypatch.undo()

    assert {state(o) for o in outreaches} == {"enrichment"}
    assert not OutreachTransition.objects.filter(transition="complete_enrichment").exists()
    assert EnrichmentBatchItem.objects.filter(result="pending").count() == 3

    # Within the stale limit the sweep leaves the work alone (a worker may still be on it).
    with run_tasks():
        watch_enrichment_batch.call(result.batch_id)
    assert {state(o) for o in outreaches} == {"enrichment"}

    make_stale()
    with run_tasks():
        summary = watch_enrichment_batch.call(result.batch_id)
    assert summary == {"requeued": 3, "closed": 0}
    assert {state(o) for o in outreaches} == {"ready"}
    assert OutreachTransition.objects.filter(transition="complete_enrichment").count() == 3
    batch = EnrichmentBatch.objects.get()
    assert (batch.ready, batch.requeued, batch.status) == (3, 1, "finished")


def test_outreaches_left_in_enrichment_without_a_batch_are_picked_up(user, run_tasks):
    stuck = OutreachFactory.create_batch(2, state="enrichment")  # e.g. imported in that state
    fresh = OutreachFactory(state="enrichment")
    make_stale()
    Outreach.objects.filter(pk=fresh.pk).update(updated_at=timezone.now())

    with run_tasks():
        recovery = enrichment_requeue_lost()
    assert {state(o) for o in stuck} == {"ready"}
    assert state(fresh) == "enrichment"  # not stale yet
    batch = EnrichmentBatch.objects.get(pk=recovery.orphan_batch_id)
    assert (batch.total, batch.ready, batch.actor) == (2, 2, None)


def test_the_sweep_closes_an_open_batch_with_nothing_pending(user):
    outreach = OutreachFactory()
    result = outreaches_batch_start_enrichment(ids=[outreach.pk], actor=user)
    # The outreach was settled, and its item too, without the batch's counts (say, by hand).
    outreach_transition(outreach=outreach, name="fail_enrichment", actor=user)
    EnrichmentBatchItem.objects.update(result="skipped")
    make_stale()
    recovery = engine.enrichment_recover()
    assert recovery.closed == [result.batch_id]
    assert EnrichmentBatch.objects.get().status == "finished"


@pytest.mark.django_db(transaction=True)
def test_crashed_database_worker_is_recovered_by_the_watchdog(settings):
    """The real database backend and `db_worker`: a worker claims a chunk and dies."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    outreaches = OutreachFactory.create_batch(3)
    result = outreaches_batch_start_enrichment(
        ids=[o.pk for o in outreaches], actor=None
    )  # autocommit: the tasks are queued at once
    chunk_task = DBTaskResult.objects.get(task_path="outreach.tasks.enrich_outreaches")
    watchdog = DBTaskResult.objects.get(task_path="outreach.tasks.watch_enrichment_batch")
    assert watchdog.run_after > timezone.now() + datetime.timedelta(minutes=15)

    chunk_task.claim("worker-that-dies")  # claimed, then the process is killed

    def run_worker():
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="survivor",
            excluded_queue_names=[],
        ).run()

    run_worker()  # nothing is ready: the chunk is "running", the watchdog is deferred
    assert {state(o) for o in outreaches} == {"enrichment"}

    make_stale()
    DBTaskResult.objects.filter(pk=watchdog.pk).update(run_after=timezone.now())
    run_worker()  # runs the watchdog, which queues the chunk again, then runs that chunk

    assert {state(o) for o in outreaches} == {"ready"}
    assert OutreachTransition.objects.filter(transition="complete_enrichment").count() == 3
    batch = EnrichmentBatch.objects.get(pk=result.batch_id)
    assert (batch.ready, batch.requeued, batch.status) == (3, 1, "finished")
    # The watchdog came back once more (the batch was open when it ran) and stops now.
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()
    # Two watchdog runs and the queued-again chunk; the dead worker's chunk never finishes.
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 3
    assert list(DBTaskResult.objects.exclude(status="SUCCESSFUL")) == [chunk_task]


# --- the command -------------------------------------------------------------------------------


def test_enrich_command_needs_to_be_told_what(db):
    with pytest.raises(CommandError) as excinfo:
        call_command("enrich")
    assert str(excinfo.value) == (
        "Say what to enrich: --pending (everything in enrichment) or --stale (only what no "
        "worker has finished)."
    )


def test_enrich_pending_processes_everything_with_a_progress_bar(user):
    outreaches = [*OutreachFactory.create_batch(5), OutreachFactory(channel="phone")]
    outreaches_batch_start_enrichment(ids=[o.pk for o in outreaches], actor=user)
    out = io.StringIO()
    call_command("enrich", "--pending", "--chunk-size", "4", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[####################----------] 4/6  66%")
    assert lines[1].startswith("[##############################] 6/6 100%")
    assert lines[2].startswith("Enriched 6 outreach(es) in ")
    assert lines[2].endswith("5 ready, 1 not available, 0 failed, 0 skipped.")
    assert Outreach.objects.filter(current_state="ready").count() == 5
    batch = EnrichmentBatch.objects.get()
    assert (batch.done, batch.status) == (6, "finished")


def test_enrich_stale_leaves_fresh_work_alone(user):
    fresh = OutreachFactory()
    outreaches_batch_start_enrichment(ids=[fresh.pk], actor=user)
    out = io.StringIO()
    call_command("enrich", "--stale", stdout=out)
    assert out.getvalue() == "Nothing to enrich.\n"
    assert state(fresh) == "enrichment"

    make_stale()
    call_command("enrich", "--stale", stdout=io.StringIO())
    assert state(fresh) == "ready"


# --- scale -------------------------------------------------------------------------------------


def build_outreaches(count: int, companies: int = 10) -> list[int]:
    """`count` outreaches whose people need their email inferred, at `companies` domains with
    colleagues, built in bulk."""
    firms = Company.objects.bulk_create(
        Company(workspace=default_workspace(), name=f"Firm {n}", domain=f"firm{n}.example")
        for n in range(companies)
    )
    Person.objects.bulk_create(
        Person(
            workspace=firm.workspace,
            company=firm,
            first_name=first,
            last_name=last,
            email=f"{first}.{last}@{firm.domain}".lower(),
        )
        for firm in firms
        for first, last in [("Ann", "Bell"), ("Carl", "Dunn"), ("Eve", "Ford")]
    )
    people = Person.objects.bulk_create(
        Person(
            workspace=firms[0].workspace,
            company=firms[n % companies],
            first_name=f"Zoë{n}",
            last_name=f"Núñez-{n}",
            phone="(650) 253-0000",
        )
        for n in range(count)
    )
    outreaches = Outreach.objects.bulk_create(
        Outreach(workspace=person.workspace, person=person, company=person.company, channel="email")
        for person in people
    )
    return [o.pk for o in outreaches]


def chunk_queries(ids: list[int], user) -> int:
    result = outreaches_batch_start_enrichment(ids=ids, actor=user)
    with CaptureQueriesContext(connection) as queries:
        engine.enrich_chunk(batch_id=result.batch_id, outreach_ids=ids)
    assert Outreach.objects.filter(pk__in=ids, current_state="ready").count() == len(ids)
    return len(queries.captured_queries)


def test_a_chunk_costs_the_same_queries_whatever_its_size(user):
    small = chunk_queries(build_outreaches(5, companies=2), user)
    large = chunk_queries(build_outreaches(100, companies=10), user)
    assert small == large


# Read outreaches, colleagues and their guesses, lock items, 2 × (savepoint, lock, UPDATE,
# INSERT, release), mark items, count, update people, the chunk's savepoint and release.
PER_CHUNK = 19


def test_a_batch_of_1000_finishes_with_constant_queries_per_chunk(
    user, run_tasks, settings, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    settings.ENRICHMENT_CHUNK_SIZE = 100
    ids = build_outreaches(1000)
    with django_capture_on_commit_callbacks() as queued:
        result = outreaches_batch_start_enrichment(ids=ids, actor=user)
    # The worker's side: ten chunks, each a fixed number of queries.
    with django_assert_max_num_queries(10 * PER_CHUNK), run_tasks():
        for send in queued:
            send()

    batch = EnrichmentBatch.objects.get(pk=result.batch_id)
    assert (batch.total, batch.ready, batch.status) == (1000, 1000, "finished")
    assert Outreach.objects.filter(current_state="ready").count() == 1000
    assert OutreachTransition.objects.filter(transition="complete_enrichment").count() == 1000
    person = Person.objects.get(first_name="Zoë7")
    # No colleague shows a hyphenated name, so the hyphen is dropped (the commoner habit).
    assert (person.email, person.phone) == ("zoe7.nunez7@firm7.example", "+16502530000")
