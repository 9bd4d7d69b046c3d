"""Admin for companies and people, through their services (core.admin)."""

from django.contrib import admin

from core.admin import PublicIdAdminMixin, ServiceAdminMixin, WorkspaceAdminMixin

from . import services
from .models import Company, PeopleImport, Person


@admin.register(Company)
class CompanyAdmin(WorkspaceAdminMixin, PublicIdAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("public_id", "name", "domain", "owner", "created_at")
    list_select_related = ("owner",)
    list_filter = (("owner", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("name", "domain", "owner__username")
    search_help_text = "Name, domain, owner's username, or an id like com_42."
    autocomplete_fields = ("owner",)
    fields = ("name", "domain", "owner", "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")
    show_full_result_count = False

    def service_create(self, request, values):
        return services.company_create(actor=request.user, **values)

    def service_update(self, request, obj, changes):
        return services.company_update(company=obj, actor=request.user, **changes)

    def service_delete(self, request, obj):
        services.company_delete(company=obj, actor=request.user)


@admin.register(Person)
class PersonAdmin(WorkspaceAdminMixin, PublicIdAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = (
        "public_id",
        "first_name",
        "last_name",
        "email",
        "company",
        "status",
        "strength",
        "last_contacted_at",
    )
    list_select_related = ("company",)
    list_filter = (
        "status",
        "strength",
        "email_invalid",
        ("company", admin.EmptyFieldListFilter),
    )
    search_fields = ("first_name", "last_name", "email", "linkedin_url", "company__name")
    search_help_text = "Name, email, LinkedIn URL, company name, or an id like per_42."
    autocomplete_fields = ("company",)
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "title", "company")}),
        (
            "Contact details",
            {
                "fields": (
                    "email",
                    "email_invalid",
                    "email_inferred",
                    "phone",
                    "linkedin_url",
                    "facebook_url",
                )
            },
        ),
        (
            "Relationship",
            {
                "fields": (
                    "status",
                    "strength",
                    "last_contacted_at",
                    "last_replied_at",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    readonly_fields = ("email_inferred", "created_at", "updated_at")
    show_full_result_count = False

    def service_create(self, request, values):
        return services.person_create(actor=request.user, **values)

    def service_update(self, request, obj, changes):
        return services.person_update(person=obj, actor=request.user, **changes)

    def service_delete(self, request, obj):
        services.person_delete(person=obj, actor=request.user)


@admin.register(PeopleImport)
class PeopleImportAdmin(admin.ModelAdmin):
    """Read-only: imports are made, and undone, on the import page, where undo is checked."""

    list_display = ("id", "file_name", "workspace", "status", "mode", "created_by", "imported_at")
    list_filter = ("workspace", "status", "mode")
    search_fields = ("file_name",)
    exclude = ("text",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
