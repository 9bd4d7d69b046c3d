from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from core import health
from core.dashboard import pickers
from core.security import RateLimitedLoginView, admin_login
from outreach_site import views
from outreach_site.api_router import router
from replies import views as replies_views

# The product's error pages (templates/404.html, 403.html, 500.html), with DEBUG off. A page
# that fails because the database is down answers 503, not 500; a missing API path answers JSON.
handler404 = "core.error_pages.page_not_found"
handler500 = "core.health.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("login/", RateLimitedLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # One-click unsubscribe (RFC 8058): the link in every sequence message, no login.
    path("u/<str:token>", replies_views.unsubscribe, name="unsubscribe"),
    # The admin, its login page locked out as the dashboard's is (ahead of the admin's own).
    path("admin/", include([path("login/", admin_login), path("", admin.site.urls)])),
    path("api/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs", views.api_docs, name="api-docs"),
    path("api/", include(router.urls)),
    # The MassProspecting-compatible API: /ajax/outreach/*.json and /api1.0/outreach/*.json.
    path("", include("outreach.compat.urls")),
    # Dashboard pages; a filter's suggestions as the user types a name.
    path("pick/<slug:kind>", pickers.suggest, name="picker"),
    path("", include("outreach.urls")),
    path("", include("contacts.urls")),
    path("", include("jobs.urls")),
    path("", include("followups.urls")),
    path("", include("workspaces.urls")),
    path("", include("integrations.urls")),
    path("", include("sending.urls")),
    path("", include("replies.urls")),
]
