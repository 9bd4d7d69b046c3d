"""`manage.py bench_webhooks`: what webhooks cost a batch, and how fast one worker delivers
(demo.bench.webhooks), on the configured database; nothing is kept. `make bench` runs it too."""

from django.core.management.base import BaseCommand
from django.db import connection

from demo.bench.webhooks import measure_webhooks


class Command(BaseCommand):
    help = "Measure webhooks: a batch's cost with 0, 1 and 3 endpoints; deliveries per second."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", type=int, default=10_000, help="Outreaches per batch.")
        parser.add_argument("--deliveries", type=int, default=500, help="Deliveries to send.")
        parser.add_argument("--repeat", type=int, default=3, help="Timed batches per setting.")

    def handle(self, *args, batch: int, deliveries: int, repeat: int, **options) -> None:
        figures = measure_webhooks(batch=batch, deliveries=deliveries, repeat=repeat)
        self.stdout.write(f"{connection.vendor}: batch transition of {batch:,} outreaches")
        for row in figures["batch"]:
            self.stdout.write(
                f"  {row['endpoints']} endpoint(s): {row['median_ms']:,.0f} ms "
                f"(median of {repeat}), {row['statements']} statements, "
                f"{row['deliveries_written']:,} deliveries written"
            )
        sent = figures["delivery"]
        self.stdout.write(
            f"{connection.vendor}: one worker delivered {sent['sent']:,} of {sent['of']:,} in "
            f"{sent['seconds']:.2f} s ({sent['per_second']:,} a second)"
        )
