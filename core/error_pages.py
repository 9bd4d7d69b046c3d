"""handler404: the product's page for a missing page (templates/404.html), and for a path under
the API, the API's own answer: `404 {"detail": "Not found."}` (what its views answer)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from core.middleware import API_PREFIXES, HTML_PAGES_UNDER_API


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    path = request.path_info
    if path.startswith(API_PREFIXES) and not path.startswith(HTML_PAGES_UNDER_API):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
