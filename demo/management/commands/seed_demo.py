"""`manage.py seed_demo --outreaches N --seed S`: a realistic, reproducible demo data set of any
size (see `demo.seed` for its shape)."""

from django.core.management.base import BaseCommand, CommandError

from demo.seed import DEFAULT_SEED, seed_demo
from demo.seed.writer import DEMO_WORKSPACE
from outreach.models import Outreach


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
            "--workspace",
            default=DEMO_WORKSPACE,
            help=f'The workspace to load into, made if missing. Default "{DEMO_WORKSPACE}".',
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the workspace's companies, people, jobs, outreaches, sequences, tags and "
            "follow-ups (and the owners an earlier seed_demo made for it) first.",
        )

    def handle(
        self, *args, outreaches: int, seed: int, reset: bool, workspace: str, **options
    ) -> None:
        if not reset and Outreach.objects.filter(workspace__name=workspace).exists():
            raise CommandError(
                f"The workspace {workspace!r} already has outreaches; pass --reset to replace "
                "them with the demo data set."
            )
        # The raw stream: the progress bar redraws its line with \r, without newlines.
        stream = self.stderr._out if options["verbosity"] > 0 else None
        result = seed_demo(
            outreaches=outreaches, seed=seed, reset=reset, stream=stream, workspace=workspace
        )
        summary = ", ".join(f"{count:,} {name}" for name, count in result.counts.items())
        self.stdout.write(f"Seeded in {result.seconds:.1f}s: {summary}.")
