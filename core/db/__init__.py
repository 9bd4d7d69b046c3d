"""Database backends (core.db.sqlite, core.db.postgresql) and what the web asks of them.

`limit_web_statements` runs as each request starts (connected in CoreConfig.ready): the
connections of a process that serves requests get DATABASE_STATEMENT_TIMEOUT, so a runaway query
answers an error instead of holding a web worker; nothing else (the worker, migrate, the bench)
ever gets the limit.
"""

from django.conf import settings
from django.db import connections


def limit_web_statements(**kwargs) -> None:
    """request_started receiver: set the statement limit on this thread's connections. Once per
    connection: a connection that has it already is left alone (no query per request)."""
    milliseconds = settings.DATABASE_STATEMENT_TIMEOUT * 1000
    for connection in connections.all():
        limit = getattr(connection, "limit_statements", None)
        if limit is not None:
            limit(milliseconds)
