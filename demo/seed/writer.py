"""Writing the demo rows: buffered per table, with explicit keys, by COPY on PostgreSQL and
executemany elsewhere; the index rebuild around large PostgreSQL loads; and the reset.

Writes bypass the services on purpose: this is a bulk load of rows generated already consistent
(states, history and follow-ups together), not a sequence of user actions.
"""

import datetime
import enum
import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any, TextIO

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

BATCH_SIZE = 5_000
# Owners seed_demo makes have this username prefix and no usable password; a reset removes them.
OWNER_USERNAME_PREFIX = "owner_"
# The workspace seed_demo and bootstrap_demo load into by default.
DEMO_WORKSPACE = "Demo"
# The apps whose tables hold demo data; a reset empties all of them.
DATA_APPS = ("contacts", "jobs", "outreach", "followups")
# Deleting one workspace's rows: what points at a row goes first.
RESET_ORDER = (
    "followups.FollowUp",
    "outreach.EnrichmentBatch",
    "outreach.Outreach",
    "jobs.Job",
    "contacts.Person",
    "contacts.Company",
    "outreach.Sequence",
    "outreach.Tag",
)


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


class TableWriter:
    """Buffers rows of one model (dicts keyed by attname) and writes them in batches.

    Rows carry explicit primary keys so that other rows can point at them before they are
    written; foreign keys are checked at commit. Fields a row leaves out take the field's default
    (timestamps take `now`), so columns added to a model later still load.
    """

    def __init__(
        self,
        model: type[models.Model],
        now: datetime.datetime,
        progress=None,
        workspace_id: int | None = None,
    ):
        self.model = model
        self.progress = progress
        self.postgres = connection.vendor == "postgresql"
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.buffer: list[tuple] = []
        self.written = 0
        self.next_id = (model._base_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
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
        if "workspace_id" in self.attnames:
            self.defaults["workspace_id"] = workspace_id
        # Values psycopg's COPY or sqlite3 cannot take as they are, converted per column.
        self.converting = [
            (index, convert)
            for index, f in enumerate(self.fields)
            if (convert := self._converter(f)) is not None
        ]
        self.read_columns = itemgetter(*self.attnames)
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
        # Defaults under the row's own values, read in column order in one C-level pass: tens
        # of millions of rows go through here at 10M outreaches.
        values = self.read_columns({**self.defaults, **row})
        if self.converting:
            values = list(values)
            for index, convert in self.converting:
                if values[index] is not None:
                    values[index] = convert(values[index])
            values = tuple(values)
        self.buffer.append(values)
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


def reset_demo_data(workspace_id: int) -> None:
    """Empty the workspace and remove the owners seed_demo made for it. When no other workspace
    holds data, every table of the data apps is emptied at once (on PostgreSQL one TRUNCATE,
    fast at any size); otherwise the workspace's rows are deleted."""
    owners = get_user_model().objects.filter(
        username__startswith=OWNER_USERNAME_PREFIX,
        password="!",
        membership__workspace_id=workspace_id,
    )
    if any(
        model._base_manager.exclude(workspace_id=workspace_id).exists()
        for model in workspace_models()
    ):
        for label in RESET_ORDER:
            apps.get_model(label)._base_manager.filter(workspace_id=workspace_id).delete()
        owners.delete()
        return
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
    owners.delete()


def workspace_models() -> list[type[models.Model]]:
    return [
        model
        for label in DATA_APPS
        for model in apps.get_app_config(label).get_models()
        if any(f.name == "workspace" for f in model._meta.concrete_fields)
    ]
