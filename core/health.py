"""`GET /healthz`: is this process able to serve? For load balancers and process managers.

It answers anonymously, so it says nothing but ok or unavailable: no versions, no error text.
"""

import logging
import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# How long a client should wait before asking again when the database is down.
RETRY_AFTER_SECONDS = 5


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """200 `{"status": "ok"}` when the database answers a query, else 503 `unavailable`.

    Each call asks the database afresh, so the answer turns back to ok as soon as the database
    is reachable again, without restarting anything.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.error("health check: database unavailable: %s", exc)
        return JsonResponse(
            {"status": "unavailable", "database": "unavailable"},
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
