"""MassProspecting's paths: its web app posts to /ajax/outreach/…, its client library to
/api1.0/…."""

from django.urls import path

from .views import InsertView, PageView, UpdateView


def _endpoints(prefix: str, name: str) -> list:
    return [
        path(f"{prefix}insert.json", InsertView.as_view(), name=f"compat-{name}-insert"),
        path(f"{prefix}page.json", PageView.as_view(), name=f"compat-{name}-page"),
        path(f"{prefix}update.json", UpdateView.as_view(), name=f"compat-{name}-update"),
    ]


urlpatterns = [*_endpoints("ajax/outreach/", "ajax"), *_endpoints("api1.0/outreach/", "api1.0")]
