from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from outreach_site import views
from outreach_site.api.router import router

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs", views.api_docs, name="api-docs"),
    path("api/", include(router.urls)),
    # Seed 002 compatibility: /ajax/outreach/*.json and /api1.0/outreach/*.json.
    path("", include("outreach.compat.urls")),
    # Dashboard pages.
    path("", include("outreach.urls")),
    path("", include("contacts.urls")),
    path("", include("jobs.urls")),
    path("", include("followups.urls")),
]
