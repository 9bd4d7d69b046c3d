"""`manage.py bench --outreaches N --repeat R`: the list, detail, dashboard, batch and
enrichment scenarios, each measured against its baselines, and the cursor pages at depth.

Runs against SQLite and, when DATABASE_URL points to PostgreSQL, against PostgreSQL too, each in
its own bench database. The work lives in `demo.bench`; this is its entry point.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from demo.bench import child, runner
from demo.seed import DEFAULT_SEED

from .seed_demo import positive_int


def _names(text: str, allowed: tuple[str, ...]) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = set(names) - set(allowed)
    if unknown:
        raise CommandError(f"Unknown: {', '.join(sorted(unknown))}. Use {', '.join(allowed)}.")
    return names


class Command(BaseCommand):
    help = "Benchmark the list, detail, dashboard, batch and enrichment paths against baselines."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--outreaches",
            type=positive_int,
            default=20_000,
            help="Size of the seeded data set (default 20000).",
        )
        parser.add_argument(
            "--repeat", type=positive_int, default=9, help="Timed runs per scenario (default 9)."
        )
        parser.add_argument(
            "--naive-repeat",
            type=positive_int,
            default=3,
            help="Timed runs of the naive-DRF baseline (default 3; fewer once its time budget "
            "is spent).",
        )
        parser.add_argument(
            "--per-object-up-to",
            type=positive_int,
            default=100,
            help="Largest batch the per-object baseline really runs (default 100; it is slow); "
            "larger batches scale its per-row time, marked as such. "
            "Full runs: --per-object-up-to 10000.",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed_demo's seed.")
        parser.add_argument(
            "--backends",
            default="sqlite,postgresql",
            help="sqlite, postgresql or both (default; PostgreSQL only when DATABASE_URL is).",
        )
        parser.add_argument(
            "--groups",
            default=",".join(runner.GROUPS),
            help=f"Scenario groups to run (default all: {', '.join(runner.GROUPS)}).",
        )
        parser.add_argument(
            "--only", default="", help="Run only the list scenarios whose name contains this."
        )
        parser.add_argument(
            "--load-seconds",
            type=float,
            default=15.0,
            help="Seconds each load scenario runs under gunicorn (default 15).",
        )
        parser.add_argument(
            "--fresh", action="store_true", help="Seed again even when the data set is there."
        )
        parser.add_argument(
            "--no-explain", action="store_true", help="Skip the EXPLAIN ANALYZE of each query."
        )
        parser.add_argument("--child", metavar="OUTPUT", help="(internal) run one database.")

    def handle(self, *args, **options) -> None:
        groups = _names(options["groups"], runner.GROUPS)
        if options["child"]:
            child.run(
                outreaches=options["outreaches"],
                seed=options["seed"],
                repeat=options["repeat"],
                naive_repeat=options["naive_repeat"],
                per_object_up_to=options["per_object_up_to"],
                fresh=options["fresh"],
                explain=not options["no_explain"],
                selected=set(groups),
                only=options["only"],
                load_seconds=options["load_seconds"],
                output=Path(options["child"]),
            )
            return
        backends = _names(options["backends"], ("sqlite", "postgresql"))
        if backends == ["postgresql"] and not runner.postgres_configured():
            raise CommandError(
                "--backends postgresql needs DATABASE_URL to point at a PostgreSQL server, "
                "e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
            )
        runner.run(
            outreaches=options["outreaches"],
            repeat=options["repeat"],
            naive_repeat=options["naive_repeat"],
            per_object_up_to=options["per_object_up_to"],
            seed=options["seed"],
            backends=backends,
            groups=groups,
            only=options["only"],
            load_seconds=options["load_seconds"],
            fresh=options["fresh"],
            explain=not options["no_explain"],
            stdout=self.stdout,
        )
