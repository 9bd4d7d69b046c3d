from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("people/", views.PersonListView.as_view(), name="person-list"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/import/", views.person_import, name="person-import"),
    path("people/import/<int:pk>/", views.person_import_run, name="person-import-run"),
    path(
        "people/import/<int:pk>/preview/",
        views.person_import_preview,
        name="person-import-preview",
    ),
    path("people/import/<int:pk>/undo/", views.person_import_undo, name="person-import-undo"),
    path("people/<per:pk>/", views.person_detail, name="person-detail"),
    path("people/<per:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<per:pk>/erase/", views.person_erase, name="person-erase"),
    path("suppressions/", views.SuppressionListView.as_view(), name="suppressions"),
    path("suppressions/<sup:pk>/delete/", views.suppression_delete, name="suppression-delete"),
    path("companies/", views.CompanyListView.as_view(), name="company-list"),
    path("companies/new/", views.company_create, name="company-create"),
    path("companies/<com:pk>/", views.company_detail, name="company-detail"),
    path("companies/<com:pk>/edit/", views.company_edit, name="company-edit"),
]
