from django.urls import path

from core.dashboard.views import register_public_id_converters

from . import views

register_public_id_converters()

app_name = "outreach"

urlpatterns = [
    path("outreaches/", views.OutreachListView.as_view(), name="list"),
    path("outreaches/batch/", views.outreach_batch, name="batch"),
    path("outreaches/export.csv", views.outreach_export, name="export"),
    path(
        "outreaches/enrichment-batches/<str:batch_id>/progress/",
        views.enrichment_progress,
        name="enrichment-progress",
    ),
    path("outreaches/new/", views.outreach_create, name="create"),
    path("outreaches/<out:pk>/", views.outreach_detail, name="detail"),
    path("outreaches/<out:pk>/edit/", views.outreach_edit, name="edit"),
    path("outreaches/<out:pk>/delete/", views.outreach_delete, name="delete"),
    path("outreaches/<out:pk>/transition/", views.outreach_transition, name="transition"),
    path("outreaches/<out:pk>/update/", views.outreach_update, name="update"),
    path("sequences/", views.SequenceListView.as_view(), name="sequence-list"),
    path("sequences/new/", views.sequence_create, name="sequence-create"),
    path("sequences/<seq:pk>/", views.sequence_detail, name="sequence-detail"),
    path("sequences/<seq:pk>/edit/", views.sequence_edit, name="sequence-edit"),
]
