from django.urls import path

from . import views

app_name = "followups"

urlpatterns = [
    path("followups/", views.followup_queue, name="queue"),
    path("followups/stale/", views.stale_list, name="stale"),
    path("followups/due/<str:section>/", views.followup_section_list, name="section"),
    path("followups/open/", views.followup_section_list, name="open"),
    path("followups/<fup:pk>/status/", views.followup_set_status, name="set-status"),
    path("followups/stale/<out:pk>/outcome/", views.outreach_log_outcome, name="log-outcome"),
]
