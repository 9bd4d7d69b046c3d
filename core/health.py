"""`GET /healthz`: is this process able to serve? For load balancers and process managers.

It answers anonymously, so it says nothing but ok or unavailable (and whether the database
failed or did not answer in time): no versions, no error text.
"""

import contextlib
import logging
import sys
import threading

from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.utils import load_backend
from django.http import HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# How long a client should wait before asking again when the database is down.
RETRY_AFTER_SECONDS = 5
# The check answers within this many seconds whatever the database does (a load balancer's own
# timeout is typically 2 s or more).
HEALTH_DEADLINE_SECONDS = 1.5
# PostgreSQL's limits for the check's own connection (libpq takes no connect timeout under 2 s;
# the deadline above answers first).
HEALTH_CONNECT_TIMEOUT_SECONDS = 2
HEALTH_STATEMENT_TIMEOUT_MS = 1000


def _probe_connection(alias: str):
    """A connection of its own, not the request's: closed after the check, with short limits."""
    settings_dict = dict(connections.settings[alias])
    if settings_dict["ENGINE"].endswith("postgresql"):
        settings_dict["OPTIONS"] = {
            **settings_dict.get("OPTIONS", {}),
            "connect_timeout": HEALTH_CONNECT_TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={HEALTH_STATEMENT_TIMEOUT_MS}",
        }
    return load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)


def database_status(alias: str = DEFAULT_DB_ALIAS) -> str:
    """The database's state: "ok", "unavailable" (refused or failed) or "timeout" (no answer within
    HEALTH_DEADLINE_SECONDS). The query runs in a thread the check stops waiting for, so a
    database that accepts connections and never answers cannot hold the request."""
    outcome: list[str] = []

    def probe() -> None:
        database = _probe_connection(alias)
        try:
            with database.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
            outcome.append("ok")
        except Exception as exc:  # any failure to answer is "unavailable"
            logger.error("health check: database unavailable: %s", exc)
            outcome.append("unavailable")
        finally:
            # Closing a broken connection may fail too; there is nothing to keep.
            with contextlib.suppress(Exception):
                database.close()

    thread = threading.Thread(target=probe, name="healthz-probe", daemon=True)
    thread.start()
    thread.join(HEALTH_DEADLINE_SECONDS)
    if not outcome:
        logger.error("health check: database timeout after %ss", HEALTH_DEADLINE_SECONDS)
        return "timeout"
    return outcome[0]


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """200 `{"status": "ok"}` when the database answers a query, else 503 `unavailable` with
    the reason (`"database": "unavailable"` or `"timeout"`).

    Each call asks the database afresh, so the answer turns back to ok as soon as the database
    is reachable again, without restarting anything.
    """
    status = database_status()
    if status != "ok":
        return JsonResponse(
            {"status": "unavailable", "database": status},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return JsonResponse({"status": "ok", "database": "ok"})


UNAVAILABLE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Unavailable · Outreach</title></head>
<body><h1>Service unavailable</h1>
<p>The database is unavailable; try again shortly.</p></body></html>
"""


def server_error(request):
    """handler500: a page that failed because the database is down answers 503 with
    Retry-After (a plain page: templates may need the database); anything else is a 500."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return HttpResponse(
            UNAVAILABLE_PAGE, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )
    return defaults.server_error(request)
