"""The site's URLs plus views that fail, for tests/site/test_error_pages.py."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from outreach_site.urls import handler404, handler500
from outreach_site.urls import urlpatterns as site_urlpatterns


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("test-forbidden/", forbidden),
    path("test-broken/", broken),
    *site_urlpatterns,
]
__all__ = ["handler404", "handler500", "urlpatterns"]
