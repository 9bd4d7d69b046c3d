from django.contrib import admin
from django.db import models

from core.admin import PublicIdAdminMixin, ServiceAdminMixin, WorkspaceAdminMixin

from . import services
from .models import Job


@admin.register(Job)
class JobAdmin(WorkspaceAdminMixin, PublicIdAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = (
        "public_id",
        "title",
        "company",
        "stage",
        "heat",
        "heat_score",
        "archived",
        "updated_at",
    )
    list_select_related = ("company",)
    list_filter = ("stage", "archived", "heat", ("company", admin.EmptyFieldListFilter))
    search_fields = ("title", "company__name", "url")
    search_help_text = "Title, company name, URL, or an id like job_42."
    autocomplete_fields = ("company",)
    fields = (
        "title",
        "company",
        "url",
        "stage",
        "archived",
        "heat_score",
        "heat",
        "created_at",
        "updated_at",
    )
    # Heat is derived from the stage and the outreaches; the services keep it current.
    readonly_fields = ("heat_score", "heat", "created_at", "updated_at")
    show_full_result_count = False
    # Staff type `acme.com/jobs`; links are https nowadays.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def service_create(self, request, values):
        return services.job_create(actor=request.user, **values)

    def service_update(self, request, obj, changes):
        return services.job_update(job=obj, actor=request.user, **changes)

    def service_delete(self, request, obj):
        services.job_delete(job=obj, actor=request.user)
