from django.urls import path

from core.dashboard.views import register_public_id_converters

from . import views

register_public_id_converters()

app_name = "followups"

urlpatterns = [
    path("followups/", views.followup_queue, name="queue"),
    path("followups/<fup:pk>/status/", views.followup_set_status, name="set-status"),
    path("followups/stale/<out:pk>/outcome/", views.outreach_log_outcome, name="log-outcome"),
]
