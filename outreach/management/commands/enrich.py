"""`manage.py enrich --pending` / `--stale`: do enrichment work here and now, with a progress bar.

Useful without a worker, and after a crash: the same chunks the worker runs, in this process.
Running it while workers are busy is safe; a chunk never records a transition twice.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from outreach.enrichment.batches import chunked
from outreach.enrichment.engine import ChunkResult, enrich_chunk, enrichment_recover
from outreach.enrichment.providers import get_provider


class Command(BaseCommand):
    help = (
        "Enrich outreaches waiting in `enrichment` in this process: --pending for all of them, "
        "--stale for those no worker has moved for ENRICHMENT_STALE_AFTER_MINUTES."
    )

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--pending", action="store_true", help="Every outreach in `enrichment`.")
        which.add_argument(
            "--stale",
            action="store_true",
            help="Only work left behind (a crashed worker, a lost task).",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=None,
            help="Outreaches per transaction (default: ENRICHMENT_CHUNK_SIZE).",
        )

    def handle(self, *, pending: bool, stale: bool, chunk_size: int | None, **options) -> None:
        if not (pending or stale):
            raise CommandError(
                "Say what to enrich: --pending (everything in enrichment) or --stale "
                "(only what no worker has finished)."
            )
        if chunk_size is not None and chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        recovery = enrichment_recover(everything=pending)
        total = recovery.outreach_count
        if total == 0:
            self.stdout.write("Nothing to enrich.")
            return
        provider = get_provider()
        bar = ProgressBar(self.stdout, total, quiet=options["verbosity"] == 0)
        totals = ChunkResult(batch_id=0)
        for batch_id, ids in recovery.plan.items():
            for chunk in chunked(ids, chunk_size):
                result = enrich_chunk(batch_id=batch_id, outreach_ids=chunk, provider=provider)
                totals.ready += result.ready
                totals.not_available += result.not_available
                totals.failed += result.failed
                totals.skipped += result.skipped
                bar.advance(len(chunk))
        bar.finish()
        self.stdout.write(
            self.style.SUCCESS(
                f"Enriched {total:,} outreach(es) in {bar.elapsed:.1f}s ({bar.rate:,.0f}/s): "
                f"{totals.ready:,} ready, {totals.not_available:,} not available, "
                f"{totals.failed:,} failed, {totals.skipped:,} skipped."
            )
        )


class ProgressBar:
    """`[#####-----] 500/1,000  50%  1,234/s`, redrawn in place on a terminal, one line per
    update otherwise (logs)."""

    width = 30

    def __init__(self, out, total: int, *, quiet: bool = False) -> None:
        self.out = out
        self.total = total
        self.done = 0
        self.quiet = quiet
        self.started = time.monotonic()
        self.tty = out.isatty()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    def advance(self, count: int) -> None:
        self.done = min(self.total, self.done + count)
        if self.quiet:
            return
        filled = self.width * self.done // self.total
        line = (
            f"[{'#' * filled}{'-' * (self.width - filled)}] {self.done:,}/{self.total:,} "
            f"{100 * self.done // self.total:3d}%  {self.rate:,.0f}/s"
        )
        if self.tty:
            self.out.write("\r" + line, ending="")
            self.out.flush()
        else:
            self.out.write(line)

    def finish(self) -> None:
        if self.tty and not self.quiet:
            self.out.write("")
