from django.contrib import admin

from core.admin import PublicIdAdminMixin, ServiceAdminMixin, WorkspaceAdminMixin
from core.public_ids import PREFIXES, format_public_id

from . import services
from .models import FollowUp


@admin.register(FollowUp)
class FollowUpAdmin(WorkspaceAdminMixin, PublicIdAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = (
        "public_id",
        "title",
        "kind",
        "status",
        "attempt_no",
        "due_at",
        "outreach_public_id",
        "person",
        "job",
    )
    list_select_related = ("person", "job")
    list_filter = ("status", "kind", "due_at")
    search_fields = ("title", "note", "person__first_name", "person__last_name", "job__title")
    search_help_text = "Title, note, person's name, job title, or an id like fup_42."
    autocomplete_fields = ("outreach", "person", "job")
    fields = (
        "title",
        "kind",
        "status",
        "attempt_no",
        "due_at",
        "note",
        "outreach",
        "person",
        "job",
        "completed_at",
        "created_at",
        "updated_at",
    )
    # completed_at follows the status; the service stamps it.
    readonly_fields = ("completed_at", "created_at", "updated_at")
    show_full_result_count = False

    @admin.display(description="outreach", ordering="outreach_id")
    def outreach_public_id(self, obj) -> str | None:
        # An outreach is shown by its id, so the list needs no join for it.
        return format_public_id(PREFIXES["outreach"], obj.outreach_id)

    def service_create(self, request, values):
        return services.followup_create(actor=request.user, **values)

    def service_update(self, request, obj, changes):
        return services.followup_update(followup=obj, actor=request.user, **changes)

    def service_delete(self, request, obj):
        services.followup_delete(followup=obj, actor=request.user)
