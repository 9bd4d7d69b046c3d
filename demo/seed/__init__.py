"""A realistic, reproducible demo data set of any size: `seed_demo(outreaches=N, seed=S)`.

For N outreaches: people ≈ N/5, companies ≈ N/50 (some sharing a name or a domain, as entered
twice), up to 500 owners, up to 1,000 sequences of one to four steps, a third of the outreaches
without a sequence, states, channels and outcomes skewed the way a real desk is, plus the history
rows and follow-ups the services would have written on the way there. Job heat, which is
stored, is computed by the jobs app's own rule (`jobs.heat`).

- `vocabulary`: the names, texts and weights the rows are drawn from;
- `draws`: the one seeded Random, weighted picks, and the drafts rows are drawn for;
- `builder`: the plan (how many of each), then owners, companies, people, tags, sequences, jobs;
- `outreaches`: the outreaches, their history and follow-ups;
- `writer`: buffered writes with explicit keys, the index rebuild, the reset.

Everything is written in one transaction: on PostgreSQL with COPY (indexes and foreign keys
built after the rows for large loads), then VACUUM ANALYZE; elsewhere with executemany in batches.
Writes bypass the services on purpose: this is a bulk load of rows generated already consistent,
not a sequence of user actions.
"""

import datetime
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TextIO

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Company, Person
from followups.models import FollowUp
from jobs.models import Job
from outreach.models import Outreach, OutreachTransition, Sequence, SequenceStep, Tag
from workspaces.services import workspace_get_or_create

from .builder import DemoDataBuilder, SeedPlan, plan_for
from .writer import DEMO_WORKSPACE, indexes_built_after, reset_demo_data

DEFAULT_SEED = 42
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
# The tables whose indexes a large load rebuilds.
BIG_MODELS = (Person, Outreach, OutreachTransition, FollowUp)


@dataclass
class SeedResult:
    plan: SeedPlan
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def seed_demo(
    *,
    outreaches: int,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    stream: TextIO | None = None,
    now: datetime.datetime | None = None,
    workspace: str = DEMO_WORKSPACE,
) -> SeedResult:
    """Build a demo data set of `outreaches` outreaches in one transaction.

    Timestamps are relative to `now` (default: the start of today, UTC), so two runs with the
    same seed on the same day, each on an empty database (or with reset=True), write the same
    rows. Progress goes to `stream` when given. Everything lands in the workspace named
    `workspace` (made if missing).
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
        target, _ = workspace_get_or_create(workspace)
        with indexes_built_after(BIG_MODELS) if rebuild else nullcontext():
            if reset:
                reset_demo_data(target.pk)
            counts = DemoDataBuilder(plan, seed, now, stream, target).build()
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
