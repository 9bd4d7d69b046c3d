from django.urls import path

from .views import batches, outreaches, sequences

app_name = "outreach"

urlpatterns = [
    path("outreaches/", outreaches.OutreachListView.as_view(), name="list"),
    path("outreaches/batch/", batches.OutreachBatchView.as_view(), name="batch"),
    path("outreaches/export.csv", outreaches.outreach_export, name="export"),
    path(
        "outreaches/enrichment-batches/<str:batch_id>/progress/",
        batches.enrichment_progress,
        name="enrichment-progress",
    ),
    path("outreaches/new/", outreaches.outreach_create, name="create"),
    path("outreaches/<out:pk>/", outreaches.outreach_detail, name="detail"),
    path("outreaches/<out:pk>/edit/", outreaches.outreach_edit, name="edit"),
    path("outreaches/<out:pk>/delete/", outreaches.outreach_delete, name="delete"),
    path("outreaches/<out:pk>/transition/", outreaches.outreach_transition, name="transition"),
    path("outreaches/<out:pk>/update/", outreaches.outreach_update, name="update"),
    path("sequences/", sequences.SequenceListView.as_view(), name="sequence-list"),
    path("sequences/new/", sequences.sequence_create, name="sequence-create"),
    path("sequences/<seq:pk>/", sequences.sequence_detail, name="sequence-detail"),
    path("sequences/<seq:pk>/edit/", sequences.sequence_edit, name="sequence-edit"),
]
