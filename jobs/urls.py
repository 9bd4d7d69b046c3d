from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("jobs/", views.JobListView.as_view(), name="list"),
    path("jobs/new/", views.job_create, name="create"),
    path("jobs/<job:pk>/", views.job_detail, name="detail"),
    path("jobs/<job:pk>/edit/", views.job_edit, name="edit"),
]
