"""Django's PostgreSQL backend, reading timestamps with psycopg's compiled loader.

Django reads every `timestamp with time zone` through a Python subclass of psycopg's loader
whose one addition is to give the value Django's time zone. A page of 50 outreaches holds 200 of
them: a millisecond of the page's time went to that (3.6 of a 200-row page's). When the time
zone is UTC — the connection's own too, which Django sets — psycopg's loader (compiled, with
psycopg[binary]) already gives exactly that, an aware datetime in `datetime.timezone.utc`, so the
connections use it.
"""

import datetime

import psycopg
from django.db.backends.postgresql import base
from psycopg import adapt, adapters
from psycopg.pq import Format

TIMESTAMPTZ_OID = adapters.types["timestamptz"].oid
PSYCOPG_TIMESTAMPTZ_LOADER = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UTCTimestamptzLoader:
    """Stands in for psycopg's loader in a connection's adapters: psycopg makes its loaders by
    calling the class registered, and this one answers with psycopg's own (a compiled class
    cannot be subclassed). `timezone` is what Django's cursors compare with theirs before
    putting their own loader back."""

    format = Format.TEXT
    timezone = datetime.UTC

    def __new__(cls, oid, context=None):
        return PSYCOPG_TIMESTAMPTZ_LOADER(oid, context)


class DatabaseWrapper(base.DatabaseWrapper):
    # Milliseconds one statement may run on this connection (0: no limit). Only connections that
    # serve web requests get a limit (`limit_statements`, core.db.limit_web_statements): the
    # worker and management commands (migrate, bench) may run long statements.
    statement_timeout_ms = 0

    def get_connection_params(self):
        params = super().get_connection_params()
        if self.timezone == datetime.UTC:
            context = adapt.AdaptersMap(params["context"])
            context.register_loader(TIMESTAMPTZ_OID, UTCTimestamptzLoader)
            params["context"] = context
        # Sent with the connection's start-up packet: no extra round trip. No JIT: it compiles
        # any plan its costs call large, even one a LIMIT 0 never runs (a search's estimate at
        # 10M rows: 7-10 ms with JIT, 0.7 without), and these statements are short.
        options = ["-c jit=off"]
        if self.statement_timeout_ms:
            options.append(f"-c statement_timeout={self.statement_timeout_ms}")
        params["options"] = " ".join([params.get("options", ""), *options]).strip()
        return params

    def limit_statements(self, milliseconds: int) -> None:
        """Limit every later statement on this connection (and the ones it reopens)."""
        if milliseconds == self.statement_timeout_ms:
            return
        self.statement_timeout_ms = milliseconds
        if self.connection is None:
            return  # the next connection starts with it
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {int(milliseconds)}")
        except psycopg.Error:
            # A broken connection: drop it, the request's first query reconnects with the limit
            # (or answers 503 if the database is down) instead of failing before the request.
            self.close()
